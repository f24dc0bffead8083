"""The listener against the real Mattermost server (``mm_server`` fixture).

- a post made over REST arrives as a typed ``posted`` event (median latency printed);
- ``user_typing`` / ``get_statuses`` / ``get_statuses_by_ids`` / ``ping`` are answered;
- through a local TCP proxy whose connections are killed N times while M posts
  are made, every post arrives exactly once and in order (resume replays);
- (opt-in, restarts the shared server: ``MM_ALLOW_RESTART=1``) after a server
  restart the listener reports missed events and ``catch_up`` recovers every post.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mattermost_ext.event_names import EventName
from mattermost_ext.events import Event, ListenerEvent, MissedEventsData, PostData
from mattermost_ext.listener import Backoff, Listener

pytestmark = pytest.mark.integration

FAST = Backoff(initial=0.2, maximum=2.0, factor=2.0, steady_attempts=2, jitter=0.2)


# -- helpers ---------------------------------------------------------------------


class Rest:
    """Just enough REST for these tests (429-aware: honours X-RateLimit-Reset)."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/") + "/api/v4",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    def call(self, method: str, path: str, **kw: Any) -> Any:
        for _ in range(60):
            r = self.http.request(method, path, **kw)
            if r.status_code == 429:
                reset = r.headers.get("X-RateLimit-Reset") or r.headers.get("Retry-After") or "1"
                time.sleep(min(5.0, max(0.2, float(reset))))
                continue
            r.raise_for_status()
            return r.json() if r.content else None
        raise AssertionError(f"{method} {path}: still rate limited")

    def post(self, channel_id: str, message: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call(
            "POST", "/posts", json={"channel_id": channel_id, "message": message}
        )
        return result

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Rest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpProxy:
    """127.0.0.1:<port> → upstream; ``kill()`` resets every live connection."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.accepted = 0
        self.refuse = False  # True: close new connections at once (server unreachable)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.lsock.accept()
            except OSError:
                return
            if self.refuse:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def kill(self) -> None:
        """Cut every connection at once, without a WebSocket close frame. shutdown()
        first: close() alone does not wake a thread blocked in recv() on Linux."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.lsock.close()
        self.kill()


class Collector:
    def __init__(self) -> None:
        self.posts: list[tuple[float, Event[PostData]]] = []
        self.other: list[Event[Any]] = []
        self.cond = threading.Condition()

    def __call__(self, event: Event[Any]) -> None:
        with self.cond:
            if event.name == EventName.POSTED:
                self.posts.append((time.perf_counter(), event))
            else:
                self.other.append(event)
            self.cond.notify_all()

    def post_ids(self, channel_id: str) -> list[str]:
        with self.cond:
            out = []
            for _, e in self.posts:
                p = e.payload.post  # a Post: a payload that does not parse never gets here
                pid = p.id
                kind = p.type_
                if isinstance(kind, str) and kind.startswith("system_"):
                    continue  # e.g. "joined the channel", which catch_up may also fetch
                if e.payload.channel_id == channel_id and isinstance(pid, str):
                    out.append(pid)
            return out

    def wait(self, pred: Any, timeout: float) -> bool:
        with self.cond:
            return bool(self.cond.wait_for(pred, timeout))


def _load_mmserver() -> Any:
    """scripts/mmserver.py (as tests/conftest.py loads it)."""
    if "mmserver" in sys.modules:
        return sys.modules["mmserver"]
    path = Path(__file__).resolve().parents[2] / "scripts" / "mmserver.py"
    spec = importlib.util.spec_from_file_location("mmserver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmserver"] = module
    spec.loader.exec_module(module)
    return module


def _host_port(url: str) -> tuple[str, int]:
    u = httpx.URL(url)
    return u.host, u.port or (443 if u.scheme == "https" else 80)


@pytest.fixture
def rest(mm_server: Any) -> Iterator[Rest]:
    r = Rest(mm_server.url, mm_server.admin_token)
    yield r
    r.close()


_channel_numbers = itertools.count()


@pytest.fixture
def channel(mm_server: Any, rest: Rest) -> str:
    """A fresh public channel for this test (tests stay independent)."""
    return _new_channel(mm_server, rest)


def _new_channel(mm_server: Any, rest: Rest) -> str:
    name = f"ws-{int(time.time() * 1000) % 10**10}-{os.getpid() % 1000}-{next(_channel_numbers)}"
    ch = rest.call(
        "POST",
        "/channels",
        json={"team_id": mm_server.team_id, "name": name, "display_name": name, "type": "O"},
    )
    return str(ch["id"])


def _listener(url: str, token: str, **kw: Any) -> tuple[Listener, Collector]:
    kw.setdefault("backoff", FAST)
    listener = Listener(url, token, **kw)
    col = Collector()
    listener.add_handler(None, col)
    listener.start()
    assert listener.wait_connected(15), "listener did not connect"
    return listener, col


# -- tests -----------------------------------------------------------------------


def test_post_arrives_as_typed_posted_event(mm_server: Any, rest: Rest, channel: str) -> None:
    from mattermost_api.models.post import Post

    listener, col = _listener(mm_server.url, mm_server.admin_token)
    try:
        latencies = []
        for i in range(10):
            before = len(col.posts)
            sent = time.perf_counter()
            created = rest.post(channel, f"latency probe {i}")
            assert col.wait(lambda b=before: len(col.posts) > b, 10)
            arrived, event = col.posts[-1]
            latencies.append(arrived - sent)
            assert isinstance(event.payload.post, Post)
            assert event.payload.post.id == created["id"]
            assert event.payload.post.message == f"latency probe {i}"
            assert event.payload.channel_id == channel
            assert event.payload.team_id == mm_server.team_id
            assert event.seq is not None
        median_ms = statistics.median(latencies) * 1000
        print(
            f"\nposted latency (REST create → event dispatched): median {median_ms:.1f} ms, "
            f"min {min(latencies) * 1000:.1f}, max {max(latencies) * 1000:.1f} (n=10)",
            file=sys.stderr,
        )
        assert listener.server_version and listener.connection_id
    finally:
        listener.close()


def test_actions_are_answered(mm_server: Any, rest: Rest, channel: str) -> None:
    if not mm_server.user_token:
        pytest.skip("fixture has no user token")
    rest.call("POST", f"/channels/{channel}/members", json={"user_id": mm_server.user_id})
    admin, _ = _listener(mm_server.url, mm_server.admin_token)
    user, user_col = _listener(mm_server.url, mm_server.user_token, auth="challenge")
    try:
        assert admin.ping()["text"] == "pong"
        statuses = admin.get_statuses()
        assert all(isinstance(v, str) for v in statuses.values())
        by_ids = admin.get_statuses_by_ids([mm_server.admin_id, mm_server.user_id])
        assert set(by_ids) == {mm_server.admin_id, mm_server.user_id}
        assert by_ids[mm_server.admin_id] in {"online", "away", "dnd", "offline"}
        admin.user_typing(channel)  # answered with OK (raises otherwise)

        def typed() -> bool:
            return any(
                e.name == EventName.TYPING and e.payload.user_id == mm_server.admin_id
                for e in user_col.other
            )

        assert user_col.wait(typed, 10), "the other user did not see the typing event"
        ev = next(e for e in user_col.other if e.name == EventName.TYPING)
        assert ev.payload.channel_id == channel
    finally:
        admin.close()
        user.close()


@pytest.mark.parametrize(("kills", "posts"), [(5, 40), (10, 100)])
def test_socket_killed_during_stream_loses_nothing(
    mm_server: Any, rest: Rest, channel: str, kills: int, posts: int
) -> None:
    host, port = _host_port(mm_server.url)
    proxy = TcpProxy(host, port)
    listener, col = _listener(f"http://127.0.0.1:{proxy.port}", mm_server.admin_token)
    recovered: list[int] = []

    @listener.on(ListenerEvent.MISSED_EVENTS)
    def catch_up(event: Event[MissedEventsData]) -> None:
        recovered.append(len(listener.catch_up(event.payload)))

    created: list[str] = []
    stop = threading.Event()

    def producer() -> None:
        for i in range(posts):
            created.append(rest.post(channel, f"stream {i}")["id"])
            time.sleep(0.05)
        stop.set()

    t = threading.Thread(target=producer)
    started = time.monotonic()
    t.start()
    try:
        for _ in range(kills):
            # kill at a spread of points during the stream
            target = len(created) + max(1, posts // (kills + 1))
            deadline = time.monotonic() + 30
            while len(created) < min(target, posts - 1) and time.monotonic() < deadline:
                time.sleep(0.01)
            accepted = proxy.accepted
            proxy.kill()
            # wait for the listener to come back through the proxy
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not (
                proxy.accepted > accepted and listener.connected
            ):
                time.sleep(0.01)
            assert listener.connected, "the listener did not reconnect"
        t.join(120)
        assert col.wait(lambda: len(col.post_ids(channel)) >= posts, 30)
        time.sleep(0.5)  # anything extra (a duplicate) would show up now
        got = col.post_ids(channel)
        print(
            f"\nkilled {kills}x during {posts} posts in {time.monotonic() - started:.1f} s: "
            f"{len(got)} received, {proxy.accepted} TCP connections, resumed {listener.resumed}x, "
            f"missed-events {listener.missed}x (posts recovered by catch_up: {sum(recovered)})",
            file=sys.stderr,
        )
        assert got == created, "every post exactly once, in order"
        assert proxy.accepted >= kills + 1
    finally:
        stop.set()
        listener.close()
        proxy.close()


@pytest.mark.skipif(
    os.environ.get("MM_ALLOW_RESTART") != "1",
    reason="restarts the shared server: set MM_ALLOW_RESTART=1 (managed server only)",
)
def test_server_restart_reports_missed_events_and_catch_up_recovers(
    mm_server: Any, rest: Rest, channel: str
) -> None:
    if not mm_server.managed:
        pytest.skip("the server is not managed by scripts/mmserver.py: cannot restart it")
    mmserver = _load_mmserver()
    host, port = _host_port(mm_server.url)
    proxy = TcpProxy(host, port)
    listener, col = _listener(
        f"http://127.0.0.1:{proxy.port}",
        mm_server.admin_token,
        backoff=Backoff(0.3, 1.0, 1.5, 1, 0.2),
    )
    missed: list[MissedEventsData] = []
    caught: list[int] = []

    @listener.on(ListenerEvent.MISSED_EVENTS)
    def on_missed(event: Event[MissedEventsData]) -> None:
        missed.append(event.payload)
        caught.append(len(listener.catch_up(event.payload)))

    try:
        before = [rest.post(channel, f"before restart {i}")["id"] for i in range(3)]
        assert col.wait(lambda: len(col.post_ids(channel)) >= 3, 10)
        proxy.refuse = True  # the listener cannot reconnect until the posts are made
        state = mmserver.load_state() or {}
        mmserver.restart(rate_limit=state.get("rate_limit"))
        proxy.kill()
        during = [rest.post(channel, f"after restart {i}")["id"] for i in range(5)]
        proxy.refuse = False
        assert col.wait(lambda: bool(missed), 60), "no missed-events event after the restart"
        assert col.wait(lambda: len(col.post_ids(channel)) >= 8, 30)
        rest.post(channel, "after catch-up")
        assert col.wait(lambda: len(col.post_ids(channel)) >= 9, 10)
        time.sleep(0.5)
        got = col.post_ids(channel)
        print(
            f"\nrestart: missed-events emitted (last seq {missed[0].last_seq}); catch_up "
            f"recovered {sum(caught)} posts; received {len(got)} of 9",
            file=sys.stderr,
        )
        assert got[:3] == before
        assert got[3:8] == during, "catch_up recovers every missed post, in order"
        assert len(got) == 9, "each post exactly once"
        # >= 5: the server restarts its hubs (dropping every socket) when another
        # client changes the config; catch_up then recovers those posts too.
        assert sum(caught) >= 5
    finally:
        listener.close()
        proxy.close()


# -- failures surface fast (issue 15) ----------------------------------------------

WRONG_TOKEN = "wrongtoken" + "x" * 16


@pytest.mark.parametrize("reconnect", [False, True])
def test_wrong_token_raises_authentication_error_fast(
    mm_server: Any, reconnect: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real server upgrades a socket with a wrong token and then says nothing (it closes
    it after 5 s); the listener asks REST and raises AuthenticationError within 2 s, from
    run_forever(), wait_connected() and events() alike."""
    from mattermost_ext.listener import AuthenticationError

    timings = {}
    listener = Listener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
    start = time.monotonic()
    with pytest.raises(AuthenticationError) as info:
        listener.run_forever()
    timings["run_forever"] = time.monotonic() - start
    assert WRONG_TOKEN not in str(info.value)

    listener = Listener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
    listener.start()
    start = time.monotonic()
    with pytest.raises(AuthenticationError):
        listener.wait_connected(10)
    timings["wait_connected"] = time.monotonic() - start
    listener.close()

    listener = Listener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
    start = time.monotonic()
    with pytest.raises(AuthenticationError):
        list(listener.events(timeout=20))
    timings["events"] = time.monotonic() - start
    listener.close()
    with capsys.disabled():
        print(
            f"\nwrong token, reconnect={reconnect}: AuthenticationError after "
            + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
        )
    assert all(t <= 2.0 for t in timings.values()), timings


def test_unreachable_server_names_the_url_and_honours_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from mattermost_ext.listener import ConnectionFailedError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    url = f"http://127.0.0.1:{port}"
    listener = Listener(url, "t" * 26, backoff=FAST, connect_deadline=1.5)
    start = time.monotonic()
    with (
        caplog.at_level("WARNING", logger="mattermost_ext.listener"),
        pytest.raises(ConnectionFailedError) as info,
    ):
        listener.run_forever()
    elapsed = time.monotonic() - start
    assert f"127.0.0.1:{port}" in str(info.value) and info.value.attempts >= 2
    assert elapsed <= 1.5 + 0.5, elapsed
    attempts = [r.getMessage() for r in caplog.records if "cannot connect" in r.getMessage()]
    assert attempts and all(f"127.0.0.1:{port}" in m and "next in" in m for m in attempts)

    once = Listener(url, "t" * 26, reconnect=False)
    with pytest.raises(ConnectionFailedError, match=f"127.0.0.1:{port}"):
        once.run_forever()


STRESS_POSTS = int(os.environ.get("MM_STRESS_POSTS", "1000"))
STRESS_RATE = 100.0  # posts per second
STRESS_DROP_EVERY = 2.0  # seconds


def _inversions(got: list[str], created: list[str]) -> int:
    """Posts delivered before one created earlier (adjacent descents in creation rank)."""
    rank = {pid: i for i, pid in enumerate(created)}
    ranks = [rank[p] for p in got if p in rank]
    return sum(1 for a, b in itertools.pairwise(ranks) if b < a)


@pytest.mark.parametrize("run", [1, 2, 3])
def test_stress_through_a_dropping_proxy(
    mm_server: Any, rest: Rest, run: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """STRESS_POSTS posts at about 100/s (two producers, one channel each: one REST caller
    manages about 70/s here) while a proxy drops the socket every 2 s: every post once, in
    server order per channel (resume replays; a catch-up fills a gap the server cannot
    replay)."""
    channels = [_new_channel(mm_server, rest) for _ in range(2)]
    host, port = _host_port(mm_server.url)
    proxy = TcpProxy(host, port)
    listener, col = _listener(f"http://127.0.0.1:{proxy.port}", mm_server.admin_token)
    recovered: list[int] = []

    @listener.on(ListenerEvent.MISSED_EVENTS)
    def catch_up(event: Event[MissedEventsData]) -> None:
        recovered.append(len(listener.catch_up(event.payload)))

    created: dict[str, list[str]] = {c: [] for c in channels}
    done = threading.Event()
    drops = 0

    def dropper() -> None:
        nonlocal drops
        while not done.wait(STRESS_DROP_EVERY):
            proxy.kill()
            drops += 1

    def producer(channel_id: str, share: int, start: float) -> None:
        with Rest(mm_server.url, mm_server.admin_token) as mine:
            for i in range(share):
                due = start + i / (STRESS_RATE / len(channels))
                if (ahead := due - time.monotonic()) > 0:
                    time.sleep(ahead)
                created[channel_id].append(mine.post(channel_id, f"stress {run}.{i}")["id"])

    started = time.monotonic()
    threads = [
        threading.Thread(target=producer, args=(c, STRESS_POSTS // len(channels), started))
        for c in channels
    ]
    killer = threading.Thread(target=dropper, daemon=True)
    killer.start()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        posting = time.monotonic() - started
        done.set()
        total = sum(len(v) for v in created.values())
        assert total == STRESS_POSTS // len(channels) * len(channels)
        assert col.wait(lambda: sum(len(set(col.post_ids(c))) for c in channels) >= total, 60)
        time.sleep(1.0)  # a late duplicate would show up now
        got = {c: col.post_ids(c) for c in channels}
        delivered = sum(len(set(g)) for g in got.values())
        duplicates = sum(len(g) - len(set(g)) for g in got.values())
        reordered = sum(_inversions(got[c], created[c]) for c in channels)
        with capsys.disabled():
            print(
                f"\nstress run {run}: {delivered}/{total} delivered, {duplicates} duplicates, "
                f"{reordered} reorderings; {total / posting:.0f} posts/s, {drops} drops, "
                f"resumed {listener.resumed}x, missed-events {listener.missed}x "
                f"(catch-up recovered {sum(recovered)})"
            )
        assert duplicates == 0 and reordered == 0 and delivered == total
        assert got == created
    finally:
        done.set()
        listener.close()
        proxy.close()


# -- the asyncio driver against the real server ---------------------------------------


@pytest.mark.parametrize("reconnect", [False, True])
def test_asyncio_driver_wrong_token_fast(
    mm_server: Any, reconnect: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from mattermost_ext.aio_listener import AsyncListener
    from mattermost_ext.listener import AuthenticationError

    async def main() -> dict[str, float]:
        timings = {}
        listener = AsyncListener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
        start = time.monotonic()
        with pytest.raises(AuthenticationError):
            await listener.run_forever()
        timings["run_forever"] = time.monotonic() - start
        await listener.close()
        listener = AsyncListener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
        start = time.monotonic()
        with pytest.raises(AuthenticationError):
            await listener.wait_connected(10)
        timings["wait_connected"] = time.monotonic() - start
        await listener.close()
        listener = AsyncListener(mm_server.url, WRONG_TOKEN, reconnect=reconnect, backoff=FAST)
        start = time.monotonic()
        with pytest.raises(AuthenticationError):
            async for _ in listener.events():
                pass
        timings["events"] = time.monotonic() - start
        await listener.close()
        return timings

    timings = asyncio.run(main())
    with capsys.disabled():
        print(
            f"\nasyncio driver, wrong token, reconnect={reconnect}: AuthenticationError after "
            + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
        )
    assert all(t <= 2.0 for t in timings.values()), timings


def test_asyncio_driver_delivers_typed_posts_across_drops(
    mm_server: Any, rest: Rest, channel: str
) -> None:
    """Through a proxy killed mid-stream: every post once, in order, a typed Post."""
    import asyncio

    from mattermost_api.models.post import Post

    from mattermost_ext.aio_listener import AsyncListener

    host, port = _host_port(mm_server.url)
    proxy = TcpProxy(host, port)
    posts = 60

    async def main() -> tuple[list[str], list[str], int]:
        got: list[str] = []
        created: list[str] = []
        async with AsyncListener(
            f"http://127.0.0.1:{proxy.port}", mm_server.admin_token, backoff=FAST
        ) as listener:

            @listener.on(EventName.POSTED)
            async def posted(event: Event[PostData]) -> None:
                assert isinstance(event.payload.post, Post)
                if event.payload.channel_id == channel:
                    got.append(event.payload.post.id)

            assert await listener.wait_connected(15)
            for i in range(posts):
                created.append((await asyncio.to_thread(rest.post, channel, f"aio {i}"))["id"])
                if i % 15 == 7:
                    proxy.kill()
            deadline = time.monotonic() + 30
            while len(got) < posts and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            return got, created, listener.resumed

    try:
        got, created, resumed = asyncio.run(main())
    finally:
        proxy.close()
    assert got == created and resumed >= 1


@pytest.mark.skipif(
    os.environ.get("MM_ALLOW_RESTART") != "1",
    reason="kills the shared server: set MM_ALLOW_RESTART=1 (managed server only)",
)
def test_kill_9_and_restart_mid_stream(
    mm_server: Any, rest: Rest, channel: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 of the real server mid-stream, then a restart: every post made before, during
    (while the listener cannot reconnect yet) and after the outage arrives once and in
    order, live or by catch-up."""
    import signal

    if not mm_server.managed:
        pytest.skip("the server is not managed by scripts/mmserver.py: cannot kill it")
    mmserver = _load_mmserver()
    host, port = _host_port(mm_server.url)
    proxy = TcpProxy(host, port)
    listener, col = _listener(
        f"http://127.0.0.1:{proxy.port}",
        mm_server.admin_token,
        backoff=Backoff(0.3, 1.0, 1.5, 1, 0.2),
    )
    caught: list[int] = []

    @listener.on(ListenerEvent.MISSED_EVENTS)
    def on_missed(event: Event[MissedEventsData]) -> None:
        caught.append(len(listener.catch_up(event.payload)))

    def post(label: str) -> str:
        deadline = time.monotonic() + 120
        while True:  # the server may be down: retry until it answers
            try:
                return str(rest.post(channel, label)["id"])
            except (httpx.TransportError, httpx.HTTPStatusError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    try:
        before = [post(f"before kill {i}") for i in range(20)]
        assert col.wait(lambda: len(col.post_ids(channel)) >= 20, 20)
        with mmserver._locked():
            state = mmserver.load_state()
            assert state is not None
            os.kill(state["mm_pid"], signal.SIGKILL)
            deadline = time.monotonic() + 10
            while mmserver._alive(state["mm_pid"]) and time.monotonic() < deadline:
                time.sleep(0.05)
            proxy.refuse = True  # the listener stays out while the "during" posts are made
            started = time.monotonic()
            mmserver._restart_locked(state, state.get("rate_limit"), 120)
            outage = time.monotonic() - started
        during = [post(f"during outage {i}") for i in range(20)]
        proxy.refuse = False
        after = [post(f"after outage {i}") for i in range(20)]
        created = before + during + after
        assert col.wait(lambda: len(set(col.post_ids(channel))) >= len(created), 60)
        time.sleep(1.0)
        got = col.post_ids(channel)
        duplicates = len(got) - len(set(got))
        reordered = _inversions(got, created)
        with capsys.disabled():
            print(
                f"\nkill -9 + restart ({outage:.1f} s down): {len(set(got) & set(created))}/"
                f"{len(created)} delivered, {duplicates} duplicates, {reordered} reorderings; "
                f"missed-events {listener.missed}x, catch-up recovered {sum(caught)}"
            )
        assert duplicates == 0 and reordered == 0
        assert got == created
    finally:
        listener.close()
        proxy.close()
