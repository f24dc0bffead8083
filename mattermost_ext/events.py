"""Typed WebSocket events.

An :class:`Event` is the envelope the server sends (``event``, ``data``,
``broadcast``, ``seq``) with:

- ``name``: an :class:`~mattermost_ext.event_names.EventName` member, a
  :class:`ListenerEvent` member for events the listener itself emits, or the
  raw ``str`` for a name this version does not know (never an error);
- ``data``: the raw ``data`` dict, untouched;
- ``broadcast``: a typed :class:`Broadcast`, built on first access;
- ``payload``: a typed view of ``data`` for the common events (see
  :data:`PAYLOAD_TYPES`), decoded on first access and cached. Nested JSON
  strings (``data["post"]``, ``data["reaction"]``, ``data["channel"]``,
  ``data["mentions"]``) are decoded there, not when the frame arrives, into
  the generated package's models (``mattermost_api.models``): ``payload.post``
  is a ``Post``, never a dict in disguise.  Data that does not parse raises
  :class:`PayloadError` (naming the event, the field and why); the listeners
  check the payload before dispatching, so a typed handler never sees such an
  event: it reaches catch-all handlers and ``events()`` with
  :attr:`Event.malformed` saying why (``data`` is the raw dict).

Building an event costs one small object.  Before dispatching, the listeners
check what can fail (:func:`check_payload`): for the post events that is the
nested post, decoded into its ``Post`` (whose fields are themselves parsed on
first read) and kept for the payload; the rest of the payload is built only
when a handler reads ``event.payload``.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, cast

from mattermost_ext._json import fast_loads, loads
from mattermost_ext.errors import MattermostError
from mattermost_ext.event_names import EventName

if TYPE_CHECKING:
    from mattermost_api.models.channel import Channel
    from mattermost_api.models.post import Post
    from mattermost_api.models.reaction import Reaction
    from mattermost_api.models.user import User

__all__ = [
    "PAYLOAD_TYPES",
    "Broadcast",
    "ChannelData",
    "ChannelMemberData",
    "ConnectedData",
    "DisconnectedData",
    "Event",
    "EventName",
    "HelloData",
    "ListenerEvent",
    "MissedEventsData",
    "PayloadError",
    "PostData",
    "ReactionData",
    "StatusChangeData",
    "TypingData",
    "UserUpdatedData",
    "check_payload",
    "event_from_message",
    "lookup_name",
]

logger = logging.getLogger("mattermost_ext.events")

P = TypeVar("P", covariant=True)
RawData: TypeAlias = dict[str, Any]


class ListenerEvent(StrEnum):
    """Events the listener emits itself (never sent by the server)."""

    CONNECTED = "listener_connected"
    """Authenticated on a socket (payload :class:`ConnectedData`)."""
    DISCONNECTED = "listener_disconnected"
    """The socket was lost or closed (payload :class:`DisconnectedData`)."""
    MISSED_EVENTS = "listener_missed_events"
    """A resume was answered with a new connection: events were lost
    (payload :class:`MissedEventsData`; see ``Listener.catch_up``)."""


_NAMES: dict[str, EventName | ListenerEvent] = {m.value: m for m in EventName}
_NAMES.update({m.value: m for m in ListenerEvent})


def lookup_name(name: str) -> EventName | ListenerEvent | str:
    """The enum member for ``name``, or ``name`` itself when unknown."""
    return _NAMES.get(name, name)


# ---------------------------------------------------------------------------
# Generated models, imported lazily


_MODELS: dict[str, Any] = {}


def _model(module: str, cls: str) -> Any:
    key = f"{module}.{cls}"
    try:
        return _MODELS[key]
    except KeyError:
        pass
    try:
        found: Any = getattr(importlib.import_module(f"mattermost_api.models.{module}"), cls)
    except (ImportError, AttributeError):
        found = None
    _MODELS[key] = found
    return found


class PayloadError(MattermostError, ValueError):
    """An event's data does not parse as its payload type (``event``, ``field``, ``reason``)."""

    def __init__(self, event: str, field: str, reason: str) -> None:
        super().__init__(f"{event} event: {field}: {reason}")
        self.event = event
        self.field = field
        self.reason = reason


def _to_model(event: str, field: str, module: str, cls: str, raw: Any) -> Any:
    """``raw`` (a dict or a JSON string of one) as the generated model ``cls``; else
    :class:`PayloadError`."""
    if isinstance(raw, str | bytes):
        try:
            raw = loads(raw)
        except ValueError as exc:
            raise PayloadError(event, field, f"not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise PayloadError(event, field, f"expected a JSON object, got {type(raw).__name__}")
    model = _model(module, cls)
    if model is None:  # pragma: no cover - the generated package ships with this one
        raise PayloadError(event, field, f"mattermost_api.models.{module} is not importable")
    try:
        return model.from_dict(raw)
    except Exception as exc:  # the model rejects what the server sent
        raise PayloadError(event, field, f"not a {cls} ({type(exc).__name__}: {exc})") from None


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


# ---------------------------------------------------------------------------
# Envelope parts


@dataclass(frozen=True, slots=True)
class Broadcast:
    """Who the server sent the event to (``broadcast`` of the envelope)."""

    user_id: str = ""
    channel_id: str = ""
    team_id: str = ""
    connection_id: str = ""
    omit_connection_id: str = ""
    omit_users: frozenset[str] = frozenset()
    contains_sanitized_data: bool = False
    contains_sensitive_data: bool = False

    @classmethod
    def from_dict(cls, raw: object) -> Broadcast:
        """The typed broadcast; anything but a JSON object (a newer or broken server) gives
        the empty one (:func:`check_payload` reports it)."""
        if not raw or not isinstance(raw, Mapping):
            return _EMPTY_BROADCAST
        omit = raw.get("omit_users")
        return cls(
            user_id=_str(raw, "user_id"),
            channel_id=_str(raw, "channel_id"),
            team_id=_str(raw, "team_id"),
            connection_id=_str(raw, "connection_id"),
            omit_connection_id=_str(raw, "omit_connection_id"),
            omit_users=frozenset(k for k, v in omit.items() if v)
            if isinstance(omit, dict)
            else frozenset(),
            contains_sanitized_data=bool(raw.get("contains_sanitized_data", False)),
            contains_sensitive_data=bool(raw.get("contains_sensitive_data", False)),
        )


_EMPTY_BROADCAST = Broadcast()


class Event(Generic[P]):
    """One WebSocket event (immutable). ``seq`` is ``None`` for events the listener makes up.

    A plain slotted class rather than a frozen dataclass: building one is on the
    hot path of every frame, and this costs a third of a frozen dataclass's init.
    """

    __slots__ = (
        "_broadcast",
        "_checked",
        "_payload",
        "data",
        "malformed",
        "name",
        "raw_broadcast",
        "seq",
    )

    name: EventName | ListenerEvent | str
    data: RawData
    raw_broadcast: Mapping[str, Any] | None
    seq: int | None
    malformed: str | None
    """Why the payload does not parse (set by the listeners before dispatch), else ``None``."""

    def __init__(
        self,
        name: EventName | ListenerEvent | str,
        data: RawData,
        raw_broadcast: Mapping[str, Any] | None = None,
        seq: int | None = None,
    ) -> None:
        _set_name(self, name)
        _set_data(self, data)
        _set_raw_broadcast(self, raw_broadcast)
        _set_seq(self, seq)
        _set_malformed(self, None)

    def __setattr__(self, key: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {key!r}")

    def __delattr__(self, key: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {key!r}")

    def __repr__(self) -> str:
        return f"Event(name={self.name!r}, seq={self.seq!r}, data={self.data!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (self.name, self.seq, self.data, self.raw_broadcast) == (
            other.name,
            other.seq,
            other.data,
            other.raw_broadcast,
        )

    __hash__ = None  # type: ignore[assignment]  # data is a dict

    @property
    def known(self) -> bool:
        """False for a name this version does not know (it arrives as ``str``)."""
        return type(self.name) is not str

    @property
    def broadcast(self) -> Broadcast:
        """The typed ``broadcast`` (built on first access)."""
        try:
            return self._broadcast
        except AttributeError:
            b = Broadcast.from_dict(self.raw_broadcast)
            _set_broadcast(self, b)
            return b

    @property
    def payload(self) -> P:
        """The typed payload (decoded once), or ``data`` for events without one."""
        try:
            return cast(P, self._payload)
        except AttributeError:
            decoder = _DECODERS.get(self.name)
            p = self.data if decoder is None else decoder(self)
            _set_payload(self, p)
            return cast(P, p)

    @property
    def channel_id(self) -> str:
        """``data.channel_id`` or else ``broadcast.channel_id`` ("" when neither)."""
        return _str(self.data, "channel_id") or self.broadcast.channel_id

    _broadcast: Broadcast
    _checked: Any  # the nested post check_payload decoded (its JSON object, or a Post)
    _payload: Any


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    descriptor = Event.__dict__[name]
    return cast(Callable[[Any, Any], None], descriptor.__set__)


_set_name = _slot_setter("name")
_set_data = _slot_setter("data")
_set_raw_broadcast = _slot_setter("raw_broadcast")
_set_seq = _slot_setter("seq")
_set_malformed = _slot_setter("malformed")
_set_broadcast = _slot_setter("_broadcast")
_set_payload = _slot_setter("_payload")
_set_checked = _slot_setter("_checked")


def event_from_message(msg: Mapping[str, Any]) -> Event[Any]:
    """An :class:`Event` from a decoded server frame that has an ``event`` key."""
    name: str = msg["event"]
    data = msg.get("data")
    seq = msg.get("seq")
    return Event(
        _NAMES.get(name, name),
        data if isinstance(data, dict) else {},
        msg.get("broadcast"),
        seq if isinstance(seq, int) else None,
    )


# ---------------------------------------------------------------------------
# Payloads


@dataclass(frozen=True, slots=True)
class HelloData:
    server_version: str
    connection_id: str


@dataclass(frozen=True, slots=True)
class PostData:
    """``posted``, ``post_edited``, ``post_deleted``.

    ``post`` is a ``mattermost_api.models.post.Post``. The other fields are set by ``posted``
    (``delete_by`` by ``post_deleted`` when an admin deleted it).
    """

    post: Post
    channel_id: str
    team_id: str
    channel_type: str
    channel_name: str
    channel_display_name: str
    sender_name: str
    mentions: tuple[str, ...]
    set_online: bool | None
    delete_by: str


@dataclass(frozen=True, slots=True)
class TypingData:
    user_id: str
    parent_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class ReactionData:
    """``reaction_added`` / ``reaction_removed``; ``reaction`` as with :class:`PostData`."""

    reaction: Reaction
    channel_id: str


@dataclass(frozen=True, slots=True)
class StatusChangeData:
    user_id: str
    status: str


@dataclass(frozen=True, slots=True)
class ChannelData:
    """``channel_created`` / ``channel_updated`` / ``channel_deleted``.

    ``channel`` (the full channel) is only sent with ``channel_updated``.
    """

    channel_id: str
    team_id: str
    channel: Channel | None
    delete_at: int | None


@dataclass(frozen=True, slots=True)
class ChannelMemberData:
    """``user_added`` / ``user_removed``: who joined or left which channel."""

    user_id: str
    channel_id: str
    team_id: str
    remover_id: str


@dataclass(frozen=True, slots=True)
class UserUpdatedData:
    user: User


@dataclass(frozen=True, slots=True)
class ConnectedData:
    connection_id: str
    resumed: bool
    """True when the server kept the connection (no new ``hello``)."""


@dataclass(frozen=True, slots=True)
class DisconnectedData:
    reason: str
    will_reconnect: bool


@dataclass(frozen=True, slots=True)
class MissedEventsData:
    """Events were lost: the server answered a resume with a new connection.

    ``since_ms`` is a server-clock time (ms) just before the last event seen,
    suitable for ``GET /api/v4/channels/{id}/posts?since=``.
    """

    previous_connection_id: str
    connection_id: str
    last_seq: int
    last_event_at: float
    """Local wall-clock time (``time.time()``) of the last event seen; 0.0 if none."""
    since_ms: int


def _post_data(ev: Event[Any]) -> PostData:
    d = ev.data
    mentions_raw = d.get("mentions")
    mentions: tuple[str, ...] = ()
    if isinstance(mentions_raw, str) and mentions_raw:
        try:
            decoded = json.loads(mentions_raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, list):
            mentions = tuple(str(m) for m in decoded)
    set_online = d.get("set_online")
    try:
        checked = ev._checked  # decoded by check_payload before dispatch
    except AttributeError:
        post = _to_model(str(ev.name), "post", "post", "Post", d.get("post"))
    else:  # its JSON object, checked to make a Post; or the Post itself
        post = _model("post", "Post").from_dict(checked) if type(checked) is dict else checked
    channel_id = ev.broadcast.channel_id or _str(d, "channel_id") or _post_channel_id(post)
    return PostData(
        post=post,
        channel_id=channel_id,
        team_id=_str(d, "team_id") or ev.broadcast.team_id,
        channel_type=_str(d, "channel_type"),
        channel_name=_str(d, "channel_name"),
        channel_display_name=_str(d, "channel_display_name"),
        sender_name=_str(d, "sender_name"),
        mentions=mentions,
        set_online=set_online if isinstance(set_online, bool) else None,
        delete_by=_str(d, "delete_by"),
    )


def _post_channel_id(post: Any) -> str:
    value = getattr(post, "channel_id", "")
    return value if isinstance(value, str) else ""


def _hello(ev: Event[Any]) -> HelloData:
    return HelloData(_str(ev.data, "server_version"), _str(ev.data, "connection_id"))


def _typing(ev: Event[Any]) -> TypingData:
    return TypingData(
        user_id=_str(ev.data, "user_id"),
        parent_id=_str(ev.data, "parent_id"),
        channel_id=ev.broadcast.channel_id,
    )


def _reaction(ev: Event[Any]) -> ReactionData:
    return ReactionData(
        reaction=_to_model(
            str(ev.name), "reaction", "reaction", "Reaction", ev.data.get("reaction")
        ),
        channel_id=ev.broadcast.channel_id,
    )


def _status(ev: Event[Any]) -> StatusChangeData:
    return StatusChangeData(
        _str(ev.data, "user_id") or ev.broadcast.user_id, _str(ev.data, "status")
    )


def _channel(ev: Event[Any]) -> ChannelData:
    d = ev.data
    raw_channel = d.get("channel")
    channel = (
        None
        if raw_channel is None
        else _to_model(str(ev.name), "channel", "channel", "Channel", raw_channel)
    )
    channel_id = _str(d, "channel_id") or ev.broadcast.channel_id
    if not channel_id and channel is not None:
        cid = getattr(channel, "id", "")
        channel_id = cid if isinstance(cid, str) else ""
    return ChannelData(
        channel_id=channel_id,
        team_id=_str(d, "team_id") or ev.broadcast.team_id,
        channel=channel,
        delete_at=_opt_int(d, "delete_at"),
    )


def _member(ev: Event[Any]) -> ChannelMemberData:
    d = ev.data
    return ChannelMemberData(
        user_id=_str(d, "user_id") or ev.broadcast.user_id,
        channel_id=_str(d, "channel_id") or ev.broadcast.channel_id,
        team_id=_str(d, "team_id") or ev.broadcast.team_id,
        remover_id=_str(d, "remover_id"),
    )


def _user(ev: Event[Any]) -> UserUpdatedData:
    return UserUpdatedData(_to_model(str(ev.name), "user", "user", "User", ev.data.get("user")))


_DECODERS: dict[str, Callable[[Event[Any]], Any]] = {
    EventName.HELLO: _hello,
    EventName.POSTED: _post_data,
    EventName.POST_EDITED: _post_data,
    EventName.POST_DELETED: _post_data,
    EventName.TYPING: _typing,
    EventName.REACTION_ADDED: _reaction,
    EventName.REACTION_REMOVED: _reaction,
    EventName.STATUS_CHANGE: _status,
    EventName.CHANNEL_CREATED: _channel,
    EventName.CHANNEL_UPDATED: _channel,
    EventName.CHANNEL_DELETED: _channel,
    EventName.USER_ADDED: _member,
    EventName.USER_REMOVED: _member,
    EventName.USER_UPDATED: _user,
}

PAYLOAD_TYPES: Mapping[str, type] = {
    EventName.HELLO: HelloData,
    EventName.POSTED: PostData,
    EventName.POST_EDITED: PostData,
    EventName.POST_DELETED: PostData,
    EventName.TYPING: TypingData,
    EventName.REACTION_ADDED: ReactionData,
    EventName.REACTION_REMOVED: ReactionData,
    EventName.STATUS_CHANGE: StatusChangeData,
    EventName.CHANNEL_CREATED: ChannelData,
    EventName.CHANNEL_UPDATED: ChannelData,
    EventName.CHANNEL_DELETED: ChannelData,
    EventName.USER_ADDED: ChannelMemberData,
    EventName.USER_REMOVED: ChannelMemberData,
    EventName.USER_UPDATED: UserUpdatedData,
    ListenerEvent.CONNECTED: ConnectedData,
    ListenerEvent.DISCONNECTED: DisconnectedData,
    ListenerEvent.MISSED_EVENTS: MissedEventsData,
}
"""Event name → payload type of ``Event.payload`` (others: the raw ``data`` dict)."""


def _check_post(ev: Event[Any]) -> None:
    """What can fail in a post event's payload, and nothing more: that the nested post is a
    JSON object ``Post.from_dict`` takes (the generated models fail there only on a missing
    required field, and parse fields when read).  The decoded object is kept; the ``Post``
    and the rest of :class:`PostData` are built when the payload is first read.  The common
    case inline (this runs for every post event); anything unusual takes :func:`_to_model`,
    which also says what is wrong."""
    raw = ev.data.get("post")
    if type(raw) is str:
        try:
            value = fast_loads(raw)
        except ValueError:
            value = None
        if type(value) is dict:
            required = _POST_REQUIRED or _post_required()
            if required is not None and value.keys() >= required:
                _set_checked(ev, value)
                return
    _set_checked(ev, _to_model(str(ev.name), "post", "post", "Post", raw))


_POST_REQUIRED: frozenset[str] | None = None


def _post_required() -> frozenset[str] | None:
    """The required fields of the generated ``Post`` (``None``: unknown, then every check
    builds the model)."""
    global _POST_REQUIRED
    try:
        module = importlib.import_module("mattermost_api.models.post")
    except ImportError:  # pragma: no cover - the generated package ships with this one
        return None
    # the lazy models' template names them in `_REQUIRED` (a tuple; `_REQUIRED_SET` before);
    # tests/unit/test_events.py checks the flag against Post.from_dict for every field
    required = getattr(module, "_REQUIRED", None) or getattr(module, "_REQUIRED_SET", None)
    if isinstance(required, tuple | frozenset) and all(type(n) is str for n in required):
        _POST_REQUIRED = frozenset(required)
        return _POST_REQUIRED
    return None  # pragma: no cover - a generator without the lazy models' template


def _check_decoded(ev: Event[Any]) -> None:
    ev.payload  # noqa: B018 - decodes and caches


_CHECKS: dict[str, Callable[[Event[Any]], None]] = {
    name: _check_post if decoder is _post_data else _check_decoded
    for name, decoder in _DECODERS.items()
}


def check_payload(ev: Event[Any]) -> str | None:
    """Whether ``ev``'s payload parses: why not, or ``None``.  Decodes what can fail now
    (for the post events only the nested ``Post``, which the payload then reuses; the
    other payloads are small and decoded whole, cached); the typed payload itself is
    still built on first access.

    Never raises: what a server sends cannot break the listener.  A ``broadcast`` that is
    not a JSON object is reported too (``ev.broadcast`` is then empty).
    """
    raw_broadcast = ev.raw_broadcast
    if (
        raw_broadcast is not None
        and type(raw_broadcast) is not dict
        and not isinstance(raw_broadcast, Mapping)
    ):
        reason: str | None = (
            f"broadcast: expected a JSON object, got {type(raw_broadcast).__name__}"
        )
    else:
        reason = None
    check = _CHECKS.get(ev.name)
    if check is not None:
        try:
            check(ev)
        except PayloadError as exc:
            reason = str(exc)
        except Exception as exc:  # a decoder bug must not reach the read loop either
            reason = f"{ev.name} event: {type(exc).__name__}: {exc}"
    if reason is not None:
        _set_malformed(ev, reason)
    return reason


def checked_post_fields(ev: Event[Any]) -> tuple[Any, Any] | None:
    """``(id, create_at)`` of the post :func:`check_payload` decoded for a post event, as
    sent (``None``: not checked, or it did not parse)."""
    try:
        checked = ev._checked
    except AttributeError:
        return None
    if type(checked) is dict:
        return checked.get("id"), checked.get("create_at")
    return checked.id, checked.create_at


def listener_event(name: ListenerEvent, payload: Any) -> Event[Any]:
    """An event the listener emits: ``seq`` None, ``data`` the payload's fields."""
    ev: Event[Any] = Event(name, dataclasses.asdict(payload), None, None)
    _set_broadcast(ev, _EMPTY_BROADCAST)
    _set_payload(ev, payload)
    return ev
