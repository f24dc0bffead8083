"""The listener for asyncio: a native driver (no thread) on the ``websockets`` library.

::

    async with AsyncListener("https://chat.example.com", token) as listener:

        @listener.on(EventName.POSTED)
        async def posted(event: Event[PostData]) -> None:
            await listener.user_typing(event.payload.channel_id)

        async for event in listener.events():
            ...

The protocol is :class:`~mattermost_ext.ws_core.ListenerCore` (the same core as the thread
driver, so the same guarantees: see the README's "WebSocket events"); this module only moves
frames, waits and runs handlers.  ``websockets`` was chosen because it is asyncio-native,
actively maintained, typed, and itself built on a sans-I/O protocol core; its protocol-level
pings keep the socket alive and detect a dead peer (``ping_interval`` / ``ping_timeout``).

``websockets`` dials, upgrades, sends, pings and closes; what the server sends after the
handshake is cut into frames by :class:`~mattermost_ext.ws_core.FrameReader` and each message
goes straight to the core (control frames go back to ``websockets``), which costs less than a
message through its parser, assembler and ``recv()``.

The transport's reads feed the core; a task runs the handlers (sync or ``async``),
one event at a time and in order, so a handler may await an action's reply.  A failing
handler is logged and the others still run.  Options are the thread driver's where they
apply (``url``, ``token``, ``auth``, ``reconnect``, ``backoff``, ``resume``,
``connect_timeout``, ``action_timeout``, ``ping_interval``, ``ping_timeout``, ``verify`` /
``ca_bundle``, ``connect_deadline``, ``auth_check_after``, ``catch_up_margin_ms``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, TypeAlias, TypeVar, overload

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State

from mattermost_ext._handlers import HandlerRegistry
from mattermost_ext._ws_common import (
    MAX_CLIENT_MESSAGE_BYTES,
    ActionTimeoutError,
    Backoff,
    ConnectionFailedError,
    _rest_base,
    _statuses,
    fetch_posts_since,
)
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

__all__ = ["AsyncHandler", "AsyncListener"]

logger = logging.getLogger("mattermost_ext.listener")

T = TypeVar("T")
AsyncHandler: TypeAlias = Callable[[Event[Any]], Awaitable[object] | object]
"""A handler for the asyncio driver: a plain function or a coroutine function."""
_H: TypeAlias = Callable[[Event[Any]], Awaitable[object] | object]
_Fn: TypeAlias = Callable[[Event[T]], Awaitable[object] | object]
_STOP: Any = object()


class _Resume(Exception):
    pass


_MAX_MESSAGE = 16 * 1024 * 1024


class _DirectConnection(ClientConnection):
    """websockets' connection, except for what arrives after the handshake: the sans-I/O
    :class:`~mattermost_ext.ws_core.FrameReader` cuts it into frames, and each text or
    binary message goes straight to the listener's callback (:meth:`deliver_to`), without
    websockets' parser, message assembler and one await per message, which cost more than
    the listener itself.  Control frames are handed back to websockets (its parser stands
    at a frame boundary, since it never saw a data frame), so pings, pongs (its keepalive:
    the dead-socket detection), the closing handshake and the connection's state stay its.

    A callback's exception (a resume, a rejected token) or broken framing stops the
    delivery and is kept in :attr:`stopped` for the reader to raise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head = b""  # the handshake response so far, until its blank line
        self._reader: FrameReader | None = None
        self._sink: Callable[[bytes], object] | None = None
        self._early: list[bytes] = []  # messages that came before deliver_to
        self._halted = False
        self.stopped: asyncio.Future[BaseException] = self.loop.create_future()

    def deliver_to(self, sink: Callable[[bytes], object]) -> None:
        """From now on (and first the messages that came already) ``sink`` gets each
        message, in order."""
        self._sink = sink
        early, self._early = self._early, []
        for payload in early:
            if self._halted:
                return
            self._call(sink, payload)

    def _call(self, sink: Callable[[bytes], object], payload: bytes) -> None:
        try:
            sink(payload)
        except BaseException as exc:  # kept for the reader, which raises it
            self._halt(exc)

    def _halt(self, exc: BaseException) -> None:
        self._halted = True
        if not self.stopped.done():
            self.stopped.set_result(exc)

    def _open(self) -> bool:
        return self.protocol.state is State.OPEN

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        if reader is None:
            if self.response is not None or self.protocol.state is not State.CONNECTING:
                super().data_received(data)  # a refused upgrade's body, and so on
                return
            head = self._head + data
            end = head.find(b"\r\n\r\n")
            if end < 0:
                self._head = head
                super().data_received(data)
                return
            cut = end + 4 - len(self._head)  # where the response ends in data
            self._head = b""
            super().data_received(data[:cut])
            data = data[cut:]
            if not self._open():
                if data:
                    super().data_received(data)
                return
            reader = self._reader = FrameReader(_MAX_MESSAGE)
            if not data:
                return
        try:
            frames = reader.feed(data)
        except FrameError as exc:
            self._halt(websockets.WebSocketException(f"broken framing: {exc}"))
            self.transport.abort()
            return
        sink = self._sink
        for opcode, payload in frames:
            if opcode <= OP_BINARY:
                if self._halted:
                    continue
                if sink is None:
                    self._early.append(payload)
                    continue
                try:
                    sink(payload)
                except BaseException as exc:  # kept for the reader, which raises it
                    self._halt(exc)
            else:  # a control frame, as it came (unmasked, FIN, <= 125 bytes): websockets'
                if opcode == OP_CLOSE:
                    self._halted = True  # no data after a close (RFC 6455, 5.5.1)
                super().data_received(bytes((0x80 | opcode, len(payload))) + payload)


class AsyncListener:
    """Connects, authenticates, dispatches events, resumes, on the running event loop."""

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
        verify: bool | str | ssl.SSLContext = True,
        ca_bundle: str | None = None,
        connect_deadline: float | None = None,
        auth_check_after: float | None = 0.5,
        catch_up_margin_ms: int = 2000,
    ) -> None:
        if auth not in ("header", "challenge"):
            raise ValueError("auth must be 'header' or 'challenge'")
        if ping_interval <= 0:
            raise ValueError("ping_interval must be positive")
        if connect_deadline is not None and not connect_deadline > 0:
            raise ValueError(f"connect_deadline must be positive seconds, got {connect_deadline!r}")
        self.url = websocket_url(url)
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
        self._verify: bool | str | ssl.SSLContext = ca_bundle if ca_bundle else verify
        self.connect_deadline = connect_deadline
        self.auth_check_after = auth_check_after
        self._core = ListenerCore(auth=auth, catch_up_margin_ms=catch_up_margin_ms)
        self._handlers: HandlerRegistry[_H] = HandlerRegistry()
        self._subscribers: list[asyncio.Queue[Any]] = []
        self._pending: dict[int, asyncio.Future[Replied]] = {}
        self._ws: ClientConnection | None = None
        self._up = False
        self._fatal: ListenerError | None = None
        self._closing = False
        self._runner: asyncio.Task[None] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._queue: deque[Any] | None = None  # events for the dispatcher, then _STOP
        self._wakeup: asyncio.Future[None] | None = None  # the dispatcher waits on it
        self._connected: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None
        self.reconnects = 0

    def __repr__(self) -> str:
        state = "connected" if self._up else "disconnected"
        return f"<AsyncListener {self.url} auth={self.auth} {state}>"

    @property
    def connection_id(self) -> str | None:
        return self._core.connection_id

    @property
    def resumed(self) -> int:
        return self._core.resumed

    @property
    def missed(self) -> int:
        return self._core.missed

    # -- handlers -------------------------------------------------------------

    @overload
    def on(
        self, name: Literal[EventName.POSTED, EventName.POST_EDITED, EventName.POST_DELETED]
    ) -> Callable[[_Fn[PostData]], _Fn[PostData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.TYPING]
    ) -> Callable[[_Fn[TypingData]], _Fn[TypingData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.REACTION_ADDED, EventName.REACTION_REMOVED]
    ) -> Callable[[_Fn[ReactionData]], _Fn[ReactionData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.STATUS_CHANGE]
    ) -> Callable[[_Fn[StatusChangeData]], _Fn[StatusChangeData]]: ...
    @overload
    def on(
        self,
        name: Literal[
            EventName.CHANNEL_CREATED, EventName.CHANNEL_UPDATED, EventName.CHANNEL_DELETED
        ],
    ) -> Callable[[_Fn[ChannelData]], _Fn[ChannelData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_ADDED, EventName.USER_REMOVED]
    ) -> Callable[[_Fn[ChannelMemberData]], _Fn[ChannelMemberData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_UPDATED]
    ) -> Callable[[_Fn[UserUpdatedData]], _Fn[UserUpdatedData]]: ...
    @overload
    def on(self, name: Literal[EventName.HELLO]) -> Callable[[_Fn[HelloData]], _Fn[HelloData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.MISSED_EVENTS]
    ) -> Callable[[_Fn[MissedEventsData]], _Fn[MissedEventsData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.CONNECTED]
    ) -> Callable[[_Fn[ConnectedData]], _Fn[ConnectedData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.DISCONNECTED]
    ) -> Callable[[_Fn[DisconnectedData]], _Fn[DisconnectedData]]: ...
    @overload
    def on(self, name: str | None = None) -> Callable[[_H], _H]: ...
    def on(self, name: str | None = None) -> Callable[[Any], Any]:
        """Decorator: a sync or ``async`` handler for ``name`` (all events if None)."""

        def register(func: Any) -> Any:
            self.add_handler(name, func)
            return func

        return register

    def add_handler(self, name: str | None, handler: AsyncHandler) -> None:
        self._handlers.add(name, handler)

    def remove_handler(self, name: str | None, handler: AsyncHandler) -> None:
        self._handlers.remove(name, handler)

    # -- running ---------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._up

    async def start(self) -> None:
        """Start the reading and dispatching tasks on the running loop."""
        if self._runner is not None:
            raise ListenerError("listener already started")
        loop = asyncio.get_running_loop()
        self._queue = deque()
        self._connected = asyncio.Event()
        self._stopped = asyncio.Event()
        self._dispatcher = loop.create_task(self._dispatch_loop(), name="mattermost-dispatch")
        self._runner = loop.create_task(self._run(), name="mattermost-listener")

    async def wait_connected(self, timeout: float | None = None) -> bool:
        """True once authenticated; False on timeout or close; raises the error that
        stopped the listener (:class:`AuthenticationError`, :class:`ConnectionFailedError`)."""
        if self._runner is None:
            await self.start()
        assert self._connected is not None and self._stopped is not None
        if not self._up:
            waiters = [
                asyncio.ensure_future(self._connected.wait()),
                asyncio.ensure_future(self._stopped.wait()),
            ]
            try:
                await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
        if self._fatal is not None:
            raise self._fatal
        return self._up

    async def run_forever(self) -> None:
        """Start if needed and wait until closed; raises the listener's fatal error."""
        if self._runner is None:
            await self.start()
        assert self._dispatcher is not None
        await asyncio.shield(self._dispatcher)
        if self._fatal is not None:
            raise self._fatal

    async def close(self) -> None:
        """Idempotent."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            await ws.close()
        runner = self._runner
        if runner is not None and not runner.done():
            runner.cancel()
            await asyncio.wait([runner], timeout=5)
        if self._dispatcher is not None:
            await asyncio.wait([self._dispatcher], timeout=5)

    async def __aenter__(self) -> AsyncListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def events(self) -> AsyncIterator[Event[Any]]:
        """Every event, in order, until the listener closes (raising its fatal error)."""
        q: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers.append(q)
        try:
            if self._runner is None:
                await self.start()
            while True:
                item = await q.get()
                if item is _STOP:
                    if self._fatal is not None:
                        raise self._fatal
                    return
                yield item
        finally:
            self._subscribers = [x for x in self._subscribers if x is not q]

    # -- actions (awaitable) ---------------------------------------------------

    async def ping(self, *, timeout: float | None = None) -> dict[str, Any]:
        return await self._request("ping", None, timeout=timeout) or {}

    async def user_typing(
        self, channel_id: str, parent_id: str | None = None, *, timeout: float | None = None
    ) -> None:
        data = {"channel_id": channel_id}
        if parent_id:
            data["parent_id"] = parent_id
        await self._request("user_typing", data, timeout=timeout)

    async def get_statuses(self, *, timeout: float | None = None) -> dict[str, str]:
        return _statuses(await self._request("get_statuses", None, timeout=timeout))

    async def get_statuses_by_ids(
        self, user_ids: Iterable[str], *, timeout: float | None = None
    ) -> dict[str, str]:
        ids = list(user_ids)
        if not ids:
            return {}
        data = {"user_ids": ids}
        return _statuses(await self._request("get_statuses_by_ids", data, timeout=timeout))

    async def send_action(
        self, action: str, data: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any] | None:
        return await self._request(action, data, timeout=timeout)

    async def _request(
        self, action: str, data: Mapping[str, Any] | None, *, timeout: float | None
    ) -> dict[str, Any]:
        ws = self._ws
        if ws is None or not self._up:
            raise NotConnectedError(f"{action}: not connected")
        message = self._core.action(action, data)
        seq = int(message["seq"])
        future: asyncio.Future[Replied] = asyncio.get_running_loop().create_future()
        self._pending[seq] = future
        try:
            await self._send(ws, message)
            wait_for = self.action_timeout if timeout is None else timeout
            try:
                reply = await asyncio.wait_for(asyncio.shield(future), wait_for)
            except TimeoutError:
                self._core.forget(seq)
                raise ActionTimeoutError(f"{action}: no reply within {wait_for:g} s") from None
        finally:
            self._pending.pop(seq, None)
        if reply.error is not None:
            raise reply.error
        return reply.data

    async def _send(self, ws: ClientConnection, message: Mapping[str, Any]) -> None:
        text = json.dumps(message, separators=(",", ":"))
        if len(text.encode("utf-8")) > MAX_CLIENT_MESSAGE_BYTES:
            self._core.forget(int(message["seq"]))
            raise ValueError(f"{message['action']}: message exceeds the server's 8 KB limit")
        try:
            await ws.send(text)
        except (OSError, websockets.ConnectionClosed) as exc:
            self._core.forget(int(message["seq"]))
            raise NotConnectedError(
                f"{message['action']}: send failed ({type(exc).__name__})"
            ) from None

    async def catch_up(self, missed: MissedEventsData | None = None) -> list[Event[PostData]]:
        """Fetch missed posts over REST (in a worker thread) and dispatch them now, in
        creation order; call it from a ``MISSED_EVENTS`` handler to keep the server's order."""
        since = self._core.catch_up_since(missed)
        seen = self._core.delivered_post_ids()
        posts = await asyncio.to_thread(
            fetch_posts_since, self._base_url, self.__token, since, skip_ids=seen
        )
        events = self._core.catch_up_events(posts)
        for ev in events:
            await self._run_handlers(ev)
        return events

    # -- internals: connecting ------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        down_since = time.monotonic()
        ever_up = False
        try:
            while not self._closing:
                reason = "closed"
                at_once = False
                try:
                    await self._connect_and_read()
                except AuthenticationError as exc:
                    logger.error("authentication to %s failed: %s", self.url, exc)
                    self._fatal = exc
                    return
                except _Resume as exc:
                    reason, at_once = str(exc), True
                    logger.warning("%s; reconnecting to resume", reason)
                except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if self._closing:
                    return
                was_up = self._up
                self._drop()
                if was_up:
                    ever_up = True
                    attempt = 0
                    down_since = time.monotonic()
                    logger.warning("websocket connection to %s lost: %s", self.url, reason)
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
                    return
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
                    return
                attempt += 0 if at_once else 1
                self.reconnects += 1
                if not (was_up or at_once):
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
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            pass
        finally:
            self._drop()
            self._closing = True
            if self._stopped is not None:
                self._stopped.set()
            self._put(_STOP)

    async def _connect_and_read(self) -> None:
        query = self._core.connect(resume=self.resume)
        url = websocket_url(self._base_url, **query) if query else self.url
        headers = {"Authorization": f"Bearer {self.__token}"} if self.auth == "header" else {}
        try:
            ws = await connect(
                url,
                additional_headers=headers,
                open_timeout=self.connect_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                compression=None,
                max_size=_MAX_MESSAGE,
                proxy=None,
                create_connection=_DirectConnection,
                ssl=_ssl_context(self._verify) if url.startswith("wss:") else None,
            )
        except websockets.InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise AuthenticationError(f"upgrade refused: HTTP {status}") from None
            raise websockets.WebSocketException(f"upgrade refused: HTTP {status}") from None
        assert isinstance(ws, _DirectConnection)
        self._ws = ws
        try:
            if self._closing:
                return
            await self._authenticate(ws)
            logger.info("connected to %s (connection %s)", self.url, self.connection_id)
            stops: list[asyncio.Future[Any]] = [ws.stopped, ws.connection_lost_waiter]
            await asyncio.wait(stops, return_when=asyncio.FIRST_COMPLETED)
            self._raise_stop(ws)
        finally:
            await ws.close()

    @staticmethod
    def _raise_stop(ws: _DirectConnection, *, normal_close_ok: bool = True) -> None:
        """Why the socket stopped: what the core decided (a resume, a rejection), broken
        framing, or the close (nothing for a normal one, when ``normal_close_ok``)."""
        if ws.stopped.done():
            raise ws.stopped.result()
        if ws.connection_lost_waiter.done():
            exc = ws.protocol.close_exc
            if not (normal_close_ok and isinstance(exc, websockets.ConnectionClosedOK)):
                raise exc

    async def _authenticate(self, ws: _DirectConnection) -> None:
        first = self._core.start_authentication(self.__token)
        ws.deliver_to(self._act)  # every frame after the handshake goes to the core
        self._raise_stop(ws, normal_close_ok=False)
        await ws.send(json.dumps(first, separators=(",", ":")))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        check_at = None if self.auth_check_after is None else loop.time() + self.auth_check_after
        assert self._connected is not None
        while not self._up:
            now = loop.time()
            if now >= deadline:
                raise TimeoutError("no authentication from the server")
            wait = deadline - now
            if check_at is not None:
                if now >= check_at:
                    check_at = None
                    await self._check_token()
                    continue
                wait = min(wait, check_at - now)
            up: asyncio.Future[Any] = asyncio.ensure_future(self._connected.wait())
            try:
                await asyncio.wait(
                    [up, ws.stopped, ws.connection_lost_waiter],
                    timeout=wait,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                up.cancel()
            if not self._up:  # a close before the authentication is an error, even a clean one
                self._raise_stop(ws, normal_close_ok=False)

    async def _check_token(self) -> None:
        import httpx

        url = _rest_base(self._base_url) + "/users/me"
        verify = self._verify if url.startswith("https:") else False  # no TLS set-up for http
        try:
            async with httpx.AsyncClient(timeout=5.0, verify=verify) as http:
                response = await http.get(
                    url,
                    headers={"Authorization": f"Bearer {self.__token}"},
                )
        except Exception as exc:  # a hint, never a new failure
            logger.debug("token check over REST failed: %s", type(exc).__name__)
            return
        if response.status_code == 401:
            raise AuthenticationError(
                "the server rejected the token (GET /api/v4/users/me answered 401)"
            )

    def _act(self, frame: str | bytes) -> None:
        actions = self._core.receive(frame)
        q = self._queue
        if len(actions) == 1 and type(actions[0]) is Deliver and q is not None:
            q.append(actions[0].event)  # the usual frame: _put inline
            wakeup = self._wakeup
            if wakeup is not None and not wakeup.done():
                wakeup.set_result(None)
            return
        for action in actions:
            if type(action) is Deliver:
                self._put(action.event)
            elif type(action) is Replied:
                future = self._pending.get(action.seq)
                if future is not None and not future.done():
                    future.set_result(action)
            elif type(action) is Authenticated:
                self._up = True
                if self._connected is not None:
                    self._connected.set()
            elif type(action) is Resume:
                raise _Resume(action.reason)
            elif type(action) is Rejected:
                raise action.error

    def _drop(self) -> None:
        self._up = False
        if self._connected is not None:
            self._connected.clear()
        self._ws = None
        for reply in self._core.disconnected():
            future = self._pending.get(reply.seq)
            if future is not None and not future.done():
                future.set_result(reply)

    # -- internals: dispatching ------------------------------------------------------------

    def _emit(self, event: Event[Any]) -> None:
        self._put(event)

    def _put(self, item: Any) -> None:
        q = self._queue
        if q is not None:
            q.append(item)
            wakeup = self._wakeup
            if wakeup is not None and not wakeup.done():
                wakeup.set_result(None)

    async def _dispatch_loop(self) -> None:
        assert self._queue is not None
        q = self._queue
        loop = asyncio.get_running_loop()
        while True:
            if not q:  # sleep until _put; the reader fills q a chunk of frames at a time
                self._wakeup = loop.create_future()
                try:
                    await self._wakeup
                finally:
                    self._wakeup = None
                continue
            event = q.popleft()
            if event is _STOP:
                for sub in self._subscribers:
                    sub.put_nowait(_STOP)
                return
            pending = self._start_handlers(event)
            if pending is not None:
                await pending

    async def _run_handlers(self, event: Event[Any]) -> None:
        pending = self._start_handlers(event)
        if pending is not None:
            await pending

    def _start_handlers(self, event: Event[Any]) -> Awaitable[None] | None:
        """Admit ``event`` and run its handlers, in order: the plain ones here (no
        coroutine per event); at the first that returns an awaitable, the rest is an
        awaitable to await (returned; else None: all done)."""
        if not self._core.admit(event):
            return None
        if event.malformed is not None:
            logger.warning("%s; delivered as a raw event (seq %s)", event.malformed, event.seq)
        handlers = self._handlers.for_event(event)
        for i, h in enumerate(handlers):
            try:
                result = h(event)
            except Exception:
                _handler_failed(h, event)
                continue
            if result is not None and inspect.isawaitable(result):
                return self._finish_handlers(event, handlers, i, result)
        for sub in self._subscribers:
            sub.put_nowait(event)
        return None

    async def _finish_handlers(
        self, event: Event[Any], handlers: list[_H], i: int, result: Awaitable[object]
    ) -> None:
        try:
            await result
        except Exception:
            _handler_failed(handlers[i], event)
        for h in handlers[i + 1 :]:
            try:
                more = h(event)
                if more is not None and inspect.isawaitable(more):
                    await more
            except Exception:
                _handler_failed(h, event)
        for sub in self._subscribers:
            sub.put_nowait(event)


def _handler_failed(handler: object, event: Event[Any]) -> None:
    logger.exception(
        "handler %s failed on %s event", getattr(handler, "__qualname__", handler), event.name
    )


def _ssl_context(verify: bool | str | ssl.SSLContext) -> ssl.SSLContext:
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if isinstance(verify, str):
        import os

        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    return ssl.create_default_context()
