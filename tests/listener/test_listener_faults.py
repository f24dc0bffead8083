"""Faults: malformed frames, dead sockets, abrupt closes, lost events, seq gaps, secrecy."""

from __future__ import annotations

import json
import logging
import time
from functools import partial
from typing import Any

import pytest
from _fake_server import OP_BINARY, OP_TEXT, FakeMattermost, encode_frame, posted_data
from _support import FAST, MakeListener, wait_until

from mattermost_ext.event_names import EventName
from mattermost_ext.events import DisconnectedData, ListenerEvent, MissedEventsData
from mattermost_ext.listener import Listener


def _messages(events: list[Any]) -> list[str]:
    out = []
    for e in events:
        post = e.payload.post
        out.append(post["message"] if isinstance(post, dict) else post.message)
    return out


def test_malformed_frames_are_skipped_and_logged(
    fake: FakeMattermost, make_listener: MakeListener, caplog: pytest.LogCaptureFixture
) -> None:
    listener, rec = make_listener()
    (st,) = fake.live()
    assert st.conn is not None
    with caplog.at_level(logging.WARNING, logger="mattermost_ext.listener"):
        st.conn.send_frame(OP_TEXT, b"{not json")
        st.conn.send_frame(OP_TEXT, b"[1, 2, 3]")
        st.conn.send_frame(OP_TEXT, b"\xff\xfe not utf-8")
        st.conn.send_frame(OP_BINARY, b"\x00\x01\x02")
        st.conn.send_frame(OP_TEXT, b'{"event": 42, "seq": 1}')
        st.conn.send_frame(OP_TEXT, b'{"event": "posted", "seq": "x"}')
        st.conn.send_frame(OP_TEXT, b'{"neither": true}')
        st.conn.send_frame(OP_TEXT, b"")
        fake.broadcast("posted", posted_data("after the garbage"))
        rec.wait_count(EventName.POSTED, 1)
    assert _messages(rec.named(EventName.POSTED)) == ["after the garbage"]
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 8
    assert listener.connected and listener.reconnects == 0


def test_event_without_data_or_broadcast(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()
    (st,) = fake.live()
    assert st.conn is not None
    with st.lock:
        st.conn.send_json({"event": "typing", "seq": st.seq})
        st.seq += 1
    ev = rec.wait_count(EventName.TYPING, 1)[0]
    assert ev.data == {} and ev.broadcast.channel_id == "" and ev.payload.user_id == ""


def test_dead_connection_detected_within_two_intervals(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    interval = 0.3
    listener, rec = make_listener(ping_interval=interval)
    fake.freeze()
    frozen_at = time.monotonic()
    down = rec.wait_count(ListenerEvent.DISCONNECTED, 1, timeout=5)[0]
    detected_after = time.monotonic() - frozen_at
    assert isinstance(down.payload, DisconnectedData)
    assert "ping" in down.payload.reason
    assert detected_after <= 2 * interval + 0.25, detected_after
    fake.freeze(False)
    rec.wait_count(ListenerEvent.CONNECTED, 2)
    # the reconnect resumed the same connection
    path = fake.requests[-1][0]
    assert f"connection_id={listener.connection_id}" in path


def test_abrupt_close_resumes_without_loss(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    first_id = listener.connection_id
    fake.broadcast("posted", posted_data("0"))
    rec.wait_count(EventName.POSTED, 1)
    fake.kill()
    # events sent while the listener is away are kept by the server
    for i in range(1, 4):
        fake.broadcast("posted", posted_data(str(i)))
    rec.wait_count(EventName.POSTED, 4)
    assert _messages(rec.named(EventName.POSTED)) == ["0", "1", "2", "3"]
    assert [e.seq for e in rec.named(EventName.POSTED)] == [1, 2, 3, 4]
    path = fake.requests[-1][0]
    assert path == f"/api/v4/websocket?connection_id={first_id}&sequence_number=2"
    assert listener.connection_id == first_id
    assert len(rec.named(EventName.HELLO)) == 1
    assert not rec.named(ListenerEvent.MISSED_EVENTS)
    assert wait_until(lambda: listener.resumed == 1)
    connected = rec.named(ListenerEvent.CONNECTED)
    assert [c.payload.resumed for c in connected] == [False, True]


def test_resume_answered_by_new_hello_emits_missed_events(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    old_id = listener.connection_id
    fake.broadcast("posted", posted_data("before"))
    rec.wait_count(EventName.POSTED, 1)
    before = time.time()
    fake.forget()  # as after a server restart
    fake.kill()
    missed = rec.wait_count(ListenerEvent.MISSED_EVENTS, 1)[0]
    data = missed.payload
    assert isinstance(data, MissedEventsData)
    assert data.previous_connection_id == old_id
    assert data.connection_id == listener.connection_id != old_id
    assert data.last_seq == 1
    assert 0 < data.last_event_at <= before
    assert abs(data.since_ms - (data.last_event_at * 1000 - listener.catch_up_margin_ms)) < 1000
    assert missed.seq is None
    assert len(rec.named(EventName.HELLO)) == 2
    fake.broadcast("posted", posted_data("after"))
    rec.wait_count(EventName.POSTED, 2)
    assert rec.named(EventName.POSTED)[-1].seq == 1


def test_events_gone_from_dead_queue_emit_missed_events(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    # a reconnect slow enough that all 200 are numbered before it (a loaded machine)
    from mattermost_ext.listener import Backoff

    slow = Backoff(initial=1.0, maximum=1.0, factor=1.0, steady_attempts=1, jitter=0.0)
    listener, rec = make_listener(backoff=slow)
    fake.kill()
    for i in range(200):  # more than the 128 the server keeps
        fake.broadcast("posted", posted_data(str(i)))
    rec.wait_count(ListenerEvent.MISSED_EVENTS, 1)
    assert not rec.named(EventName.POSTED)


def test_seq_gap_resumes_from_expected(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()
    fake.broadcast("posted", posted_data("0"))
    fake.send_gap("posted", posted_data("1"))  # numbered, not delivered
    fake.broadcast("posted", posted_data("2"))  # arrives with a gap → resume at 2
    rec.wait_count(EventName.POSTED, 3)
    assert _messages(rec.named(EventName.POSTED)) == ["0", "1", "2"]
    assert f"sequence_number={2}" in fake.requests[-1][0]
    assert not rec.named(ListenerEvent.MISSED_EVENTS)


def test_duplicate_seq_is_dropped(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()
    fake.broadcast("posted", posted_data("0"))
    rec.wait_count(EventName.POSTED, 1)
    (st,) = fake.live()
    assert st.conn is not None
    st.conn.send_json(st.dead_queue[-1])  # the same event again
    fake.broadcast("posted", posted_data("1"))
    rec.wait_count(EventName.POSTED, 2)
    time.sleep(0.1)
    assert _messages(rec.named(EventName.POSTED)) == ["0", "1"]


def test_no_reconnect_option(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener(reconnect=False)
    fake.kill()
    assert wait_until(lambda: listener._thread is not None and not listener._thread.is_alive())
    assert rec.named(ListenerEvent.DISCONNECTED)[0].payload.will_reconnect is False


def test_challenge_auth_reconnect_reports_missed_events(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    # The server ignores connection_id on an upgrade without a session: a
    # challenge-authenticated listener can never resume.
    listener, rec = make_listener(auth="challenge")
    fake.kill()
    rec.wait_count(ListenerEvent.MISSED_EVENTS, 1)


def test_server_close_frame_reconnects(fake: FakeMattermost, make_listener: MakeListener) -> None:
    listener, rec = make_listener()
    (st,) = fake.live()
    assert st.conn is not None
    st.conn.close(1001)
    rec.wait_count(ListenerEvent.CONNECTED, 2)
    assert "1001" in rec.named(ListenerEvent.DISCONNECTED)[0].payload.reason


def test_fragmented_message_is_reassembled(
    fake: FakeMattermost, make_listener: MakeListener
) -> None:
    listener, rec = make_listener()
    (st,) = fake.live()
    assert st.conn is not None
    with st.lock:
        raw = json.dumps({"event": "typing", "data": {"user_id": "u"}, "seq": st.seq}).encode()
        st.seq += 1
        st.conn.send_raw(encode_frame(OP_TEXT, raw[:10], fin=False) + encode_frame(0, raw[10:]))
    assert rec.wait_count(EventName.TYPING, 1)[0].payload.user_id == "u"


def _reconnected(listener: Listener) -> bool:
    return listener.reconnects >= 1 and listener.connected


def test_token_never_in_url_logs_or_errors(
    fake: FakeMattermost, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for auth in ("header", "challenge"):
        listener = Listener(fake.url, fake.token, auth=auth, backoff=FAST)  # type: ignore[arg-type]
        listener.start()
        assert listener.wait_connected(5)
        fake.kill()
        assert wait_until(partial(_reconnected, listener))
        listener.ping()
        listener.close()
        bad = Listener(fake.url, fake.token + "-bad", auth=auth, backoff=FAST)  # type: ignore[arg-type]
        with pytest.raises(Exception) as info:
            bad.run_forever()
        assert fake.token not in str(info.value) and fake.token not in repr(bad)
    for path, _headers in fake.requests:
        assert fake.token not in path
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert fake.token not in text
    assert any(r.name.startswith("mattermost_ext") for r in caplog.records)


def test_unparsable_payload_reaches_catch_all_only_flagged(
    fake: FakeMattermost, make_listener: MakeListener, caplog: pytest.LogCaptureFixture
) -> None:
    """A typed handler never sees a payload that does not parse; catch-all handlers and
    events() get it as a raw event with ``malformed`` set; a string broadcast too."""
    listener, rec = make_listener()
    typed: list[Any] = []
    listener.add_handler(EventName.POSTED, typed.append)
    with caplog.at_level(logging.WARNING, logger="mattermost_ext.listener"):
        fake.broadcast("posted", {"post": "{broken", "channel_id": "c" * 26})
        fake.broadcast("posted", posted_data("fine"), {"channel_id": "c" * 26})
        fake.broadcast("posted", posted_data("odd broadcast"), "a string")  # type: ignore[arg-type]
        got = rec.wait_count(EventName.POSTED, 3)
    bad, good, odd = got
    assert bad.malformed is not None and "post: not JSON" in bad.malformed
    assert good.malformed is None and good.payload.post.message == "fine"
    assert odd.malformed is not None and "broadcast" in odd.malformed
    assert odd.broadcast.channel_id == ""
    assert [e.payload.post.message for e in typed] == ["fine"]
    assert any("delivered as a raw event" in r.getMessage() for r in caplog.records)
    assert listener.connected and listener.reconnects == 0


def test_unreachable_with_reconnect_false_raises_naming_the_url() -> None:
    import socket

    from mattermost_ext.listener import ConnectionFailedError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    listener = Listener(f"http://127.0.0.1:{port}", "t" * 26, reconnect=False)
    with pytest.raises(ConnectionFailedError, match=f"127.0.0.1:{port}") as info:
        listener.run_forever()
    assert info.value.attempts == 1
    with pytest.raises(ConnectionFailedError):
        listener.wait_connected(1)
