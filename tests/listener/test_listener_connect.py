"""Connecting, authenticating, dispatching, closing."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from _fake_server import FakeMattermost, FakeServer, posted_data
from _support import FAST, MakeListener, wait_until

from mattermost_ext.event_names import EventName
from mattermost_ext.events import ConnectedData, Event, ListenerEvent, PostData
from mattermost_ext.listener import AuthenticationError, Listener, ListenerError


def test_header_auth_connects_and_gets_hello(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    hello = rec.wait_count(EventName.HELLO, 1)[0]
    assert hello.seq == 0
    assert hello.payload.connection_id == listener.connection_id
    assert listener.server_version == "11.6.0.test"
    connected = rec.wait_count(ListenerEvent.CONNECTED, 1)[0]
    assert isinstance(connected.payload, ConnectedData)
    assert connected.payload.resumed is False
    path, headers = fake.requests[0]
    assert path == "/api/v4/websocket"
    assert headers["authorization"] == f"Bearer {fake.token}"
    # the handshake used a ping (seq 1), not a challenge: the header already authenticated
    assert fake.received[0] == {"seq": 1, "action": "ping"}


def test_challenge_auth(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener(auth="challenge")
    rec.wait_count(EventName.HELLO, 1)
    path, headers = fake.requests[0]
    assert "authorization" not in headers
    assert fake.received[0] == {
        "seq": 1,
        "action": "authentication_challenge",
        "data": {"token": fake.token},
    }
    assert listener.connected


def test_subpath_is_kept(fake: FakeMattermost) -> None:
    listener = Listener(fake.url + "/mm/", "t")
    assert listener.url == f"ws://127.0.0.1:{fake.server.port}/mm/api/v4/websocket"


@pytest.mark.parametrize("auth", ["header", "challenge"])
def test_bad_token_is_fatal(fake: FakeMattermost, auth: str) -> None:
    listener = Listener(fake.url, "wrong-token", auth=auth, connect_timeout=2.0)  # type: ignore[arg-type]
    listener.backoff = FAST
    started = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        listener.run_forever()
    assert time.monotonic() - started < 5
    assert "wrong-token" not in str(info.value)
    listener.close()


def test_http_401_at_upgrade_is_fatal() -> None:
    server = FakeServer(lambda c: None, reject_status=lambda p, h: 401)
    try:
        listener = Listener(server.url, "tok")
        with pytest.raises(AuthenticationError):
            listener.run_forever()
    finally:
        server.stop()


def test_typed_dispatch_and_unknown_names(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    got: list[Event[PostData]] = []

    @listener.on(EventName.POSTED)
    def on_posted(event: Event[PostData]) -> None:
        got.append(event)

    fake.broadcast("posted", posted_data("hi there"), {"channel_id": "c" * 26})
    fake.broadcast("some_future_event", {"x": 1})
    rec.wait_count("some_future_event", 1)
    assert len(got) == 1
    payload = got[0].payload
    assert payload.channel_id == "c" * 26
    assert payload.sender_name == "@alice"
    assert payload.mentions == ("u" * 26,)
    from mattermost_api.models.post import Post

    assert isinstance(payload.post, Post)
    assert payload.post.message == "hi there"
    unknown = rec.named("some_future_event")[0]
    assert type(unknown.name) is str and not unknown.known
    assert unknown.payload == {"x": 1}


def test_handlers_by_method_and_removal(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()
    calls: list[str] = []

    def h(event: Event[Any]) -> None:
        calls.append(event.name)

    listener.add_handler(EventName.TYPING, h)
    fake.broadcast("typing", {"user_id": "u", "parent_id": ""}, {"channel_id": "c" * 26})
    rec.wait_count(EventName.TYPING, 1)
    listener.remove_handler(EventName.TYPING, h)
    fake.broadcast("typing", {"user_id": "u", "parent_id": ""}, {"channel_id": "c" * 26})
    rec.wait_count(EventName.TYPING, 2)
    assert calls == ["typing"]


def test_handler_exception_is_isolated(
    fake: FakeMattermost, make_listener: MakeListener, caplog: pytest.LogCaptureFixture
) -> None:
    listener, rec = make_listener()
    seen: list[int | None] = []

    @listener.on(EventName.POSTED)
    def broken(event: Event[PostData]) -> None:
        raise RuntimeError("boom")

    @listener.on(EventName.POSTED)
    def fine(event: Event[PostData]) -> None:
        seen.append(event.seq)

    with caplog.at_level(logging.ERROR, logger="mattermost_ext.listener"):
        fake.broadcast("posted", posted_data("a"))
        fake.broadcast("posted", posted_data("b"))
        rec.wait_count(EventName.POSTED, 2)
    assert seen == [1, 2]
    failures = [r for r in caplog.records if "failed on posted" in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
    assert listener.connected and listener.reconnects == 0


def test_close_from_another_thread_is_prompt_and_idempotent(make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    thread = listener._thread
    assert thread is not None and thread.is_alive()
    closer = threading.Thread(target=listener.close)
    started = time.monotonic()
    closer.start()
    closer.join(5)
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2
    listener.close()
    listener.close()
    assert not listener.connected


def test_close_from_a_handler(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()

    @listener.on(EventName.POSTED)
    def stop(event: Event[PostData]) -> None:
        listener.close()

    fake.broadcast("posted", posted_data("stop"))
    assert wait_until(lambda: listener._thread is not None and not listener._thread.is_alive())


def test_run_forever_in_caller_thread_returns_on_close(fake: FakeMattermost) -> None:
    listener = Listener(fake.url, fake.token)
    threading.Timer(0.5, listener.close).start()
    started = time.monotonic()
    listener.run_forever()
    assert time.monotonic() - started < 3
    with pytest.raises(ListenerError):
        listener.start()  # closed listeners stay closed


def test_events_iterator(fake: FakeMattermost) -> None:
    listener = Listener(fake.url, fake.token)
    names = []

    def post_when_connected() -> None:
        if listener.wait_connected(3):
            fake.broadcast("posted", posted_data("x"))

    threading.Timer(0.3, post_when_connected).start()
    for event in listener.events(timeout=3):
        names.append(event.name)
        if event.name == EventName.POSTED:
            listener.close()
    assert names[:3] == [ListenerEvent.CONNECTED, EventName.HELLO, EventName.POSTED]


def test_events_iterator_ends_with_fatal_error(fake: FakeMattermost) -> None:
    listener = Listener(fake.url, "nope")
    with pytest.raises(AuthenticationError):
        for _ in listener.events(timeout=5):
            pass


def test_slow_handler_keeps_order_and_connection(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener(ping_interval=0.2)
    order: list[str] = []

    @listener.on(EventName.POSTED)
    def slow(event: Event[PostData]) -> None:
        post = event.payload.post
        message = post["message"] if isinstance(post, dict) else post.message
        assert isinstance(message, str)
        if message == "0":
            time.sleep(1.0)  # five ping intervals
        order.append(message)

    for i in range(5):
        fake.broadcast("posted", posted_data(str(i)))
    rec.wait_count(EventName.POSTED, 5, timeout=5)
    assert order == ["0", "1", "2", "3", "4"]
    assert listener.reconnects == 0
    assert not rec.named(ListenerEvent.DISCONNECTED)


def test_repr_has_no_token(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, _ = make_listener()
    assert fake.token not in repr(listener)
    assert "connected" in repr(listener)


def test_server_down_then_up_retries(fake: FakeMattermost) -> None:
    fake.server.refuse = True
    listener = Listener(fake.url, fake.token, backoff=FAST)
    listener.start()
    time.sleep(0.4)
    assert not listener.connected
    fake.server.refuse = False
    assert listener.wait_connected(5)
    assert listener.reconnects >= 1
    listener.close()
