"""Typed events: envelope, broadcast, payload decoding, unknown names, URL building."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from mattermost_ext._ws_url import websocket_url
from mattermost_ext.event_names import EventName
from mattermost_ext.events import (
    Broadcast,
    ChannelData,
    ChannelMemberData,
    Event,
    HelloData,
    ListenerEvent,
    MissedEventsData,
    PayloadError,
    PostData,
    ReactionData,
    StatusChangeData,
    TypingData,
    UserUpdatedData,
    check_payload,
    checked_post_fields,
    event_from_message,
    listener_event,
    lookup_name,
)
from tests.unit import _payloads as payloads

CH = "c" * 26
POST = payloads.post("p" * 26, CH, "hello")


def msg(event: str, data: dict[str, Any], broadcast: dict[str, Any] | None = None) -> Event[Any]:
    return event_from_message({"event": event, "data": data, "broadcast": broadcast, "seq": 7})


def test_envelope_and_broadcast() -> None:
    ev = msg(
        "posted",
        {"post": json.dumps(POST)},
        {"omit_users": {"a": True, "b": False}, "user_id": "", "channel_id": CH, "team_id": "t"},
    )
    assert ev.name is EventName.POSTED and ev.seq == 7 and ev.known
    assert ev.broadcast == Broadcast(channel_id=CH, team_id="t", omit_users=frozenset({"a"}))
    assert ev.broadcast is ev.broadcast  # built once
    assert ev.channel_id == CH
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.seq = 8


def test_unknown_name_is_a_plain_string() -> None:
    ev = msg("brand_new_event", {"k": "v"}, None)
    assert ev.name == "brand_new_event" and type(ev.name) is str and not ev.known
    assert ev.payload == {"k": "v"}
    assert ev.broadcast == Broadcast()
    assert lookup_name("posted") is EventName.POSTED
    assert lookup_name(ListenerEvent.MISSED_EVENTS.value) is ListenerEvent.MISSED_EVENTS


def test_posted_payload_uses_generated_post_model() -> None:
    data = {
        "post": json.dumps(POST),
        "channel_type": "O",
        "channel_name": "town-square",
        "channel_display_name": "Town Square",
        "sender_name": "@alice",
        "team_id": "t" * 26,
        "set_online": True,
        "mentions": json.dumps(["u1", "u2"]),
    }
    p = msg("posted", data, {"channel_id": CH}).payload
    assert isinstance(p, PostData)
    from mattermost_api.models.post import Post

    assert isinstance(p.post, Post) and p.post.message == "hello" and p.post.id == "p" * 26
    assert (p.channel_id, p.team_id, p.channel_type, p.sender_name) == (
        CH,
        "t" * 26,
        "O",
        "@alice",
    )
    assert p.mentions == ("u1", "u2") and p.set_online is True


def test_post_payload_is_a_post_or_an_error() -> None:
    """Never a dict in disguise: bad data raises PayloadError naming event and field."""
    from mattermost_api.models.post import Post

    p = msg("post_deleted", {"post": json.dumps(POST), "delete_by": "admin"}).payload
    assert isinstance(p.post, Post) and p.delete_by == "admin" and p.channel_id == CH
    for bad, why in (("{broken", "not JSON"), ("[1]", "expected a JSON object"), (None, "got")):
        with pytest.raises(PayloadError, match=why) as info:
            msg("post_edited", {"post": bad}).payload  # noqa: B018
        assert info.value.event == "post_edited" and info.value.field == "post"
    assert msg("posted", {"post": json.dumps(POST), "mentions": "nope"}).payload.mentions == ()


@pytest.mark.parametrize(
    ("event", "data", "broadcast", "needle"),
    [
        ("posted", {"post": "{broken"}, None, "posted event: post: not JSON"),
        ("posted", {"post": json.dumps(POST)}, "a string", "broadcast: expected a JSON object"),
        ("reaction_added", {"reaction": 3}, None, "reaction"),
        ("user_updated", {"user": "[]"}, None, "user"),
    ],
)
def test_check_payload_flags_and_never_raises(
    event: str, data: dict[str, Any], broadcast: Any, needle: str
) -> None:
    ev = msg(event, data, broadcast)
    reason = check_payload(ev)
    assert reason is not None and needle in reason and ev.malformed == reason
    assert ev.broadcast.channel_id == ""  # a string broadcast: empty, no AttributeError


def test_check_payload_passes_good_events() -> None:
    ev = msg("posted", {"post": json.dumps(POST)}, {"channel_id": CH})
    assert check_payload(ev) is None and ev.malformed is None
    assert ev.payload.post.message == POST["message"]
    assert check_payload(msg("some_future_event", {"x": 1})) is None


@pytest.mark.parametrize(
    ("post", "needle"),
    [
        (json.dumps({"id": "x"}), "not a Post"),  # JSON, but required fields missing
        (" " + json.dumps(POST) + " x", "not JSON"),  # trailing data after the object
        (json.dumps([POST]), "expected a JSON object"),
        (json.dumps(POST) + "  ", None),  # whitespace around is fine (json.loads)
    ],
)
def test_check_payload_post_fast_path_agrees_with_json_loads(post: str, needle: str | None) -> None:
    reason = check_payload(msg("posted", {"post": post}))
    assert reason is None if needle is None else (reason is not None and needle in reason)


def test_check_payload_decodes_only_the_post_and_builds_nothing() -> None:
    """Lazy: checking decodes the nested post (it can fail) but builds no Post and no
    PostData; the payload, when read, has the post's fields."""
    ev = msg("posted", {"post": json.dumps(POST)}, {"channel_id": CH})
    assert check_payload(ev) is None
    with pytest.raises(AttributeError):
        ev._payload  # noqa: B018 - not built yet
    assert type(ev._checked) is dict  # the decoded JSON object, no model yet
    assert checked_post_fields(ev) == (POST["id"], POST["create_at"])
    assert ev.payload.post.id == POST["id"]


@pytest.mark.parametrize("key", sorted(POST))
def test_check_payload_flags_exactly_what_the_post_model_rejects(key: str) -> None:
    """The check does not build a Post: for the post without each of its fields in turn,
    it flags the event exactly when ``Post.from_dict`` raises (a required field)."""
    from mattermost_api.models.post import Post

    post = {k: v for k, v in POST.items() if k != key}
    try:
        Post.from_dict(post)
        rejects = False
    except Exception:
        rejects = True
    ev = msg("posted", {"post": json.dumps(post)})
    reason = check_payload(ev)
    assert (reason is not None) == rejects, (key, reason)
    if not rejects:
        assert ev.payload.post.message == post.get("message", ev.payload.post.message)


def test_payload_is_decoded_once() -> None:
    ev = msg("posted", {"post": json.dumps(POST)})
    assert ev.payload is ev.payload


def test_other_typed_payloads() -> None:
    assert msg("hello", {"server_version": "11.6", "connection_id": "x"}).payload == HelloData(
        "11.6", "x"
    )
    assert msg("typing", {"user_id": "u", "parent_id": "p"}, {"channel_id": CH}).payload == (
        TypingData("u", "p", CH)
    )
    reaction = payloads.reaction("u", "p", "+1", create_at=5)
    r = msg("reaction_added", {"reaction": json.dumps(reaction)}, {"channel_id": CH}).payload
    assert isinstance(r, ReactionData) and r.channel_id == CH
    from mattermost_api.models.reaction import Reaction

    assert isinstance(r.reaction, Reaction) and r.reaction.emoji_name == "+1"
    assert msg("status_change", {"status": "away", "user_id": "u"}).payload == StatusChangeData(
        "u", "away"
    )
    assert msg("channel_created", {"channel_id": CH, "team_id": "t"}).payload == ChannelData(
        CH, "t", None, None
    )
    deleted = msg("channel_deleted", {"channel_id": CH, "delete_at": 123}, {"team_id": "t"})
    assert deleted.payload == ChannelData(CH, "t", None, 123)
    updated = msg("channel_updated", {"channel": json.dumps(payloads.channel(CH, "n"))})
    assert updated.payload.channel_id == CH and updated.payload.channel.name == "n"
    assert msg("user_added", {"user_id": "u", "team_id": "t"}, {"channel_id": CH}).payload == (
        ChannelMemberData("u", CH, "t", "")
    )
    removed = msg("user_removed", {"channel_id": CH, "remover_id": "r"}, {"user_id": "u"})
    assert removed.payload == ChannelMemberData("u", CH, "", "r")
    user = msg("user_updated", {"user": payloads.user("u", "alice")}).payload
    from mattermost_api.models.user import User

    assert isinstance(user, UserUpdatedData) and isinstance(user.user, User)
    assert user.user.username == "alice"


def test_listener_events() -> None:
    data = MissedEventsData("a", "b", 4, 1.5, 1000)
    ev = listener_event(ListenerEvent.MISSED_EVENTS, data)
    assert ev.payload is data and ev.seq is None and ev.data["last_seq"] == 4


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://host:8065", "ws://host:8065/api/v4/websocket"),
        ("https://host", "wss://host/api/v4/websocket"),
        ("https://host/mm", "wss://host/mm/api/v4/websocket"),
        ("https://host/mm/", "wss://host/mm/api/v4/websocket"),
        ("https://host/mm/api/v4", "wss://host/mm/api/v4/websocket"),
        ("https://host/api/v4/", "wss://host/api/v4/websocket"),
        ("wss://host/api/v4/websocket", "wss://host/api/v4/websocket"),
        ("HTTPS://host?access_token=x#f", "wss://host/api/v4/websocket"),
    ],
)
def test_websocket_url(base: str, expected: str) -> None:
    assert websocket_url(base) == expected


def test_websocket_url_resume_and_errors() -> None:
    assert websocket_url("http://h", connection_id="abc", sequence_number=5) == (
        "ws://h/api/v4/websocket?connection_id=abc&sequence_number=5"
    )
    with pytest.raises(ValueError):
        websocket_url("http://h", connection_id="abc")
    with pytest.raises(ValueError):
        websocket_url("ftp://h")
    with pytest.raises(ValueError):
        websocket_url("https://user:pw@h")
