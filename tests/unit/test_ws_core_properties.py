"""Property tests of the listener's protocol core (no sockets): a simulated Mattermost with a
dead queue, and a network that drops, duplicates, reorders and corrupts frames.

Invariants, whatever the frames: no exception escapes the core; no post is delivered twice;
posts are delivered in server order; every gap is either replayed (resume) or signalled
(``MISSED_EVENTS``) and then filled by the catch-up, so at the end every post made since the
listener was first up was delivered.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mattermost_ext.event_names import EventName
from mattermost_ext.events import Event, ListenerEvent
from mattermost_ext.ws_core import (
    Authenticated,
    Deliver,
    ListenerCore,
    Rejected,
    Replied,
    Resume,
)
from tests.unit import _payloads as payloads

EXAMPLES = int(os.environ.get("MM_HYPOTHESIS_EXAMPLES", "300"))
DEAD_QUEUE = 8  # the real server keeps 128; small here so that resumes also fail
CHANNEL = "c" * 26


def post(index: int) -> dict[str, Any]:
    return payloads.post(f"p{index:025d}", CHANNEL, f"post {index}", create_at=1_000_000 + index)


GARBAGE = [
    b"{not json",
    b"\xff\xfe",
    b"[1, 2]",
    b'"a string"',
    b'{"event": 42, "seq": 1}',
    b'{"event": "posted", "seq": "7"}',
    b'{"event": "posted", "seq": null, "data": []}',
    b'{"seq_reply": "x", "status": "OK"}',
    b'{"status": "FAIL", "error": "no"}',
    b'{"neither": true}',
    b"",
]


@dataclass
class Server:
    """Mattermost's side: connection ids, per-connection seq, a dead queue, the posts."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    connection_id: str = ""
    seq: int = 0
    dead: list[dict[str, Any]] = field(default_factory=list)
    generation: int = 0

    def new_connection(self) -> list[bytes]:
        self.generation += 1
        self.connection_id = f"conn{self.generation}"
        self.seq = 0
        self.dead = []
        return [self._event("hello", {"connection_id": self.connection_id})]

    def _event(self, name: str, data: dict[str, Any], broadcast: Any = None) -> bytes:
        msg = {"event": name, "data": data, "broadcast": broadcast or {}, "seq": self.seq}
        self.seq += 1
        self.dead = [*self.dead, msg][-DEAD_QUEUE:]
        return json.dumps(msg).encode()

    def upgrade(self, query: dict[str, Any]) -> list[bytes]:
        """The frames the server sends on an upgrade (before the ping reply)."""
        cid = query.get("connection_id")
        if cid and cid == self.connection_id:
            want = int(query["sequence_number"])
            replay = [m for m in self.dead if m["seq"] >= want]
            if (replay and replay[0]["seq"] == want) or (not replay and self.seq == want):
                return [json.dumps(m).encode() for m in replay]
        return self.new_connection()

    def new_post(self, *, bad_broadcast: bool = False) -> bytes:
        p = post(len(self.posts))
        self.posts.append(p)
        data = {"post": json.dumps(p), "channel_id": CHANNEL}
        return self._event("posted", data, "oops" if bad_broadcast else {"channel_id": CHANNEL})


@dataclass
class Client:
    """A driver around the core that records what reaches the handlers."""

    server: Server
    core: ListenerCore = field(default_factory=ListenerCore)
    delivered: list[int] = field(default_factory=list)
    missed: int = 0
    up: bool = False
    posts_at_first_up: int | None = None
    inbox: list[bytes] = field(default_factory=list)
    handshake: int = 0
    """Leading inbox frames that open the connection (hello / replay / reply): the network
    faults spare them (over TCP a lost or reordered hello is a lost socket, and the server
    sends the hello first: nothing else can tell a new connection from a resumed one)."""

    def connect(self, reply_first: bool) -> None:
        self.core.disconnected()
        query = self.core.connect(resume=True)
        frames = self.server.upgrade(query)
        ping = self.core.start_authentication()
        reply = json.dumps({"status": "OK", "seq_reply": ping["seq"], "data": {}}).encode()
        self.up = False
        self.inbox = [reply, *frames] if reply_first else [*frames, reply]
        self.handshake = len(self.inbox)

    def feed(self, frame: bytes) -> bool:
        """One frame to the core; False when the driver must reconnect."""
        for action in self.core.receive(frame):
            if isinstance(action, Deliver):
                self.deliver(action.event)
            elif isinstance(action, Authenticated):
                self.up = True
                if self.posts_at_first_up is None:
                    self.posts_at_first_up = len(self.server.posts)
            elif isinstance(action, Resume):
                return False
            elif isinstance(action, Rejected):  # pragma: no cover - the token is right
                raise AssertionError(action)
            else:
                assert isinstance(action, Replied)
        return True

    def deliver(self, event: Event[Any]) -> None:
        if not self.core.admit(event):
            return
        if event.name == ListenerEvent.MISSED_EVENTS:
            self.missed += 1
            for caught in self.core.catch_up_events(self.server.posts):
                self.deliver(caught)
        elif event.name == EventName.POSTED:
            assert event.malformed is None or "broadcast" in event.malformed
            if event.malformed is None:
                self.delivered.append(int(event.payload.post.message.split()[1]))
            else:  # a raw event, flagged: its post still counts as delivered once
                self.delivered.append(int(json.loads(event.data["post"])["message"].split()[1]))


Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(1, 5)),
        st.tuples(st.just("lose"), st.integers(0, 3)),
        st.tuples(st.just("duplicate"), st.integers(0, 3)),
        st.tuples(st.just("swap"), st.integers(0, 3)),
        st.tuples(st.just("garbage"), st.integers(0, len(GARBAGE) - 1)),
        st.tuples(st.just("bad_broadcast"), st.just(0)),
        st.tuples(st.just("drop_socket"), st.integers(0, 1)),
        st.tuples(st.just("restart_server"), st.integers(0, 1)),
        st.tuples(st.just("deliver"), st.integers(1, 20)),
    ),
    max_size=60,
)


def run(script: list[Op]) -> Client:
    server = Server()
    client = Client(server)
    client.connect(reply_first=True)
    for op, arg in script:
        if op == "post":
            client.inbox.extend(server.new_post() for _ in range(arg))
        elif op == "bad_broadcast":
            client.inbox.append(server.new_post(bad_broadcast=True))
        elif op == "lose" and client.handshake + arg < len(client.inbox):
            del client.inbox[client.handshake + arg]
        elif op == "duplicate" and client.handshake + arg < len(client.inbox):
            i = client.handshake + arg
            client.inbox.insert(i, client.inbox[i])
        elif op == "swap" and client.handshake + arg + 1 < len(client.inbox):
            i = client.handshake + arg
            client.inbox[i], client.inbox[i + 1] = client.inbox[i + 1], client.inbox[i]
        elif op == "garbage":
            client.inbox.insert(0, GARBAGE[arg])
            client.handshake += 1
        elif op == "drop_socket":
            client.connect(reply_first=bool(arg))
        elif op == "restart_server":
            server.connection_id = ""  # it forgot every connection
            client.connect(reply_first=bool(arg))
        elif op == "deliver":
            drain(client, arg)
    # the network heals: deliver everything, reconnecting while the core asks for it; then
    # the socket is replaced once more (a lost last frame shows only to a resume)
    for final in (False, True):
        if final:
            client.connect(reply_first=True)
        for _ in range(50):
            if drain(client, 10_000) and client.up:
                break
    return client


def drain(client: Client, count: int) -> bool:
    """Feed up to ``count`` frames; reconnect (resume) when the core asks, or when the
    socket went quiet before the handshake finished (the driver's connect timeout)."""
    for _ in range(count):
        if not client.inbox:
            if not client.up:
                client.connect(reply_first=True)
                continue
            return True
        client.handshake = max(0, client.handshake - 1)
        if not client.feed(client.inbox.pop(0)):
            client.connect(reply_first=True)
    return not client.inbox


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(ops)
def test_every_post_once_in_order(script: list[Op]) -> None:
    client = run(script)
    total = len(client.server.posts)
    assert client.up
    assert len(client.delivered) == len(set(client.delivered)), "a post delivered twice"
    assert client.delivered == sorted(client.delivered), "out of server order"
    # from the first connection on (a post made before the listener was ever up may be
    # delivered or not), every post: a gap was replayed or signalled and filled
    first = client.delivered[0] if client.delivered else total
    assert client.posts_at_first_up is not None and first <= client.posts_at_first_up
    assert client.delivered == list(range(first, total)), "a gap neither replayed nor filled"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_no_frame_raises(frame: bytes | str) -> None:
    core = ListenerCore()
    core.start_authentication()
    core.receive(frame)
    core.receive(json.dumps({"event": "hello", "seq": 0, "data": {"connection_id": "x"}}))
    for action in core.receive(frame):
        if isinstance(action, Deliver):
            core.admit(action.event)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    name=st.sampled_from(["posted", "post_edited", "reaction_added", "user_updated", "typing"]),
    seq=json_values,
    data=json_values,
    broadcast=json_values,
)
def test_wrong_types_never_raise_and_typed_payloads_never_lie(
    name: str, seq: Any, data: Any, broadcast: Any
) -> None:
    core = ListenerCore()
    core.start_authentication()
    core.receive(json.dumps({"event": "hello", "seq": 0, "data": {"connection_id": "x"}}))
    frame = json.dumps({"event": name, "seq": seq, "data": data, "broadcast": broadcast})
    for action in core.receive(frame):
        if isinstance(action, Deliver) and core.admit(action.event):
            event = action.event
            if event.malformed is None and name == "posted":
                from mattermost_api.models.post import Post

                assert isinstance(event.payload.post, Post)
