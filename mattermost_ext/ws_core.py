"""The listener's WebSocket protocol, sans I/O: frames in, actions out (in the style of h11).

:class:`ListenerCore` holds everything about Mattermost's event stream that does not depend on
how bytes move: the resume parameters, the authentication handshake (challenge or header +
ping, and the ``hello``), sequence numbers (duplicates dropped, a gap answered by resuming),
reply correlation (``seq_reply``), missed events and the catch-up's place in the order.  The
drivers (:mod:`mattermost_ext.listener` on threads with websocket-client,
:mod:`mattermost_ext.aio_listener` on asyncio with ``websockets``) move the bytes, run the
handlers and wait; they ask the core what to do.

A driver's life with the core::

    query = core.connect(resume=True)          # {} or {"connection_id", "sequence_number"}
    send(core.start_authentication(token))     # the challenge (or a ping) to send
    for frame in socket:
        for action in core.receive(frame):     # never raises
            match action:
                case Deliver(event): ...       # after core.admit(event) is True: handlers
                case Replied(...): ...         # wake whoever waits for that seq
                case Authenticated(...): ...   # the socket is up; deliveries follow
                case Rejected(error): ...      # AuthenticationError: stop
                case Resume(reason): ...       # close and reconnect at once (a seq gap)
    core.disconnected()                        # pending replies fail

Below the core, :class:`FrameReader` cuts the bytes of a socket into WebSocket frames (RFC
6455, server to client), sans I/O as well: both drivers read their socket in large chunks
through it rather than frame by frame through their library.

The guarantees the drivers document come from here: every ``posted`` event is admitted once
and in server order across resumes; a gap the server cannot replay gives a
``MISSED_EVENTS`` event (then :meth:`ListenerCore.catch_up_events` fills it in order, and
live copies of caught-up posts are not admitted again); no frame raises.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from mattermost_ext._json import fast_loads
from mattermost_ext.errors import MattermostError
from mattermost_ext.event_names import EventName
from mattermost_ext.events import _NAMES as _EVENT_NAMES
from mattermost_ext.events import (
    ConnectedData,
    Event,
    ListenerEvent,
    MissedEventsData,
    check_payload,
    checked_post_fields,
    listener_event,
)

__all__ = [
    "ActionError",
    "Authenticated",
    "AuthenticationError",
    "Deliver",
    "ListenerCore",
    "ListenerError",
    "NotConnectedError",
    "Rejected",
    "Replied",
    "Resume",
]

logger = logging.getLogger("mattermost_ext.listener")

NOT_AUTHENTICATED: Final = "api.web_socket_router.not_authenticated.app_error"
_RECENT_POSTS: Final = 1024
_POSTED: Final = EventName.POSTED
CATCH_UP_DEDUPE_SECONDS: Final = 60.0
"""After a catch-up, live ``posted`` events of posts it delivered are dropped this long."""


class ListenerError(MattermostError):
    """Root of the listener's errors (under the package's root, ``MattermostError``)."""


class NotConnectedError(ListenerError):
    """Sending needs an authenticated socket, and there is none right now."""


class AuthenticationError(ListenerError):
    """The server rejected the token (never part of the message)."""


class ActionError(ListenerError):
    """The server answered an action with ``status: FAIL``."""

    def __init__(self, action: str, error_id: str, message: str, status_code: int | None) -> None:
        super().__init__(f"{action} failed: {error_id}: {message}")
        self.action = action
        self.error_id = error_id
        self.message = message
        self.status_code = status_code


# -- actions ---------------------------------------------------------------------------


class Deliver:
    """An event for the handlers (ask :meth:`ListenerCore.admit` right before running them).

    A slotted class rather than a frozen dataclass: one is made per event."""

    __slots__ = ("event",)

    def __init__(self, event: Event[Any]) -> None:
        self.event = event

    def __repr__(self) -> str:
        return f"Deliver({self.event!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Deliver) and other.event == self.event

    __hash__ = None  # type: ignore[assignment]  # like the event


@dataclass(frozen=True)
class Replied:
    """The answer to the action sent with ``seq`` (``error`` set for ``status: FAIL``)."""

    seq: int
    action: str
    data: dict[str, Any]
    error: ListenerError | None = None


@dataclass(frozen=True)
class Authenticated:
    """The socket is authenticated; ``resumed``: the server kept the connection."""

    connection_id: str
    resumed: bool


@dataclass(frozen=True)
class Rejected:
    """The server refused the token: stop (no reconnect helps)."""

    error: AuthenticationError


@dataclass(frozen=True)
class Resume:
    """Close this socket and reconnect at once, resuming (a sequence gap)."""

    reason: str
    expected: int
    got: int


Action = Deliver | Replied | Authenticated | Rejected | Resume


@dataclass
class _Handshake:
    seq: int
    need_hello: bool
    replied: bool = False
    resuming: bool = False
    previous_id: str | None = None


@dataclass
class ListenerCore:
    """The protocol state of one listener (one socket at a time).  Not thread-safe: a driver
    calls it from the one place that reads the socket (and from handlers it runs there)."""

    auth: str = "header"
    catch_up_margin_ms: int = 2000
    clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic

    connection_id: str | None = None
    server_version: str | None = None
    next_seq: int = 0
    last_event_at: float = 0.0
    clock_offset_ms: float = 0.0
    resumed: int = 0
    missed: int = 0
    _action_seq: int = 0
    _pending: dict[int, str] = field(default_factory=dict)
    _handshake: _Handshake | None = None
    _backlog: list[Event[Any]] | None = None
    _hello_seen: bool = False
    _resuming: bool = False
    _recent_posts: deque[str] = field(default_factory=lambda: deque(maxlen=_RECENT_POSTS))
    _caught_ids: set[str] = field(default_factory=set)
    _caught_until: float = 0.0
    _newest_created: int = 0
    _carry: list[Event[Any]] = field(default_factory=list)

    # -- connecting ------------------------------------------------------------------------
    def connect(self, *, resume: bool = True) -> dict[str, Any]:
        """The resume query for the next upgrade (``{}``: a new connection).  Only a
        header-authenticated upgrade can resume (the server ignores ``connection_id``
        without a session)."""
        self._resuming = bool(resume and self.connection_id and self.auth == "header")
        if self._resuming:
            return {"connection_id": self.connection_id, "sequence_number": self.next_seq}
        return {}

    def start_authentication(self, token: str | None = None) -> dict[str, Any]:
        """The first message to send on a new socket: ``authentication_challenge`` (with
        ``token``) or, with header auth, a ``ping`` whose reply proves the session."""
        resuming = self._resuming
        self._hello_seen = False
        self._backlog, self._carry = self._carry, []
        if self.auth == "challenge":
            seq = self.next_action_seq()
            message = {"seq": seq, "action": "authentication_challenge", "data": {"token": token}}
            self._pending[seq] = "authentication_challenge"
        else:
            seq = self.next_action_seq()
            message = {"seq": seq, "action": "ping"}
            self._pending[seq] = "ping"
        self._handshake = _Handshake(
            seq,
            need_hello=self.auth == "challenge" or not resuming,
            resuming=resuming,
            previous_id=self.connection_id,
        )
        return message

    @property
    def authenticating(self) -> bool:
        return self._handshake is not None

    def action(self, name: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The message for an action whose reply is awaited (a :class:`Replied` later)."""
        seq = self.next_action_seq()
        self._pending[seq] = name
        message: dict[str, Any] = {"seq": seq, "action": name}
        if data is not None:
            message["data"] = dict(data)
        return message

    def untracked(self, name: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The message for an action nobody waits for (a keep-alive ping)."""
        message: dict[str, Any] = {"seq": self.next_action_seq(), "action": name}
        if data is not None:
            message["data"] = dict(data)
        return message

    def forget(self, seq: int) -> None:
        """Nobody waits for ``seq`` any more (timed out)."""
        self._pending.pop(seq, None)

    def next_action_seq(self) -> int:
        self._action_seq += 1
        return self._action_seq

    def disconnected(self) -> list[Replied]:
        """The socket is gone: every pending action fails.  Events held back during an
        unfinished handshake were never delivered: the next resume asks for them again,
        and a ``MISSED_EVENTS`` among them is carried over to the next connection."""
        backlog = self._backlog or []
        held = [e.seq for e in backlog if e.seq is not None]
        if held:
            self.next_seq = min(held)
        self._carry = [*self._carry, *(e for e in backlog if e.seq is None)]
        self._handshake = None
        self._backlog = None
        pending, self._pending = self._pending, {}
        return [
            Replied(seq, name, {}, NotConnectedError(f"{name}: connection lost before the reply"))
            for seq, name in pending.items()
        ]

    # -- frames in -----------------------------------------------------------------------
    def receive(self, raw: bytes | str) -> list[Action]:
        """One frame in, actions out.  Never raises: a frame that cannot be used is logged
        and skipped."""
        out: list[Action] = []
        try:  # one function, not two: this runs for every frame
            try:
                msg = fast_loads(raw)  # orjson: str or bytes as they came
            except ValueError:  # also UnicodeDecodeError; what orjson refuses json may take
                try:
                    msg = json.loads(raw)
                except ValueError:
                    logger.warning("skipped a malformed frame (%d bytes, not JSON)", len(raw))
                    return out
            if type(msg) is not dict:
                logger.warning("skipped a frame that is not a JSON object")
                return out
            name = msg.get("event")
            if name is None:
                self._reply(msg, out)
                return out
            seq = msg.get("seq")
            if seq == self.next_seq and type(seq) is int and type(name) is str and name != "hello":
                self.next_seq = seq + 1
            elif type(name) is not str:
                logger.warning("skipped an event whose name is not a string")
                return out
            elif name == "hello":
                if self._duplicate_hello(msg, seq):
                    logger.debug("dropped a repeated hello (seq %s)", seq)
                    return out
                self._hello(msg, seq, out)
            elif type(seq) is not int:
                logger.warning("skipped a %r event without a valid seq", name)
                return out
            elif seq < self.next_seq:
                logger.debug("dropped duplicate event seq %d (%s)", seq, name)
                return out
            else:
                out.append(
                    Resume(f"sequence gap: expected {self.next_seq}, got {seq}", self.next_seq, seq)
                )
                return out
            self.last_event_at = self.clock()
            data = msg.get("data")
            if type(data) is not dict:
                data = {}
            event: Event[Any] = Event(_EVENT_NAMES.get(name, name), data, msg.get("broadcast"), seq)
            if self._backlog is not None:
                self._backlog.append(event)
            else:
                out.append(Deliver(event))
            if self._handshake is not None:
                self._maybe_authenticated(out)
        except Exception as exc:  # a bug here must not become the read loop's
            logger.warning(
                "skipped a frame (%d bytes) that could not be handled: %s",
                len(raw),
                f"{type(exc).__name__}: {exc}",
            )
        return out

    def _emit(self, event: Event[Any], out: list[Action]) -> None:
        if self._backlog is not None:
            self._backlog.append(event)
        else:
            out.append(Deliver(event))

    def _duplicate_hello(self, msg: Mapping[str, Any], seq: Any) -> bool:
        """The hello of the connection already in use, again (a new connection's hello has
        a new id)."""
        data = msg.get("data")
        cid = data.get("connection_id") if isinstance(data, dict) else None
        return (
            self._hello_seen
            and isinstance(cid, str)
            and cid == self.connection_id
            and type(seq) is int
            and seq < self.next_seq
        )

    def _hello(self, msg: Mapping[str, Any], seq: Any, out: list[Action]) -> None:
        data = msg.get("data")
        new_id = data.get("connection_id") if isinstance(data, dict) else None
        version = data.get("server_version") if isinstance(data, dict) else None
        previous = self.connection_id
        last_seq = self.next_seq - 1
        last_at = self.last_event_at
        self.next_seq = (seq if type(seq) is int else 0) + 1
        self._hello_seen = True
        if isinstance(version, str):
            self.server_version = version
        if isinstance(new_id, str) and new_id:
            self.connection_id = new_id
        if previous is not None and previous != self.connection_id:
            self.missed += 1
            since = int(self.server_now_ms(last_at)) - self.catch_up_margin_ms
            logger.warning(
                "the server did not resume connection %s (new %s): events after seq %d were lost",
                previous,
                self.connection_id,
                last_seq,
            )
            self._emit(
                listener_event(
                    ListenerEvent.MISSED_EVENTS,
                    MissedEventsData(
                        previous_connection_id=previous,
                        connection_id=self.connection_id or "",
                        last_seq=last_seq,
                        last_event_at=last_at,
                        since_ms=max(0, since),
                    ),
                ),
                out,
            )

    def _reply(self, msg: Mapping[str, Any], out: list[Action]) -> None:
        seq_reply = msg.get("seq_reply")
        status = msg.get("status")
        action = self._pending.pop(seq_reply, None) if type(seq_reply) is int else None
        data = msg.get("data")
        if action is None:
            if status is None:
                logger.warning("skipped a frame that is neither an event nor a reply")
            elif status != "OK":
                logger.warning("unmatched error reply: %s", _error_text(msg))
            elif isinstance(data, dict) and data.get("text") == "pong":
                self.note_server_time(data)
            return
        assert isinstance(seq_reply, int)
        error: ListenerError | None = None
        if status == "OK":
            payload = data if isinstance(data, dict) else {}
            if "server_time" in payload:
                self.note_server_time(payload)
        else:
            payload = {}
            err = msg.get("error")
            err = err if isinstance(err, dict) else {}
            code = err.get("status_code")
            error = ActionError(
                action,
                str(err.get("id", "")),
                str(err.get("message", status or "")),
                code if isinstance(code, int) else None,
            )
        hs = self._handshake
        if hs is not None and seq_reply == hs.seq:
            hs.replied = True
            if error is not None:
                assert isinstance(error, ActionError)
                if self.auth == "challenge" or error.error_id == NOT_AUTHENTICATED:
                    self._handshake = None
                    self._backlog = None
                    out.append(
                        Rejected(
                            AuthenticationError(f"the server rejected the token ({error.error_id})")
                        )
                    )
                    return
            self._maybe_authenticated(out)
            return
        out.append(Replied(seq_reply, action, payload, error))

    def _maybe_authenticated(self, out: list[Action]) -> None:
        hs = self._handshake
        if hs is None or not hs.replied or (hs.need_hello and not self._hello_seen):
            return
        self._handshake = None
        resumed = hs.resuming and not self._hello_seen
        if resumed:
            self.resumed += 1
        backlog, self._backlog = self._backlog or [], None
        connection_id = self.connection_id or hs.previous_id or ""
        out.append(Authenticated(connection_id, resumed))
        out.append(
            Deliver(listener_event(ListenerEvent.CONNECTED, ConnectedData(connection_id, resumed)))
        )
        out.extend(Deliver(event) for event in backlog)

    # -- delivery --------------------------------------------------------------------------
    def admit(self, event: Event[Any]) -> bool:
        """Whether to run handlers for ``event`` now (call right before): a live ``posted``
        event whose post a catch-up already delivered is not; the others are remembered
        (at delivery, so a catch-up run from a handler knows exactly what was delivered) and
        their payload checked (:func:`~mattermost_ext.events.check_payload`)."""
        if event.seq is None:
            return True
        check_payload(event)
        if event.name == _POSTED:
            fields = checked_post_fields(event)
            if fields is not None:  # the usual case inline (see _post_id)
                post_id, created = fields
                if type(post_id) is not str:
                    post_id = None
                if type(created) is not int:
                    created = _int(created)
            else:
                post_id, created = _post_id(event)
            if post_id is not None:
                if created > self._newest_created:
                    self._newest_created = created
                if self._caught_ids and post_id in self._caught_ids:
                    if self.monotonic() <= self._caught_until:
                        logger.debug("dropped live post %s already delivered by catch-up", post_id)
                        return False
                    self._caught_ids = set()
                self._recent_posts.append(post_id)  # _remember
        return True

    def _remember(self, post_id: str) -> None:
        self._recent_posts.append(post_id)  # the oldest falls out (maxlen)

    def delivered_post_ids(self) -> set[str]:
        """Ids of the recent posts delivered (the last 1024; a set made on demand: only a
        catch-up asks, while every delivery remembers)."""
        return set(self._recent_posts)

    def catch_up_since(self, missed: MissedEventsData | None) -> int:
        if missed is not None:
            return missed.since_ms
        return int(self.server_now_ms(self.last_event_at)) - self.catch_up_margin_ms

    def catch_up_events(self, posts: Iterable[Mapping[str, Any]]) -> list[Event[Any]]:
        """``posted`` events (``seq`` None) for the posts a catch-up fetched, oldest first,
        minus the ones already delivered and the ones older than the newest delivered (the
        stream had no gap up to it, so those were made before the listener first connected:
        delivering them now would break the order); their live copies are not admitted for
        a while."""
        delivered = self.delivered_post_ids()
        newest = self._newest_created
        fresh = [
            p
            for p in posts
            if str(p.get("id")) not in delivered and _int(p.get("create_at")) >= newest
        ]
        fresh.sort(key=lambda p: (_int(p.get("create_at")), str(p.get("id", ""))))
        if self.monotonic() > self._caught_until:
            self._caught_ids = set()
        self._caught_ids |= {str(p.get("id")) for p in fresh}  # several catch-ups may overlap
        self._caught_until = self.monotonic() + CATCH_UP_DEDUPE_SECONDS
        events = [posted_event(p) for p in fresh]
        for post in fresh:
            self._remember(str(post.get("id")))
            self._newest_created = max(self._newest_created, _int(post.get("create_at")))
        for event in events:
            check_payload(event)
        return events

    # -- clocks ----------------------------------------------------------------------------
    def note_server_time(self, data: Mapping[str, Any]) -> None:
        st = data.get("server_time")
        if isinstance(st, int | float) and not isinstance(st, bool):
            self.clock_offset_ms = float(st) - self.clock() * 1000.0

    def server_now_ms(self, at: float | None = None) -> float:
        return (at or self.clock()) * 1000.0 + self.clock_offset_ms


def posted_event(post: Mapping[str, Any]) -> Event[Any]:
    """A ``posted`` event (``seq`` None) for a post fetched over REST."""
    data = {"post": json.dumps(post, separators=(",", ":")), "channel_id": post.get("channel_id")}
    broadcast = {"channel_id": post.get("channel_id", "")}
    return Event(EventName.POSTED, data, broadcast, None)


def _post_id(event: Event[Any]) -> tuple[str | None, int]:
    """The post's id and ``create_at`` (``None``, 0 when unreadable); from what
    :func:`~mattermost_ext.events.check_payload` decoded when it parsed (no second JSON
    decode, and no model built for it)."""
    fields = checked_post_fields(event)
    if fields is None:
        raw = event.data.get("post")
        try:
            post = json.loads(raw) if isinstance(raw, str | bytes) else raw
        except ValueError:
            return None, 0
        if not isinstance(post, dict):
            return None, 0
        fields = post.get("id"), post.get("create_at")
    post_id, created = fields
    return (post_id if type(post_id) is str else None), _int(created)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _error_text(msg: Mapping[str, Any]) -> str:
    err = msg.get("error")
    if isinstance(err, dict):
        return f"{err.get('id', '')}: {err.get('message', '')}"
    return str(msg.get("status"))


# -- RFC 6455 frames (server to client), sans I/O -----------------------------------------

OP_CONT: Final = 0x0
OP_TEXT: Final = 0x1
OP_BINARY: Final = 0x2
OP_CLOSE: Final = 0x8
OP_PING: Final = 0x9
OP_PONG: Final = 0xA


class FrameError(ListenerError, ValueError):
    """The server broke the WebSocket framing (RFC 6455): the socket cannot be used."""


class FrameReader:
    """WebSocket frames from a server, sans I/O: :meth:`feed` takes bytes as they arrive and
    returns what completed, in order: ``(opcode, payload)`` for each message (text and binary
    ones reassembled from their fragments) and each control frame (close, ping, pong; also
    between the fragments of a message).  A driver reads its socket in large chunks and
    feeds them here, instead of paying a library's per-frame reads.

    No extension is negotiated, so reserved bits are an error, and so are a masked frame
    (servers never mask), an unknown opcode, a fragmented or oversized (> 125 bytes) control
    frame, a continuation without a message, or a new message inside a fragmented one: each
    raises :class:`FrameError`, after which the reader is unusable (close the socket).
    """

    __slots__ = ("_buf", "_frag_op", "_frag_size", "_frags", "_need", "_parts", "_size", "max_size")

    def __init__(self, max_size: int | None = None) -> None:
        self.max_size = max_size  # of a message, reassembled (None: no limit)
        self._frag_size = 0
        self._buf = b""  # unparsed bytes
        self._parts: list[bytes] = []  # bytes that came while a large frame is incomplete
        self._size = 0  # len(_buf) + the parts' lengths
        self._need = 0  # bytes the incomplete frame at the buffer's start needs in all
        self._frag_op = 0  # opcode of the fragmented message in progress (0: none)
        self._frags: list[bytes] = []

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """The messages and control frames ``data`` completes (often none)."""
        if self._need:  # a frame known to be incomplete: gather until it is not
            self._parts.append(data)
            self._size += len(data)
            if self._size < self._need:
                return []
            buf = self._buf + b"".join(self._parts)
            self._parts = []
        elif self._buf:
            buf = self._buf + data
        else:
            buf = data
        out: list[tuple[int, bytes]] = []
        n = len(buf)
        pos = 0
        need = 0
        while n - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            if length < 126:
                start = pos + 2
            elif length == 126:
                start = pos + 4
                if start > n:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
            else:
                start = pos + 10
                if start > n:
                    break
                length = int.from_bytes(buf[pos + 2 : start], "big")
            if b1 & 0x80:
                raise FrameError("the server sent a masked frame")
            if b0 & 0x70:
                raise FrameError("the server set reserved bits (no extension was negotiated)")
            if (
                self.max_size is not None
                and not b0 & 0x08
                and length + self._frag_size > self.max_size
            ):
                raise FrameError(f"message too big (over {self.max_size} bytes)")
            end = start + length
            if end > n:
                need = end - pos
                break
            opcode = b0 & 0x0F
            payload = buf[start:end]
            pos = end
            if opcode in (OP_TEXT, OP_BINARY):
                if self._frag_op:
                    raise FrameError("a new message inside a fragmented one")
                if b0 & 0x80:
                    out.append((opcode, payload))
                else:
                    self._frag_op = opcode
                    self._frags = [payload]
                    self._frag_size = length
            elif opcode == OP_CONT:
                if not self._frag_op:
                    raise FrameError("a continuation frame without a message")
                self._frags.append(payload)
                self._frag_size += length
                if b0 & 0x80:
                    out.append((self._frag_op, b"".join(self._frags)))
                    self._frag_op = 0
                    self._frags = []
                    self._frag_size = 0
            elif opcode in (OP_CLOSE, OP_PING, OP_PONG):
                if not b0 & 0x80 or length > 125:
                    raise FrameError("a fragmented or oversized control frame")
                out.append((opcode, payload))
            else:
                raise FrameError(f"unknown opcode {opcode:#x}")
        self._buf = buf[pos:] if pos else buf
        self._size = n - pos
        self._need = need
        return out
