"""Actions (replies matched by seq_reply), catch-up over REST, backoff."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import httpx
import pytest
from _fake_server import FakeMattermost, post_json, posted_data
from _support import MakeListener

from mattermost_ext.event_names import EventName
from mattermost_ext.events import Event, ListenerEvent, MissedEventsData, PostData
from mattermost_ext.listener import (
    ActionError,
    ActionTimeoutError,
    Backoff,
    Listener,
    ListenerError,
    NotConnectedError,
)

CHANNEL = "c" * 26


def test_ping_reply(make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    reply = listener.ping()
    assert reply["text"] == "pong" and "server_time" in reply


def test_statuses(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    assert listener.get_statuses() == fake.statuses
    assert listener.get_statuses_by_ids([fake.user_id, "z" * 26]) == {
        fake.user_id: "online",
        "z" * 26: "offline",
    }
    assert listener.get_statuses_by_ids([]) == {}


def test_user_typing_is_answered_and_echoed(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    listener.user_typing(CHANNEL, parent_id="p" * 26)
    typing = rec.wait_count(EventName.TYPING, 1)[0]
    assert typing.payload.channel_id == CHANNEL
    assert typing.payload.parent_id == "p" * 26
    sent = [m for m in fake.received if m.get("action") == "user_typing"]
    assert sent[0]["data"] == {"channel_id": CHANNEL, "parent_id": "p" * 26}


def test_action_error(make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    with pytest.raises(ActionError) as info:
        listener.user_typing("short")
    assert info.value.error_id == "api.websocket_handler.invalid_param.app_error"
    assert info.value.status_code == 400
    with pytest.raises(ActionError):
        listener.send_action("no_such_action")


def test_action_timeout(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    fake.ignore_actions.add("get_statuses")
    with pytest.raises(ActionTimeoutError):
        listener.get_statuses(timeout=0.2)
    assert listener.ping()["text"] == "pong"  # the listener is fine


def test_not_connected(fake: FakeMattermost) -> None:
    listener = Listener(fake.url, fake.token)
    with pytest.raises(NotConnectedError):
        listener.ping()
    with pytest.raises(NotConnectedError):
        listener.user_typing(CHANNEL, wait=False)


def test_pending_action_fails_when_the_socket_drops(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, _ = make_listener()
    fake.ignore_actions.add("get_statuses")
    errors: list[BaseException] = []

    def call() -> None:
        try:
            listener.get_statuses(timeout=5)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    threading.Timer(0.2, fake.kill).start()
    t.join(5)
    assert isinstance(errors[0], NotConnectedError)


def test_message_over_8kb_is_refused(make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    with pytest.raises(ValueError, match="8 KB"):
        listener.get_statuses_by_ids(["x" * 26] * 400)


def test_waiting_on_the_listener_thread_is_refused(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    outcome: list[object] = []

    @listener.on(EventName.POSTED)
    def handler(event: Event[PostData]) -> None:
        try:
            listener.get_statuses()
        except ListenerError as exc:
            outcome.append(exc)
        listener.user_typing(CHANNEL, wait=False)  # fine: no wait
        outcome.append("sent")

    fake.broadcast("posted", posted_data("x"))
    rec.wait_count(EventName.TYPING, 1)
    assert isinstance(outcome[0], ListenerError) and "wait=False" in str(outcome[0])
    assert outcome[1] == "sent"


def test_concurrent_actions_get_their_own_replies(make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    results: dict[int, Any] = {}

    def call(i: int) -> None:
        results[i] = listener.get_statuses_by_ids([f"{i:026d}"])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert all(results[i] == {f"{i:026d}": "offline"} for i in range(20))


def _rest_transport(posts: list[dict[str, Any]], seen_params: list[dict[str, str]]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Bearer ")
        path = request.url.path
        if path == "/api/v4/users/me/teams":
            return httpx.Response(200, json=[{"id": "t" * 26}])
        if path == f"/api/v4/users/me/teams/{'t' * 26}/channels":
            return httpx.Response(200, json=[{"id": CHANNEL}, {"id": "d" * 26}])
        if path.startswith("/api/v4/channels/") and path.endswith("/posts"):
            cid = path.split("/")[4]
            seen_params.append(dict(request.url.params))
            since = int(request.url.params["since"])
            mine = {
                p["id"]: p
                for p in posts
                if p["channel_id"] == cid and max(p["create_at"], p["update_at"]) >= since
            }
            return httpx.Response(200, json={"order": list(mine), "posts": mine})
        return httpx.Response(404, json={"id": "not_found"})

    return httpx.MockTransport(handle)


def test_catch_up_dispatches_missed_posts_once(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    posts: list[dict[str, Any]] = []
    params: list[dict[str, str]] = []
    client = httpx.Client(transport=_rest_transport(posts, params))
    listener, rec = make_listener(http_client=client)
    seen_post = json.loads(post_json("seen", channel_id=CHANNEL))
    fake.broadcast("posted", {"post": json.dumps(seen_post)}, {"channel_id": CHANNEL})
    rec.wait_count(EventName.POSTED, 1)
    caught: list[list[str]] = []

    @listener.on(ListenerEvent.MISSED_EVENTS)
    def on_missed(event: Event[MissedEventsData]) -> None:
        got = listener.catch_up(event.payload)
        caught.append([str(e.payload.post.message) for e in got])  # type: ignore[union-attr]

    base = seen_post["create_at"]
    posts.append(seen_post)  # already delivered: skipped
    for i, cid in enumerate([CHANNEL, "d" * 26, CHANNEL]):
        p = json.loads(post_json(f"missed {i}", channel_id=cid))
        p["create_at"] = p["update_at"] = base + 10 + i
        posts.append(p)
    old = json.loads(post_json("old", channel_id=CHANNEL))
    old["create_at"] = old["update_at"] = base - 60_000
    posts.append(old)
    fake.forget()
    fake.kill()
    rec.wait_count(ListenerEvent.MISSED_EVENTS, 1)
    rec.wait_count(EventName.POSTED, 4)
    assert caught == [["missed 0", "missed 1", "missed 2"]]
    messages = [e.payload.post.message for e in rec.named(EventName.POSTED)]
    assert messages == ["seen", "missed 0", "missed 1", "missed 2"]
    assert all(e.seq is None for e in rec.named(EventName.POSTED)[1:])
    since = rec.named(ListenerEvent.MISSED_EVENTS)[0].payload.since_ms
    assert {p["since"] for p in params} == {str(since)}
    # a post made between the new hello and the REST calls also arrives live: dropped once
    fake.broadcast("posted", {"post": json.dumps(posts[1])}, {"channel_id": CHANNEL})
    fresh = json.loads(post_json("fresh", channel_id=CHANNEL))
    fake.broadcast("posted", {"post": json.dumps(fresh)}, {"channel_id": CHANNEL})
    rec.wait_count(EventName.POSTED, 5)
    messages = [e.payload.post.message for e in rec.named(EventName.POSTED)]
    assert messages == ["seen", "missed 0", "missed 1", "missed 2", "fresh"]


def test_backoff_schedule() -> None:
    b = Backoff(initial=3.0, maximum=300.0, factor=2.0, steady_attempts=3, jitter=0.0)
    assert [b.delay(i) for i in range(8)] == [3, 3, 3, 6, 12, 24, 48, 96]
    assert b.delay(50) == 300.0
    jittery = Backoff(jitter=0.3)
    rng = random.Random(1)
    delays = [jittery.delay(0, rng.random) for _ in range(200)]
    assert min(delays) >= 2.1 and max(delays) <= 3.9 and len(set(delays)) > 100
    assert all(jittery.delay(40, rng.random) <= 300.0 for _ in range(50))


def test_options_are_validated(fake: FakeMattermost) -> None:
    with pytest.raises(ValueError):
        Listener(fake.url, "t", auth="cookie")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Listener(fake.url, "t", ping_interval=0)
    with pytest.raises(ValueError):
        Listener("ftp://host", "t")
