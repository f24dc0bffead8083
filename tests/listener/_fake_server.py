"""A tiny RFC 6455 server (stdlib only) run in-process, and a Mattermost-like fake on top.

``FakeServer`` speaks the protocol (handshake, frames, masks) and hands each
connection to a handler in its own thread. ``FakeMattermost`` imitates what
the listener relies on in the real server (checked against its source):
authentication by header or by ``authentication_challenge``, a ``hello`` at
seq 0, events numbered per connection, a dead queue of the last 128 events
replayed on resume (``connection_id`` + ``sequence_number``), a new
connection id and ``hello`` when the events are gone, ``ping`` /
``get_statuses`` / ``get_statuses_by_ids`` / ``user_typing`` replies with
``seq_reply``. Fault switches: ``kill()`` (abrupt close), ``forget()`` (as
after a restart), ``freeze()`` (socket open, nothing answered), raw frames.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import socket
import string
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def new_id() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(26))


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class ConnectionGone(Exception):
    pass


class WSConn:
    """The server side of one WebSocket connection."""

    def __init__(self, sock: socket.socket, path: str, headers: dict[str, str]) -> None:
        self.sock = sock
        self.path = path
        self.headers = headers
        parts = urlsplit(path)
        self.route = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.send_lock = threading.Lock()
        self.closed = False
        self._buf = b""

    def _read(self, n: int) -> bytes:
        while len(self._buf) < n:
            try:
                chunk = self.sock.recv(65536)
            except OSError as exc:
                raise ConnectionGone(str(exc)) from None
            if not chunk:
                raise ConnectionGone("eof")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def recv_frame(self) -> tuple[int, bytes]:
        b0, b1 = self._read(2)
        opcode = b0 & 0x0F
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._read(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._read(8))
        mask = self._read(4) if b1 & 0x80 else b""
        data = self._read(n)
        if mask:
            key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
            data = (int.from_bytes(data, "big") ^ key).to_bytes(n, "big")
        return opcode, data

    def recv_message(self) -> tuple[int, bytes]:
        """The next text/binary message; answers pings; ConnectionGone on close."""
        while True:
            opcode, data = self.recv_frame()
            if opcode == OP_PING:
                self.send_frame(OP_PONG, data)
            elif opcode == OP_CLOSE:
                with contextlib.suppress(Exception):
                    self.send_frame(OP_CLOSE, data[:2])
                self.abort()
                raise ConnectionGone("close frame")
            elif opcode in (OP_TEXT, OP_BINARY):
                return opcode, data

    def recv_json(self) -> Any:
        return json.loads(self.recv_message()[1])

    def send_frame(self, opcode: int, payload: bytes, *, fin: bool = True) -> None:
        self.send_raw(encode_frame(opcode, payload, fin=fin))

    def send_raw(self, raw: bytes) -> None:
        with self.send_lock:
            try:
                self.sock.sendall(raw)
            except OSError as exc:
                raise ConnectionGone(str(exc)) from None

    def send_text(self, text: str) -> None:
        self.send_frame(OP_TEXT, text.encode("utf-8"))

    def send_json(self, obj: Any) -> None:
        self.send_text(json.dumps(obj))

    def close(self, code: int = 1000) -> None:
        with contextlib.suppress(ConnectionGone):
            self.send_frame(OP_CLOSE, struct.pack("!H", code))
        self.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


class FakeServer:
    """Accepts WebSocket connections on 127.0.0.1; ``handler(conn)`` runs per connection."""

    def __init__(
        self,
        handler: Callable[[WSConn], None],
        *,
        reject_status: Callable[[str, dict[str, str]], int | None] | None = None,
    ) -> None:
        self.handler = handler
        self.reject_status = reject_status
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.connections: list[WSConn] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.refuse = False  # close new TCP connections at once (server "down")
        self._stop = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._stop:
            try:
                sock, _ = self.lsock.accept()
            except OSError:
                return
            if self.refuse:
                sock.close()
                continue
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(4096)
                if not chunk:
                    sock.close()
                    return
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            self.requests.append((path, headers))
            status = self.reject_status(path, headers) if self.reject_status else None
            if status:
                sock.sendall(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
                sock.close()
                return
            accept = base64.b64encode(
                hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()
            ).decode()
            sock.sendall(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                ).encode()
            )
        except OSError:
            sock.close()
            return
        conn = WSConn(sock, path, headers)
        conn._buf = rest
        self.connections.append(conn)
        try:
            self.handler(conn)
        except ConnectionGone:
            pass
        finally:
            conn.abort()

    def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):
            self.lsock.close()
        for c in list(self.connections):
            c.abort()


@dataclass
class _State:
    """Per connection id, as the real server keeps it (also while inactive)."""

    connection_id: str
    seq: int = 0
    dead_queue: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=128))
    conn: WSConn | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeMattermost:
    """Mattermost's WebSocket behaviour, enough for the listener's tests."""

    def __init__(self, token: str = "s3cr3t-t0ken-value") -> None:
        self.token = token
        self.user_id = new_id()
        self.server = FakeServer(self._handle)
        self.states: dict[str, _State] = {}
        self.lock = threading.Lock()
        self.frozen = False
        self.ignore_actions: set[str] = set()
        self.received: list[dict[str, Any]] = []
        self.statuses = {self.user_id: "online", "u2" + "x" * 24: "away"}
        self.authenticated = threading.Condition()
        self.auth_count = 0

    # -- test API ------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.server.requests

    def live(self) -> list[_State]:
        with self.lock:
            return [s for s in self.states.values() if s.conn is not None and not s.conn.closed]

    def wait_authenticated(self, count: int = 1, timeout: float = 5.0) -> bool:
        with self.authenticated:
            return self.authenticated.wait_for(lambda: self.auth_count >= count, timeout)

    def broadcast(
        self, event: str, data: dict[str, Any], broadcast: dict[str, Any] | None = None
    ) -> None:
        """Send an event to every connection (active or not: an inactive one queues it)."""
        with self.lock:
            states = list(self.states.values())
        for st in states:
            self._send_event(st, event, data, broadcast)

    def _send_event(
        self,
        st: _State,
        event: str,
        data: dict[str, Any],
        broadcast: dict[str, Any] | None = None,
        *,
        skip: bool = False,
    ) -> None:
        with st.lock:
            msg = {
                "event": event,
                "data": data,
                "broadcast": broadcast
                or {"omit_users": None, "user_id": "", "channel_id": "", "team_id": ""},
                "seq": st.seq,
            }
            st.seq += 1
            st.dead_queue.append(msg)
            conn = st.conn
            if conn is None or conn.closed or skip:
                return
            with contextlib.suppress(ConnectionGone):
                conn.send_json(msg)

    def send_gap(self, event: str, data: dict[str, Any]) -> None:
        """Number an event but do not deliver it (the listener sees a seq gap next)."""
        for st in self.live():
            self._send_event(st, event, data, skip=True)

    def kill(self) -> None:
        """Drop every live socket abruptly (no close frame)."""
        for conn in list(self.server.connections):
            if not conn.closed:
                conn.abort()

    def forget(self) -> None:
        """Lose every connection's state, as a restarted server would."""
        with self.lock:
            self.states.clear()

    def freeze(self, frozen: bool = True) -> None:
        """Keep sockets open but answer nothing (a dead peer)."""
        self.frozen = frozen

    def stop(self) -> None:
        self.server.stop()

    # -- the protocol ----------------------------------------------------------
    def _hello(self, st: _State) -> None:
        self._send_event(
            st,
            "hello",
            {"server_version": "11.6.0.test", "connection_id": st.connection_id},
            {"user_id": self.user_id},
        )

    def _handle(self, conn: WSConn) -> None:
        header_ok = conn.headers.get("authorization") == f"Bearer {self.token}"
        cid = conn.query.get("connection_id")
        st: _State | None = None
        if header_ok:
            st = self._attach(conn, cid, conn.query.get("sequence_number"))
        while True:
            msg = conn.recv_json()
            if self.frozen:
                continue
            self.received.append(msg)
            action = msg.get("action")
            seq = msg.get("seq", 0)
            if not isinstance(seq, int) or seq <= 0:
                self._error(conn, seq, "api.web_socket_router.bad_seq.app_error", 400)
                continue
            if action == "authentication_challenge":
                if st is not None:
                    continue  # already authenticated: the server ignores it
                if (msg.get("data") or {}).get("token") != self.token:
                    conn.abort()
                    return
                # A session-less upgrade never resumes: always a new connection.
                st = _State(new_id())
                with self.lock:
                    self.states[st.connection_id] = st
                conn.send_json({"status": "OK", "seq_reply": seq})
                st.conn = conn
                self._hello(st)
                self._authed()
                continue
            if st is None:
                self._error(conn, seq, "api.web_socket_router.not_authenticated.app_error", 401)
                continue
            if action in self.ignore_actions:
                continue
            if action == "ping":
                reply = {"text": "pong", "version": "11.6.0", "server_time": int(time.time() * 1e3)}
                conn.send_json({"status": "OK", "seq_reply": seq, "data": reply})
            elif action == "get_statuses":
                conn.send_json({"status": "OK", "seq_reply": seq, "data": dict(self.statuses)})
            elif action == "get_statuses_by_ids":
                ids = (msg.get("data") or {}).get("user_ids") or []
                if not ids:
                    self._error(conn, seq, "api.websocket_handler.invalid_param.app_error", 400)
                    continue
                data = {i: self.statuses.get(i, "offline") for i in ids}
                conn.send_json({"status": "OK", "seq_reply": seq, "data": data})
            elif action == "user_typing":
                data = msg.get("data") or {}
                if len(str(data.get("channel_id", ""))) != 26:
                    self._error(conn, seq, "api.websocket_handler.invalid_param.app_error", 400)
                    continue
                conn.send_json({"status": "OK", "seq_reply": seq})
                self.broadcast(
                    "typing",
                    {"parent_id": data.get("parent_id", ""), "user_id": self.user_id},
                    {"channel_id": data["channel_id"], "omit_users": None},
                )
            else:
                self._error(conn, seq, "api.web_socket_router.bad_action.app_error", 500)

    def _authed(self) -> None:
        with self.authenticated:
            self.auth_count += 1
            self.authenticated.notify_all()

    def _attach(self, conn: WSConn, cid: str | None, seq_text: str | None) -> _State:
        with self.lock:
            st = self.states.get(cid) if cid else None
        if st is None:
            st = _State(new_id())
            with self.lock:
                self.states[st.connection_id] = st
            st.conn = conn
            self._hello(st)
            self._authed()
            return st
        next_seq = int(seq_text or 0)
        with st.lock:
            if st.conn is not None:
                st.conn.abort()
            replay = [m for m in st.dead_queue if m["seq"] >= next_seq]
            last = st.dead_queue[-1]["seq"] if st.dead_queue else -1
            lossless = not replay and last == next_seq - 1
            if replay and replay[0]["seq"] == next_seq:
                for m in replay:
                    conn.send_json(m)
                st.conn = conn
            elif lossless:
                st.conn = conn
            else:
                # Gone from the dead queue: a new connection id and hello at seq 0.
                with self.lock:
                    del self.states[st.connection_id]
                    st = _State(new_id())
                    self.states[st.connection_id] = st
                st.conn = conn
                self._hello(st)
                self._authed()
                return st
        self._authed()
        return st

    @staticmethod
    def _error(conn: WSConn, seq: Any, error_id: str, code: int) -> None:
        reply: dict[str, Any] = {
            "status": "FAIL",
            "error": {"id": error_id, "message": error_id, "status_code": code},
        }
        if isinstance(seq, int) and seq:
            reply["seq_reply"] = seq
        conn.send_json(reply)


def post_json(message: str, *, channel_id: str = "c" * 26, post_id: str | None = None) -> str:
    now = int(time.time() * 1000)
    return json.dumps(
        {
            "id": post_id or new_id(),
            "create_at": now,
            "update_at": now,
            "edit_at": 0,
            "delete_at": 0,
            "is_pinned": False,
            "user_id": "u" * 26,
            "channel_id": channel_id,
            "root_id": "",
            "original_id": "",
            "message": message,
            "type": "",
            "props": {},
            "hashtags": "",
            "pending_post_id": "",
            "reply_count": 0,
            "metadata": {},
        }
    )


def posted_data(message: str, **kw: Any) -> dict[str, Any]:
    return {
        "channel_display_name": "Town Square",
        "channel_name": "town-square",
        "channel_type": "O",
        "post": post_json(message, **kw),
        "sender_name": "@alice",
        "set_online": True,
        "team_id": "t" * 26,
        "mentions": '["' + "u" * 26 + '"]',
    }
