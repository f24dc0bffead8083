"""A WebSocket event listener for Mattermost (synchronous; see ``aio_listener`` for asyncio).

::

    listener = Listener("https://chat.example.com", token)

    @listener.on(EventName.POSTED)
    def posted(event: Event[PostData]) -> None:
        print(event.payload.post)

    listener.run_forever()            # or listener.start() for a background thread
    # or: for event in listener.events(): ...

This module is the thread driver (websocket-client); the protocol itself (resume decisions,
handshake, ``seq``, reply correlation, missed events, catch-up order) is the sans-I/O
:class:`~mattermost_ext.ws_core.ListenerCore`, shared with the asyncio driver
(:mod:`mattermost_ext.aio_listener`), and so is the handler registry.

What it does on the wire (checked against the pinned server source):

- connects to ``<base>/api/v4/websocket``; the token goes in the
  ``Authorization`` header of the upgrade request (``auth="header"``, the
  default) or in an ``authentication_challenge`` action after connecting
  (``auth="challenge"``); never in the URL, a log line, a repr or an error.
  Only a header-authenticated upgrade can *resume*: the server ignores
  ``connection_id`` on an upgrade without a session and starts a new
  connection, so with ``auth="challenge"`` every reconnect reports
  :attr:`ListenerEvent.MISSED_EVENTS`.
- reconnects with capped exponential backoff and jitter, asking the server
  to resume (``connection_id`` + ``sequence_number`` = next expected ``seq``);
  the server replays what it kept (its last 128 events) or answers with a
  ``hello`` carrying a new ``connection_id``: events were lost, and the
  listener emits :attr:`ListenerEvent.MISSED_EVENTS` (see :meth:`Listener.catch_up`).
- checks ``seq`` (events are numbered from 0, the ``hello``): a duplicate is
  dropped, a gap closes the socket and resumes from the expected number.
- once authenticated, reads the socket in 64 KiB chunks and cuts them into frames
  itself (:class:`~mattermost_ext.ws_core.FrameReader`; websocket-client dials,
  upgrades, authenticates and sends), answering the server's pings and close.
- sends an app-level ``ping`` action every ``ping_interval`` seconds; a
  socket on which nothing arrived within ``ping_timeout`` of a ping (while
  the listener was waiting on it) is dead and replaced.

Handlers run on the listener's thread, one event at a time, in order; an
exception in one is logged and the others still run. A handler that waits for
a reply to an action blocks the thread that would read it: on the listener
thread the actions therefore refuse to wait (pass ``wait=False``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast, overload

import websocket

from mattermost_ext._ws_url import websocket_url
from mattermost_ext.event_names import EventName
from mattermost_ext.events import (
    ChannelData,
    ChannelMemberData,
    ConnectedData,
    DisconnectedData,
    Event,
    HelloData,
    ListenerEvent,
    MissedEventsData,
    PostData,
    ReactionData,
    StatusChangeData,
    TypingData,
    UserUpdatedData,
    listener_event,
)
from mattermost_ext.ws_core import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    ActionError,
    Authenticated,
    AuthenticationError,
    Deliver,
    FrameError,
    FrameReader,
    ListenerCore,
    ListenerError,
    NotConnectedError,
    Rejected,
    Replied,
    Resume,
)

from ._handlers import HandlerRegistry
from ._ws_common import (
    MAX_CLIENT_MESSAGE_BYTES,
    ActionTimeoutError,
    Backoff,
    ConnectionFailedError,
    _statuses,
    fetch_posts_since,
    token_status,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ActionError",
    "ActionTimeoutError",
    "AuthenticationError",
    "Backoff",
    "ConnectionFailedError",
    "Handler",
    "Listener",
    "ListenerError",
    "NotConnectedError",
    "SequenceGapError",
]

logger = logging.getLogger("mattermost_ext.listener")


Handler: TypeAlias = Callable[[Event[Any]], object]


# ---------------------------------------------------------------------------
# Errors


class SequenceGapError(ListenerError):
    """An event arrived with a ``seq`` past the expected one (internal: triggers a resume)."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"expected event seq {expected}, got {got}")
        self.expected = expected
        self.got = got


class _DeadConnection(ListenerError):
    pass


# ---------------------------------------------------------------------------
# Options


class _Pending:
    __slots__ = ("action", "data", "done", "error")

    def __init__(self, action: str) -> None:
        self.action = action
        self.done = threading.Event()
        self.data: dict[str, Any] | None = None
        self.error: BaseException | None = None


_STOP: Any = object()
_READ_CHUNK = 1 << 16


# ---------------------------------------------------------------------------
# The listener


class Listener:
    """Connects, authenticates, dispatches events, resumes; see the module docstring.

    Options (keyword-only):

    - ``auth``: ``"header"`` (default; enables resume) or ``"challenge"``.
    - ``ping_interval`` (30 s) / ``ping_timeout`` (default = interval):
      app-level ping cadence and how long a silent socket may stay after a ping.
    - ``reconnect`` (True), ``backoff`` (:class:`Backoff`), ``resume`` (True).
    - ``connect_timeout`` (10 s): dial + authentication; ``action_timeout`` (10 s).
    - ``sslopt``: passed to websocket-client (e.g. ``{"ca_certs": ...}``).
    - ``queue_size``: bound of each :meth:`events` iterator's queue (0 = unbounded).
    - ``http_client``: an ``httpx.Client`` for :meth:`catch_up` and the token check (else
      one is made).
    - ``verify`` (True) / ``ca_bundle``: TLS verification of the socket and of the REST
      calls (``False``, a CA bundle path, or an ``ssl.SSLContext``), like the client's.
    - ``connect_deadline`` (None: retry forever, one log line per attempt naming the URL
      and the next delay): give up with :class:`ConnectionFailedError` after this many
      seconds without a connection.
    - ``auth_check_after`` (0.5 s): a socket that has not answered the authentication this
      long is asked about over REST (``GET /api/v4/users/me``): the server does not answer a
      wrong token on the socket, it closes it after 5 s; a 401 raises
      :class:`AuthenticationError` at once (with or without ``reconnect``).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        auth: Literal["header", "challenge"] = "header",
        ping_interval: float = 30.0,
        ping_timeout: float | None = None,
        reconnect: bool = True,
        backoff: Backoff | None = None,
        resume: bool = True,
        connect_timeout: float = 10.0,
        action_timeout: float = 10.0,
        sslopt: Mapping[str, Any] | None = None,
        queue_size: int = 0,
        http_client: httpx.Client | None = None,
        catch_up_margin_ms: int = 2000,
        verify: bool | str | ssl.SSLContext = True,
        ca_bundle: str | None = None,
        connect_deadline: float | None = None,
        auth_check_after: float | None = 0.5,
    ) -> None:
        if auth not in ("header", "challenge"):
            raise ValueError("auth must be 'header' or 'challenge'")
        if ping_interval <= 0:
            raise ValueError("ping_interval must be positive")
        self.url = websocket_url(url)  # validates; the resume query is added per connect
        self._base_url = url
        self.__token = token
        self.auth = auth
        self.ping_interval = float(ping_interval)
        self.ping_timeout = float(ping_timeout if ping_timeout is not None else ping_interval)
        self.reconnect = reconnect
        self.backoff = backoff or Backoff()
        self.resume = resume
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        if connect_deadline is not None and not connect_deadline > 0:
            raise ValueError(f"connect_deadline must be positive seconds, got {connect_deadline!r}")
        self._verify: bool | str | ssl.SSLContext = ca_bundle if ca_bundle else verify
        self._sslopt = {**_sslopt_for(self._verify), **dict(sslopt or {})}
        self.connect_deadline = connect_deadline
        self.auth_check_after = auth_check_after
        self._queue_size = queue_size
        self._http_client = http_client

        self._handlers: HandlerRegistry[Handler] = HandlerRegistry()
        self._core = ListenerCore(auth=auth, catch_up_margin_ms=catch_up_margin_ms)
        self._core_lock = threading.RLock()  # the reader and senders share the core
        self._queues: list[queue.Queue[Any]] = []

        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closing = threading.Event()
        self._authenticated = threading.Event()
        self._ws: websocket.WebSocket | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._reader_ident: int | None = None
        self._fatal: BaseException | None = None
        self._stop_callbacks: list[Callable[[], object]] = []

        self._pending: dict[int, _Pending] = {}

        # Liveness (read by the watchdog thread).
        self._recv_since: float | None = None
        self._ping_sent_at: float | None = None

        # Counters, for tests and monitoring (resumed / missed: see the properties).
        self.reconnects = 0

    # -- the stream's state (kept by the protocol core) ---------------------------------

    @property
    def connection_id(self) -> str | None:
        return self._core.connection_id

    @property
    def server_version(self) -> str | None:
        return self._core.server_version

    @property
    def resumed(self) -> int:
        """Reconnects the server resumed (no event lost)."""
        return self._core.resumed

    @property
    def missed(self) -> int:
        """Reconnects the server could not resume (``MISSED_EVENTS`` emitted)."""
        return self._core.missed

    @property
    def catch_up_margin_ms(self) -> int:
        return self._core.catch_up_margin_ms

    @catch_up_margin_ms.setter
    def catch_up_margin_ms(self, value: int) -> None:
        self._core.catch_up_margin_ms = value

    def __repr__(self) -> str:
        state = "connected" if self._authenticated.is_set() else "disconnected"
        return f"<Listener {self.url} auth={self.auth} {state}>"

    # -- handlers -------------------------------------------------------------

    @overload
    def on(
        self,
        name: Literal[EventName.POSTED, EventName.POST_EDITED, EventName.POST_DELETED],
    ) -> Callable[[Callable[[Event[PostData]], object]], Callable[[Event[PostData]], object]]: ...
    @overload
    def on(
        self, name: Literal[EventName.TYPING]
    ) -> Callable[
        [Callable[[Event[TypingData]], object]], Callable[[Event[TypingData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[EventName.REACTION_ADDED, EventName.REACTION_REMOVED]
    ) -> Callable[
        [Callable[[Event[ReactionData]], object]], Callable[[Event[ReactionData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[EventName.STATUS_CHANGE]
    ) -> Callable[
        [Callable[[Event[StatusChangeData]], object]], Callable[[Event[StatusChangeData]], object]
    ]: ...
    @overload
    def on(
        self,
        name: Literal[
            EventName.CHANNEL_CREATED, EventName.CHANNEL_UPDATED, EventName.CHANNEL_DELETED
        ],
    ) -> Callable[
        [Callable[[Event[ChannelData]], object]], Callable[[Event[ChannelData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_ADDED, EventName.USER_REMOVED]
    ) -> Callable[
        [Callable[[Event[ChannelMemberData]], object]], Callable[[Event[ChannelMemberData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_UPDATED]
    ) -> Callable[
        [Callable[[Event[UserUpdatedData]], object]], Callable[[Event[UserUpdatedData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[EventName.HELLO]
    ) -> Callable[[Callable[[Event[HelloData]], object]], Callable[[Event[HelloData]], object]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.MISSED_EVENTS]
    ) -> Callable[
        [Callable[[Event[MissedEventsData]], object]], Callable[[Event[MissedEventsData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.CONNECTED]
    ) -> Callable[
        [Callable[[Event[ConnectedData]], object]], Callable[[Event[ConnectedData]], object]
    ]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.DISCONNECTED]
    ) -> Callable[
        [Callable[[Event[DisconnectedData]], object]], Callable[[Event[DisconnectedData]], object]
    ]: ...
    @overload
    def on(self, name: str) -> Callable[[Handler], Handler]: ...
    @overload
    def on(self, name: None = None) -> Callable[[Handler], Handler]: ...
    def on(self, name: str | None = None) -> Callable[[Any], Any]:
        """Decorator: register the function for events named ``name`` (all events if None)."""

        def register(func: Any) -> Any:
            self.add_handler(name, func)
            return func

        return register

    def add_handler(self, name: str | None, handler: Handler) -> None:
        """Register ``handler`` for ``name`` (an :class:`EventName`, :class:`ListenerEvent`
        or any string); ``None`` registers a catch-all handler."""
        self._handlers.add(name, handler)

    def remove_handler(self, name: str | None, handler: Handler) -> None:
        self._handlers.remove(name, handler)

    # -- running ----------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._authenticated.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until authenticated (True) or the timeout passes / the listener is closed
        (False).  A listener stopped by an error raises it here (:class:`AuthenticationError`,
        :class:`ConnectionFailedError`)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._authenticated.wait(0.05):
            if self._fatal is not None:
                raise self._fatal
            if self._closing.is_set() or (deadline is not None and time.monotonic() > deadline):
                return False
        return True

    def start(self, *, daemon: bool = True) -> threading.Thread:
        """Run :meth:`run_forever` in a background thread (returned)."""
        with self._lock:
            if self._running:
                raise ListenerError("listener already running")
            if self._closing.is_set():
                raise ListenerError("listener is closed")
            self._running = True
            t = threading.Thread(
                target=self._run_guarded, name="mattermost-listener", daemon=daemon
            )
            self._thread = t
        t.start()
        return t

    def _run_guarded(self) -> None:
        try:
            self._run()
        except ListenerError:
            pass  # kept in self._fatal and already logged
        except Exception:
            logger.exception("listener stopped by an unexpected error")

    def run_forever(self) -> None:
        """Connect and dispatch until :meth:`close` (or a fatal error, raised here)."""
        with self._lock:
            if self._running:
                raise ListenerError("listener already running")
            self._running = True
        self._run()

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop: idempotent, callable from any thread (also from a handler)."""
        self._closing.set()
        ws = self._ws
        if ws is not None:
            self._close_socket(ws, normal=True)
        thread = self._thread
        if (
            thread is not None
            and thread is not threading.current_thread()
            and thread.ident != threading.get_ident()
        ):
            thread.join(timeout)

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def events(self, *, timeout: float | None = None) -> Iterator[Event[Any]]:
        """Iterate over events (starts the listener thread if needed).

        Ends when the listener closes (raising its fatal error, if any), or after
        ``timeout`` seconds without an event. Events are buffered per iterator.
        """
        q: queue.Queue[Any] = queue.Queue(self._queue_size)
        with self._lock:
            self._queues = [*self._queues, q]
            running = self._running
        try:
            if not running and not self._closing.is_set():
                self.start()
            while True:
                try:
                    item = q.get(timeout=timeout)
                except queue.Empty:
                    return
                if item is _STOP:
                    if self._fatal is not None:
                        raise self._fatal
                    return
                yield item
        finally:
            with self._lock:
                self._queues = [x for x in self._queues if x is not q]

    # -- actions -------------------------------------------------------------

    def ping(self, *, timeout: float | None = None) -> dict[str, Any]:
        """App-level ping; the reply data (``text: "pong"``, ``version``, ``server_time``...)."""
        return self._request("ping", None, timeout=timeout, wait=True) or {}

    def user_typing(
        self,
        channel_id: str,
        parent_id: str | None = None,
        *,
        wait: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Tell the channel the user is typing (in thread ``parent_id`` if given)."""
        data = {"channel_id": channel_id}
        if parent_id:
            data["parent_id"] = parent_id
        self._request("user_typing", data, timeout=timeout, wait=wait)

    def get_statuses(self, *, timeout: float | None = None) -> dict[str, str]:
        """Statuses the server holds in memory: user id → ``online``/``away``/``dnd``..."""
        return _statuses(self._request("get_statuses", None, timeout=timeout, wait=True))

    def get_statuses_by_ids(
        self, user_ids: Iterable[str], *, timeout: float | None = None
    ) -> dict[str, str]:
        """Statuses of the given users: user id → status."""
        ids = list(user_ids)
        if not ids:
            return {}
        data = {"user_ids": ids}
        return _statuses(self._request("get_statuses_by_ids", data, timeout=timeout, wait=True))

    def send_action(
        self,
        action: str,
        data: Mapping[str, Any] | None = None,
        *,
        wait: bool = True,
        timeout: float | None = None,
    ) -> dict[str, Any] | None:
        """Any other action; the reply's ``data`` (None when not waiting)."""
        return self._request(action, data, timeout=timeout, wait=wait)

    def _request(
        self,
        action: str,
        data: Mapping[str, Any] | None,
        *,
        timeout: float | None,
        wait: bool,
    ) -> dict[str, Any] | None:
        if wait and threading.get_ident() == self._reader_ident:
            raise ListenerError(
                f"{action}: cannot wait for a reply on the listener thread (it reads the "
                "reply); call with wait=False, or from another thread"
            )
        ws = self._ws
        if ws is None or not self._authenticated.is_set():
            raise NotConnectedError(f"{action}: not connected")
        seq, pending = self._send_action(ws, action, data, track=wait)
        if pending is None:
            return None
        wait_for = self.action_timeout if timeout is None else timeout
        if not pending.done.wait(wait_for):
            self._pending.pop(seq, None)
            with self._core_lock:
                self._core.forget(seq)
            raise ActionTimeoutError(f"{action}: no reply within {wait_for:g} s")
        if pending.error is not None:
            raise pending.error
        return pending.data

    def _send_action(
        self,
        ws: websocket.WebSocket,
        action: str,
        data: Mapping[str, Any] | None,
        *,
        track: bool,
    ) -> tuple[int, _Pending | None]:
        with self._core_lock:
            msg = self._core.action(action, data) if track else self._core.untracked(action, data)
        return self._send_message(ws, msg, track=track)

    def _send_message(
        self, ws: websocket.WebSocket, msg: dict[str, Any], *, track: bool
    ) -> tuple[int, _Pending | None]:
        seq, action = int(msg["seq"]), str(msg["action"])
        with self._send_lock:
            text = json.dumps(msg, separators=(",", ":"))
            if len(text.encode("utf-8")) > MAX_CLIENT_MESSAGE_BYTES:
                with self._core_lock:
                    self._core.forget(seq)
                raise ValueError(f"{action}: message exceeds the server's 8 KB limit")
            pending = _Pending(action) if track else None
            if pending is not None:
                self._pending[seq] = pending
            try:
                ws.send(text)
            except (OSError, websocket.WebSocketException) as exc:
                self._pending.pop(seq, None)
                with self._core_lock:
                    self._core.forget(seq)
                raise NotConnectedError(f"{action}: send failed ({type(exc).__name__})") from None
        return seq, pending

    # -- catch-up over REST ----------------------------------------------------

    def catch_up(
        self, missed: MissedEventsData | None = None, *, dispatch: bool = True
    ) -> list[Event[PostData]]:
        """Fetch over REST the posts created in the user's channels since the last event
        seen (``missed.since_ms``), skip the ones already delivered, and (if ``dispatch``)
        dispatch them as ``posted`` events (``seq`` None) in creation order; live copies of
        them (from the reconnect backlog or later) are then not delivered again.

        Safe to call from a :attr:`ListenerEvent.MISSED_EVENTS` handler: that is where it
        keeps the server's order (the events that arrived while reconnecting come after).
        """
        with self._core_lock:
            since = self._core.catch_up_since(missed)
            seen = self._core.delivered_post_ids()
        posts = fetch_posts_since(
            self._base_url, self.__token, since, client=self._http_client, skip_ids=seen
        )
        with self._core_lock:
            events = self._core.catch_up_events(posts)
        if dispatch:
            for ev in events:
                self._dispatch(ev)
        return events

    # -- internals: the run loop ---------------------------------------------

    def _run(self) -> None:
        self._reader_ident = threading.get_ident()
        watchdog = threading.Thread(
            target=self._watchdog, name="mattermost-listener-ping", daemon=True
        )
        watchdog.start()
        attempt = 0
        auth_closes = 0
        down_since = time.monotonic()
        ever_up = False
        try:
            while not self._closing.is_set():
                reason = "closed"
                at_once = False
                try:
                    self._connect_and_read()
                except AuthenticationError as exc:
                    logger.error("authentication to %s failed: %s", self.url, exc)
                    self._fatal = exc
                    raise
                except _AuthPhaseClosed as exc:
                    auth_closes += 1
                    reason = f"closed during authentication: {exc}"
                    if auth_closes >= 3:
                        self._fatal = AuthenticationError(
                            "the server closed the socket during authentication 3 times "
                            "(invalid token?)"
                        )
                        logger.error("%s", self._fatal)
                        raise self._fatal from None
                except SequenceGapError as exc:
                    logger.warning("%s; reconnecting to resume", exc)
                    reason = str(exc)
                    at_once = True
                except (OSError, websocket.WebSocketException) as exc:
                    if self._closing.is_set():
                        break
                    reason = "dead connection (no reply to ping)" if self._dead else _describe(exc)
                    if self._authenticated.is_set():
                        logger.warning("websocket connection to %s lost: %s", self.url, reason)
                was_up = self._authenticated.is_set()
                self._drop_socket()
                if self._closing.is_set():
                    break
                if was_up:
                    ever_up = True
                    auth_closes = 0
                    attempt = 0
                    down_since = time.monotonic()
                    self._emit(
                        listener_event(
                            ListenerEvent.DISCONNECTED, DisconnectedData(reason, self.reconnect)
                        )
                    )
                down_for = time.monotonic() - down_since
                if not self.reconnect:
                    if not was_up and not ever_up:
                        self._fatal = ConnectionFailedError(
                            self.url, reason, attempts=attempt + 1, waited=down_for
                        )
                        logger.error("%s", self._fatal)
                        raise self._fatal
                    break
                delay = 0.0 if at_once else self.backoff.delay(attempt)
                if (
                    self.connect_deadline is not None
                    and not was_up
                    and down_for + delay > self.connect_deadline
                ):
                    self._fatal = ConnectionFailedError(
                        self.url, reason, attempts=attempt + 1, waited=down_for
                    )
                    logger.error("%s (connect_deadline %.1f s)", self._fatal, self.connect_deadline)
                    raise self._fatal
                attempt += 0 if at_once else 1
                self.reconnects += 1
                if was_up or at_once:
                    logger.info("reconnecting to %s in %.2f s", self.url, delay)
                else:
                    logger.warning(
                        "cannot connect to %s: %s; attempt %d, next in %.1f s (%s)",
                        self.url,
                        reason,
                        attempt,
                        delay,
                        "retrying forever"
                        if self.connect_deadline is None
                        else f"giving up after {self.connect_deadline:.0f} s",
                    )
                if self._closing.wait(delay):
                    break
        finally:
            self._drop_socket()
            self._closing.set()
            self._running = False
            for q in self._queues:
                with contextlib.suppress(queue.Full):
                    q.put_nowait(_STOP)
            for callback in self._stop_callbacks:
                try:
                    callback()
                except Exception:
                    logger.exception("stop callback failed")

    def _connect_and_read(self) -> None:
        with self._core_lock:
            query = self._core.connect(resume=self.resume)
        url = websocket_url(self._base_url, **query) if query else self.url
        header = [f"Authorization: Bearer {self.__token}"] if self.auth == "header" else []
        logger.debug("connecting to %s (resume=%s)", url, bool(query))
        try:
            ws = websocket.create_connection(
                url,
                timeout=self.connect_timeout,
                header=header,
                sslopt=self._sslopt or None,
                skip_utf8_validation=True,  # json.loads validates
                # No Origin header: the server accepts an upgrade without one, but
                # rejects (403) an Origin that is not its Site URL, e.g. behind a proxy.
                suppress_origin=True,
                enable_multithread=False,  # sends are serialised by _send_lock
            )
        except websocket.WebSocketBadStatusException as exc:
            if exc.status_code in (401, 403):
                hint = " (token rejected, or an Origin/CORS rule)" if exc.status_code == 403 else ""
                raise AuthenticationError(
                    f"upgrade refused: HTTP {exc.status_code}{hint}"
                ) from None
            raise websocket.WebSocketException(f"upgrade refused: HTTP {exc.status_code}") from None
        self._ws = ws
        if self._closing.is_set():
            return
        try:
            up = self._authenticate(ws)
        except (OSError, websocket.WebSocketException) as exc:
            if self._closing.is_set():
                return
            raise _AuthPhaseClosed(_describe(exc)) from None
        ws.settimeout(None)
        logger.info(
            "connected to %s (%s)",
            self.url,
            "resumed" if up.resumed else f"connection {up.connection_id}",
        )
        self._read_loop(ws)

    def _authenticate(self, ws: websocket.WebSocket) -> Authenticated:
        """Send the core's first message (challenge, or a ping with header auth) and read
        until the core says the socket is up (the reply and, on a new connection, the
        ``hello``)."""
        with self._core_lock:
            first = self._core.start_authentication(self.__token)
        self._send_message(ws, first, track=False)
        started = time.monotonic()
        deadline = started + self.connect_timeout
        check_at = None if self.auth_check_after is None else started + self.auth_check_after
        while True:
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                raise websocket.WebSocketTimeoutException("no authentication from the server")
            if check_at is not None:
                if now >= check_at:
                    check_at = None
                    self._check_token()
                else:
                    left = min(left, check_at - now)
            ws.settimeout(left)
            try:
                opcode, data = ws.recv_data()
            except websocket.WebSocketTimeoutException:
                continue  # the deadline or the token check, at the top of the loop
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise websocket.WebSocketConnectionClosedException("closed by the server")
            up = self._act(data)
            if up is not None:
                return up

    def _check_token(self) -> None:
        """The socket is silent about the token: ask REST.  401 -> AuthenticationError;
        anything else (no answer, another status) leaves it to the socket."""
        try:
            status = token_status(
                self._base_url, self.__token, client=self._http_client, verify=self._verify
            )
        except Exception as exc:  # the check is a hint, never a new failure
            logger.debug("token check over REST failed: %s", _describe(exc))
            return
        if status == 401:
            raise AuthenticationError(
                "the server rejected the token (GET /api/v4/users/me answered 401)"
            )

    def _read_loop(self, ws: websocket.WebSocket) -> None:
        """Read the socket in large chunks and cut them into frames with the sans-I/O
        :class:`~mattermost_ext.ws_core.FrameReader` (websocket-client's ``recv`` reads
        each frame with several small reads, which cost more than the listener itself).
        websocket-client dialled, upgraded and authenticated; it never reads past the frame
        it returns, so nothing is buffered in it by now.  Answers pings, and a close."""
        sock = ws.sock
        if sock is None:
            raise websocket.WebSocketConnectionClosedException("socket is already closed")
        recv = sock.recv
        feed = FrameReader().feed
        act = self._act
        monotonic = time.monotonic
        while True:
            self._recv_since = monotonic()
            chunk = recv(_READ_CHUNK)
            self._recv_since = None
            if not chunk:
                raise websocket.WebSocketConnectionClosedException("connection closed")
            try:
                frames = feed(chunk)
            except FrameError as exc:
                raise websocket.WebSocketProtocolException(str(exc)) from None
            for opcode, payload in frames:
                if opcode <= OP_BINARY:  # text or binary (continuations come reassembled)
                    act(payload)
                elif opcode == OP_PING:
                    self._control(ws, payload, websocket.ABNF.OPCODE_PONG)
                elif opcode == OP_CLOSE:
                    self._control(ws, payload[:2], websocket.ABNF.OPCODE_CLOSE)
                    raise websocket.WebSocketConnectionClosedException(
                        "closed by the server" + _close_reason(payload)
                    )

    def _control(self, ws: websocket.WebSocket, payload: bytes, opcode: int) -> None:
        """A pong for a ping, or the close handshake's answer (best effort)."""
        with contextlib.suppress(OSError, websocket.WebSocketException), self._send_lock:
            ws.send(payload, opcode)

    def _act(self, raw: bytes | str) -> Authenticated | None:
        """One frame through the core, and what it asks for.  Raises only what the core
        decided: :class:`AuthenticationError` (rejected) or :class:`SequenceGapError` (a
        gap: resume)."""
        core = self._core
        event: Event[Any] | None = None
        with self._core_lock:
            actions = core.receive(raw)
            if len(actions) == 1 and type(actions[0]) is Deliver:  # the usual frame: one
                event = actions[0].event  # lock for both, admitted right before handlers
                if not core.admit(event):
                    return None
        if event is not None:
            self._run_handlers(event)  # outside the lock: senders must not wait on handlers
            return None
        up: Authenticated | None = None
        for action in actions:
            if type(action) is Deliver:
                self._dispatch(action.event)
            elif type(action) is Replied:
                self._replied(action)
            elif type(action) is Authenticated:
                up = action
                self._authenticated.set()
            elif type(action) is Resume:
                raise SequenceGapError(action.expected, action.got)
            elif type(action) is Rejected:
                raise action.error
        return up

    def _replied(self, reply: Replied) -> None:
        pending = self._pending.pop(reply.seq, None)
        if pending is None:
            return
        pending.data = reply.data
        pending.error = reply.error
        pending.done.set()

    def _dispatch(self, event: Event[Any]) -> None:
        with self._core_lock:
            admitted = self._core.admit(event)
        if admitted:
            self._run_handlers(event)

    def _run_handlers(self, event: Event[Any]) -> None:
        if event.malformed is not None:
            # typed handlers are promised a typed payload: this one goes to catch-all
            # handlers and events() only, flagged (event.malformed)
            logger.warning("%s; delivered as a raw event (seq %s)", event.malformed, event.seq)
        for h in self._handlers.for_event(event):
            try:
                h(event)
            except Exception:
                logger.exception("handler %s failed on %s event", _name(h), event.name)
        for q in self._queues:
            q.put(event)

    def _emit(self, event: Event[Any]) -> None:
        self._dispatch(event)

    def _watchdog(self) -> None:
        interval = self.ping_interval
        while not self._closing.wait(interval):
            ws = self._ws
            if ws is None or not self._authenticated.is_set():
                self._ping_sent_at = None
                continue
            now = time.monotonic()
            sent = self._ping_sent_at
            since = self._recv_since
            if (
                sent is not None
                and since is not None
                and since <= sent
                and now - sent >= self.ping_timeout
            ):
                logger.warning(
                    "no data within %.1f s of a ping: the connection is dead", now - sent
                )
                self._dead = True
                self._close_socket(ws, normal=False)
                self._ping_sent_at = None
                continue
            try:
                self._send_action(ws, "ping", None, track=False)
                self._ping_sent_at = time.monotonic()
            except (NotConnectedError, ValueError):
                self._ping_sent_at = None

    _dead = False

    def _close_socket(self, ws: websocket.WebSocket, *, normal: bool) -> None:
        if normal:
            # A close frame with a short timeout; never wait on a stuck peer.
            with contextlib.suppress(Exception):
                if self._send_lock.acquire(timeout=0.5):
                    try:
                        if ws.sock is not None:
                            ws.sock.settimeout(0.5)
                        ws.send_close()
                    finally:
                        self._send_lock.release()
        _abort(ws)

    def _drop_socket(self) -> None:
        self._authenticated.clear()
        ws, self._ws = self._ws, None
        self._recv_since = None
        self._ping_sent_at = None
        if ws is not None:
            _abort(ws)
            with contextlib.suppress(Exception):
                cast(Any, ws).shutdown()
        with self._core_lock:
            failed = self._core.disconnected()
        for reply in failed:
            self._replied(reply)
        pending, self._pending = self._pending, {}
        for p in pending.values():
            p.error = NotConnectedError(f"{p.action}: connection lost before the reply")
            p.done.set()
        if self._dead:
            self._dead = False


class _AuthPhaseClosed(ListenerError):
    pass


# ---------------------------------------------------------------------------
# Helpers


def _sslopt_for(verify: bool | str | ssl.SSLContext) -> dict[str, Any]:
    """websocket-client's ``sslopt`` for a client-style ``verify``."""
    if isinstance(verify, ssl.SSLContext):
        return {"context": verify}
    if verify is False:
        return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
    if isinstance(verify, str):
        return {"ca_cert_path": verify} if os.path.isdir(verify) else {"ca_certs": verify}
    return {}


def _abort(ws: websocket.WebSocket) -> None:
    """Shut the socket down: wakes a thread blocked in recv (websocket-client's abort)."""
    with contextlib.suppress(Exception):
        cast(Any, ws).abort()


def _name(handler: object) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


def _close_reason(data: bytes | str) -> str:
    if isinstance(data, bytes) and len(data) >= 2:
        code = int.from_bytes(data[:2], "big")
        return f" (code {code})"
    return ""
