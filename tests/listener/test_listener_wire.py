"""The drivers' own framing (ws_core.FrameReader under both): server pings answered, a
fragmented event with a ping between its fragments, many events in one TCP write, and a
close frame answered; for the thread and the asyncio driver alike."""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from typing import Any

import pytest
from _fake_server import (
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FakeServer,
    WSConn,
    encode_frame,
    posted_data,
)
from _support import FAST

from mattermost_ext.aio_listener import AsyncListener
from mattermost_ext.event_names import EventName
from mattermost_ext.events import Event
from mattermost_ext.listener import Listener

TOKEN = "wire-token-value"
COUNT = 300


def _event(seq: int, message: str) -> bytes:
    msg = {
        "event": "posted",
        "data": posted_data(message),
        "broadcast": {"channel_id": "c" * 26},
        "seq": seq,
    }
    return json.dumps(msg).encode()


class WireServer:
    def __init__(self) -> None:
        self.control: list[tuple[int, bytes]] = []  # what came back from the client
        self.done = threading.Event()
        self.server = FakeServer(self._handle)

    def _handle(self, conn: WSConn) -> None:
        if len(self.server.connections) > 1:  # the reconnect after our close: stay silent
            self.done.wait(10)
            return
        first = conn.recv_json()
        conn.send_json({"status": "OK", "seq_reply": first["seq"], "data": {"text": "pong"}})
        hello = {"event": "hello", "data": {"connection_id": "w" * 26}, "seq": 0}
        conn.send_json(hello)
        conn.send_frame(OP_PING, b"srv-ping-1")
        body = _event(1, "fragmented")
        a, b, c = body[:10], body[10:500], body[500:]
        conn.send_raw(
            encode_frame(OP_TEXT, a, fin=False)
            + encode_frame(OP_PING, b"srv-ping-2")
            + encode_frame(OP_CONT, b, fin=False)
            + encode_frame(OP_CONT, c)
        )
        # many events (and one big one) in one write: the client cuts them itself
        many = b"".join(
            encode_frame(OP_TEXT, _event(i, f"m {i}" + ("x" * 70000 if i == 7 else "")))
            for i in range(2, COUNT + 2)
        )
        conn.send_raw(many)
        while len([c for c in self.control if c[0] == OP_PONG]) < 2:
            opcode, data = conn.recv_frame()
            if opcode in (OP_PONG, OP_CLOSE):
                self.control.append((opcode, data))
        conn.send_frame(OP_CLOSE, struct.pack("!H", 1000))
        while True:  # the client's answer to the close
            opcode, data = conn.recv_frame()
            if opcode == OP_CLOSE:
                self.control.append((opcode, data))
                self.done.set()
                return


def _check(wire: WireServer, got: list[Event[Any]]) -> None:
    messages = [e.payload.post.message for e in got]
    assert messages[0] == "fragmented"
    assert messages[1:] == [f"m {i}" + ("x" * 70000 if i == 7 else "") for i in range(2, COUNT + 2)]
    pongs = [data for opcode, data in wire.control if opcode == OP_PONG]
    assert pongs == [b"srv-ping-1", b"srv-ping-2"]
    assert (OP_CLOSE, struct.pack("!H", 1000)) in wire.control


def test_thread_driver_framing() -> None:
    wire = WireServer()
    listener = Listener(wire.server.url, TOKEN, backoff=FAST, auth_check_after=None)
    got: list[Event[Any]] = []
    all_in = threading.Event()

    def on_posted(event: Event[Any]) -> None:
        got.append(event)
        if len(got) == COUNT + 1:
            all_in.set()

    listener.add_handler(EventName.POSTED, on_posted)
    listener.start()
    try:
        assert all_in.wait(10), f"{len(got)} events"
        assert wire.done.wait(10), wire.control
    finally:
        listener.close()
        wire.done.set()
        wire.server.stop()
    _check(wire, got)


def test_asyncio_driver_framing() -> None:
    wire = WireServer()
    got: list[Event[Any]] = []

    async def main() -> None:
        all_in = asyncio.Event()

        def on_posted(event: Event[Any]) -> None:
            got.append(event)
            if len(got) == COUNT + 1:
                all_in.set()

        listener = AsyncListener(wire.server.url, TOKEN, backoff=FAST, auth_check_after=None)
        listener.add_handler(EventName.POSTED, on_posted)
        await listener.start()
        try:
            await asyncio.wait_for(all_in.wait(), 10)
            assert await asyncio.to_thread(wire.done.wait, 10), wire.control
        finally:
            await listener.close()

    try:
        asyncio.run(main())
    finally:
        wire.done.set()
        wire.server.stop()
    _check(wire, got)


@pytest.mark.parametrize("driver", ["thread", "asyncio"])
def test_broken_framing_reconnects(driver: str) -> None:
    """A masked frame from the server is a protocol error: the socket is dropped and the
    listener connects again (it never reaches the core)."""
    connected = threading.Event()

    def handle(conn: WSConn) -> None:
        first = conn.recv_json()
        conn.send_json({"status": "OK", "seq_reply": first["seq"], "data": {"text": "pong"}})
        conn.send_json({"event": "hello", "data": {"connection_id": "b" * 26}, "seq": 0})
        if len(server.connections) == 1:
            conn.send_raw(bytes([0x81, 0x81, 0, 0, 0, 0]) + b"x")  # masked
        else:
            connected.set()
        conn.recv_message()

    server = FakeServer(handle)
    try:
        if driver == "thread":
            listener = Listener(server.url, TOKEN, backoff=FAST, auth_check_after=None)
            listener.start()
            try:
                assert connected.wait(10)
            finally:
                listener.close()
        else:

            async def main() -> None:
                alistener = AsyncListener(server.url, TOKEN, backoff=FAST, auth_check_after=None)
                await alistener.start()
                try:
                    assert await asyncio.to_thread(connected.wait, 10)
                finally:
                    await alistener.close()

            asyncio.run(main())
    finally:
        server.stop()
    assert len(server.connections) >= 2


@pytest.mark.parametrize("driver", ["thread", "asyncio"])
def test_clean_close_during_authentication_fails_fast(driver: str) -> None:
    """A close frame (1000) before the authentication is done is a failed attempt at once,
    not a wait until connect_timeout (nor a busy loop)."""
    from mattermost_ext.listener import ConnectionFailedError

    def handle(conn: WSConn) -> None:
        conn.recv_json()
        conn.close(1000)

    server = FakeServer(handle)
    options: dict[str, Any] = {"reconnect": False, "auth_check_after": None}
    options["connect_timeout"] = 8.0
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionFailedError):
            if driver == "thread":
                Listener(server.url, TOKEN, **options).run_forever()
            else:

                async def main() -> None:
                    alistener = AsyncListener(server.url, TOKEN, **options)
                    try:
                        await alistener.run_forever()
                    finally:
                        await alistener.close()

                asyncio.run(main())
    finally:
        server.stop()
    assert time.monotonic() - started < 4.0
