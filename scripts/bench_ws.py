#!/usr/bin/env python3
"""Throughput of the WebSocket listener against a bare websocket-client loop.

A local WebSocket server (the stdlib one from tests/listener/_fake_server.py)
streams N realistic ``posted`` events (a ~1 KB post JSON string in
``data.post``, as Mattermost sends them). Measured, over repeated runs:

- bare:     ``websocket.create_connection`` + ``json.loads(ws.recv())`` per frame
            (``skip_utf8_validation=True`` like the listener; ``json.loads``
            validates UTF-8 anyway). The default-options loop is shown too.
- listener: ``Listener`` decoding each frame into an ``Event`` (seq checked) and
            dispatching it to a handler registered for ``posted``.
- listener+payload: the same handler also reads ``event.payload.post`` (decodes
            the nested post into the generated ``Post`` model): informational.

- asyncio bare: the ``websockets`` library's loop (``async for msg in ws`` + ``json.loads``).
- asyncio listener: ``AsyncListener`` decoding and dispatching ``posted`` the same way.

Prints events/s (median and min-max) and the CPU time of this process per event (steadier
than wall-clock figures on a busy machine), then per driver the ratio listener/bare (of the
median rates; the per-run ratios; the CPU-time ratio) and the goal (>= 0.95x), ``MISSED``
if not met. Runs interleave the loops, so a busy moment hits all of them. Exits 0 whenever
it ran.

    python scripts/bench_ws.py [--events 20000] [--runs 7]
    python scripts/bench_ws.py --many 100     # 100 listeners in one process, per driver

``--many N``: N listeners of each driver (thread: ``Listener``; asyncio: ``AsyncListener``)
in a fresh process each, against the fake Mattermost in another process; prints the
process's threads and RSS once all N are connected.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mattermost_ext.event_names import EventName  # noqa: E402
from mattermost_ext.events import Event  # noqa: E402
from mattermost_ext.listener import Listener  # noqa: E402

GOAL = 0.95
THREAD_BARE = "bare (skip_utf8_validation)"
THREAD_LISTENER = "listener (decode + dispatch)"
AIO_BARE = "asyncio bare (websockets loop)"
AIO_LISTENER = "asyncio listener (decode + dispatch)"
# The baselines decode with json.loads (the raw loop a user writes); the listeners decode
# with orjson (a dependency).  These bare loops with orjson show what the decoder is worth.
THREAD_BARE_ORJSON = "bare + orjson (info)"
AIO_BARE_ORJSON = "asyncio bare + orjson (info)"
TOKEN = "bench-token"
Rate = tuple[float, float]  # events/s (wall clock), CPU seconds of this process per event


def _fake_server() -> ModuleType:
    path = ROOT / "tests" / "listener" / "_fake_server.py"
    spec = importlib.util.spec_from_file_location("_bench_fake_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def realistic_post(i: int) -> str:
    post = {
        "id": f"{i:026d}",
        "create_at": 1_760_000_000_000 + i,
        "update_at": 1_760_000_000_000 + i,
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": False,
        "user_id": "kq9u3hn1gbrjjp1xkh5u3j4ysw",
        "channel_id": "m1yq4bbm8fd6tx5x9kcre1o4so",
        "root_id": "",
        "original_id": "",
        "message": (
            f"Deploy #{i} finished: all 214 checks passed, p95 latency 182 ms, "
            "error budget 99.2 %. See the dashboard for details; ping @oncall if anything "
            "looks off. Next window opens tomorrow 09:00 UTC."
        ),
        "type": "",
        "props": {
            "from_bot": "true",
            "disable_group_highlight": True,
            "attachments": [
                {
                    "fallback": "Deploy finished",
                    "color": "#2eb886",
                    "title": "Release notes",
                    "title_link": "https://ci.example.com/builds/12345",
                    "fields": [
                        {"title": "Service", "value": "payments-api", "short": True},
                        {"title": "Version", "value": "v2.31.4", "short": True},
                    ],
                }
            ],
        },
        "hashtags": "",
        "pending_post_id": "",
        "reply_count": 0,
        "last_reply_at": 0,
        "participants": None,
        "metadata": {"embeds": [], "reactions": [], "priority": {"priority": ""}},
    }
    return json.dumps(post, separators=(",", ":"))


def build_stream(n: int) -> bytes:
    fs = _fake_server()
    frames = [
        fs.encode_frame(
            fs.OP_TEXT,
            json.dumps(
                {
                    "event": "hello",
                    "data": {"server_version": "bench", "connection_id": "b" * 26},
                    "broadcast": {"omit_users": None, "user_id": "u" * 26},
                    "seq": 0,
                }
            ).encode(),
        )
    ]
    for i in range(n):
        msg = {
            "event": "posted",
            "data": {
                "channel_display_name": "Town Square",
                "channel_name": "town-square",
                "channel_type": "O",
                "mentions": '["kq9u3hn1gbrjjp1xkh5u3j4ysw"]',
                "post": realistic_post(i),
                "sender_name": "@deploy-bot",
                "set_online": True,
                "team_id": "h5f8x3bfk3g3tqmz1m5ugtmaxe",
            },
            "broadcast": {
                "omit_users": None,
                "user_id": "",
                "channel_id": "m1yq4bbm8fd6tx5x9kcre1o4so",
                "team_id": "",
                "connection_id": "",
                "omit_connection_id": "",
            },
            "seq": i + 1,
        }
        frames.append(fs.encode_frame(fs.OP_TEXT, json.dumps(msg).encode()))
    return b"".join(frames)


class StreamServer:
    """Runs in a child process (``--serve N``) so it does not share the GIL."""

    def __init__(self, stream: bytes) -> None:
        fs = _fake_server()
        self.stream = stream
        self.server = fs.FakeServer(self._handle)

    def _handle(self, conn: Any) -> None:
        if conn.headers.get("authorization"):
            msg = conn.recv_json()  # the listener's handshake ping
            conn.send_json({"status": "OK", "seq_reply": msg["seq"], "data": {"text": "pong"}})
        view = memoryview(self.stream)
        for start in range(0, len(view), 1 << 20):
            conn.send_raw(bytes(view[start : start + (1 << 20)]))
        try:
            while True:
                conn.recv_message()
        except Exception:
            return

    @property
    def url(self) -> str:
        return str(self.server.url)

    def stop(self) -> None:
        self.server.stop()


class ChildServer:
    def __init__(self, n: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.proc.kill()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.url = line
        self.frame_bytes = int(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def serve(n: int) -> int:
    stream = build_stream(n)
    server = StreamServer(stream)
    print(server.url, flush=True)
    print(len(stream) // n, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


def _loads(fast: bool) -> Callable[[Any], Any]:
    """``json.loads`` (the baseline), or orjson's (what the listeners decode with)."""
    if fast:
        import orjson

        return orjson.loads
    return json.loads


def run_bare(url: str, n: int, *, skip_utf8: bool, fast_json: bool = False) -> Rate:
    ws = websocket.create_connection(
        url.replace("http", "ws", 1) + "/api/v4/websocket", skip_utf8_validation=skip_utf8
    )
    loads = _loads(fast_json)
    recv = ws.recv
    count = 0
    c0, t0 = time.process_time(), time.perf_counter()
    while count < n:
        msg = loads(recv())
        if msg.get("event") == "posted":
            count += 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    ws.close()
    return n / elapsed, cpu / n


def run_listener(url: str, n: int, *, read_payload: bool) -> Rate:
    listener = Listener(url, TOKEN, ping_interval=600)
    done = threading.Event()
    state = {"count": 0, "t0": 0.0, "t1": 0.0, "c0": 0.0, "c1": 0.0}

    def on_connected(event: Event[Any]) -> None:
        state["c0"], state["t0"] = time.process_time(), time.perf_counter()

    def on_posted(event: Event[Any]) -> None:
        state["count"] += 1
        if read_payload:
            event.payload.post  # noqa: B018 - decode the nested post
        if state["count"] == n:
            state["t1"], state["c1"] = time.perf_counter(), time.process_time()
            done.set()

    listener.add_handler("listener_connected", on_connected)
    listener.add_handler(EventName.POSTED, on_posted)
    listener.start()
    done.wait(300)
    listener.close()
    return n / (state["t1"] - state["t0"]), (state["c1"] - state["c0"]) / n


def run_aio_bare(url: str, n: int, fast_json: bool = False) -> Rate:
    """The ``websockets`` library's own loop: ``async for msg in ws`` + ``json.loads``."""
    import asyncio

    from websockets.asyncio.client import connect

    async def go() -> Rate:
        loads = _loads(fast_json)
        count = 0
        async with connect(
            url.replace("http", "ws", 1) + "/api/v4/websocket",
            compression=None,
            max_size=16 * 1024 * 1024,
            proxy=None,
        ) as ws:
            c0, t0 = time.process_time(), time.perf_counter()
            async for raw in ws:
                msg = loads(raw)
                if msg.get("event") == "posted":
                    count += 1
                    if count == n:
                        break
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        return n / elapsed, cpu / n

    return asyncio.run(go())


def run_aio_listener(url: str, n: int) -> Rate:
    """``AsyncListener`` decoding each frame into an ``Event`` and dispatching ``posted``."""
    import asyncio

    from mattermost_ext.aio_listener import AsyncListener

    async def go() -> Rate:
        listener = AsyncListener(url, TOKEN, ping_interval=600)
        done = asyncio.Event()
        state = {"count": 0, "t0": 0.0, "t1": 0.0, "c0": 0.0, "c1": 0.0}

        def on_connected(event: Event[Any]) -> None:
            state["c0"], state["t0"] = time.process_time(), time.perf_counter()

        def on_posted(event: Event[Any]) -> None:
            state["count"] += 1
            if state["count"] == n:
                state["t1"], state["c1"] = time.perf_counter(), time.process_time()
                done.set()

        listener.add_handler("listener_connected", on_connected)
        listener.add_handler(EventName.POSTED, on_posted)
        await listener.start()
        await asyncio.wait_for(done.wait(), 300)
        await listener.close()
        return n / (state["t1"] - state["t0"]), (state["c1"] - state["c0"]) / n

    return asyncio.run(go())


def summarize(label: str, rates: list[Rate]) -> tuple[float, float]:
    """Print and return the median events/s and the median CPU microseconds per event."""
    walls = [r for r, _ in rates]
    med = statistics.median(walls)
    cpu_us = statistics.median(c for _, c in rates) * 1e6
    print(
        f"  {label:<38} median {med:>8,.0f} ev/s   "
        f"min {min(walls):>8,.0f}   max {max(walls):>8,.0f}   CPU {cpu_us:5.1f} us/event"
    )
    return med, cpu_us


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_fake_mattermost() -> int:
    """A FakeMattermost for --many (its threads live in this process, not the measured one)."""
    fake = _fake_server().FakeMattermost(TOKEN)
    print(fake.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    fake.stop()
    return 0


def many_child(driver: str, count: int, url: str) -> int:
    """``count`` listeners of ``driver`` connected at once: print threads and RSS (JSON)."""
    import asyncio

    from mattermost_ext.aio_listener import AsyncListener

    before = _rss_mb()
    start = time.monotonic()
    if driver == "thread":
        listeners = [Listener(url, TOKEN) for _ in range(count)]
        for listener in listeners:
            listener.start()
        assert all(listener.wait_connected(60) for listener in listeners)
        threads = threading.active_count()
        took = time.monotonic() - start
        rss = _rss_mb()
        for listener in listeners:
            listener.close(timeout=1)
    else:

        async def run() -> tuple[int, float, float]:
            alisteners = [AsyncListener(url, TOKEN) for _ in range(count)]
            for listener in alisteners:
                await listener.start()
            ok = await asyncio.gather(*(a.wait_connected(60) for a in alisteners))
            assert all(ok)
            result = (threading.active_count(), time.monotonic() - start, _rss_mb())
            await asyncio.gather(*(a.close() for a in alisteners))
            return result

        threads, took, rss = asyncio.run(run())
    print(json.dumps({"threads": threads, "rss_mb": rss, "base_mb": before, "connect_s": took}))
    return 0


def many(count: int) -> int:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        print(f"bench_ws --many {count}: listeners connected at once, one process per driver")
        for driver in ("thread", "asyncio"):
            out = subprocess.run(
                [sys.executable, __file__, "--many-child", driver, str(count), url],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"  {driver:8} {count} listeners: {r['threads']} threads, RSS {r['rss_mb']:.1f} MB"
                f" ({r['rss_mb'] - r['base_mb']:.1f} MB over the idle process), connected in "
                f"{r['connect_s']:.2f} s"
            )
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--many", type=int, default=0, help="N listeners per driver: threads, RSS")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--many-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)
    if args.serve_fake:
        return serve_fake_mattermost()
    if args.many_child:
        driver, count, url = args.many_child
        return many_child(driver, int(count), url)
    if args.many:
        return many(args.many)
    from websockets.version import version as websockets_version

    n = args.events
    server = ChildServer(n)
    print(
        f"bench_ws: {n} posted events/run ({server.frame_bytes:,} B per frame), "
        f"{args.runs} runs, Python {sys.version.split()[0]}, websocket-client "
        f"{websocket.__version__}, websockets {websockets_version}"
    )
    runners: list[tuple[str, Callable[[], Rate]]] = [
        (THREAD_BARE, lambda: run_bare(server.url, n, skip_utf8=True)),
        (THREAD_LISTENER, lambda: run_listener(server.url, n, read_payload=False)),
        ("listener + payload (Post model)", lambda: run_listener(server.url, n, read_payload=True)),
        (AIO_BARE, lambda: run_aio_bare(server.url, n)),
        (AIO_LISTENER, lambda: run_aio_listener(server.url, n)),
        (THREAD_BARE_ORJSON, lambda: run_bare(server.url, n, skip_utf8=True, fast_json=True)),
        (AIO_BARE_ORJSON, lambda: run_aio_bare(server.url, n, fast_json=True)),
    ]
    results: dict[str, list[Rate]] = {label: [] for label, _ in runners}
    pairs = ((THREAD_LISTENER, THREAD_BARE), (AIO_LISTENER, AIO_BARE))
    per_run: dict[str, list[float]] = {listener: [] for listener, _ in pairs}
    try:
        for _, fn in runners:  # warm-up
            fn()
        for _ in range(args.runs):
            run_rates = {}
            for label, fn in runners:
                run_rates[label] = fn()
                results[label].append(run_rates[label])
            for listener, bare in pairs:
                per_run[listener].append(run_rates[listener][0] / run_rates[bare][0])
        default_rate, _ = run_bare(server.url, min(n, 2000), skip_utf8=False)
    finally:
        server.stop()
    meds = {label: summarize(label, rates) for label, rates in results.items()}
    print(f"  {'bare (default options, 1 run)':<38} {default_rate:>15,.0f} ev/s")
    for (listener, bare), what in zip(
        pairs,
        ("thread listener/bare websocket-client", "asyncio listener/bare websockets"),
        strict=True,
    ):
        ratio = meds[listener][0] / meds[bare][0]
        cpu_ratio = meds[bare][1] / meds[listener][1]
        runs = per_run[listener]
        print(
            f"ratio {what}: {ratio:.2f}x (per-run min {min(runs):.2f}, max {max(runs):.2f}; "
            f"by CPU time {cpu_ratio:.2f}x); goal >= {GOAL}x: "
            f"{'met' if ratio >= GOAL else 'MISSED'}"
        )
    for listener, bare in ((THREAD_LISTENER, THREAD_BARE_ORJSON), (AIO_LISTENER, AIO_BARE_ORJSON)):
        print(
            f"  (info) {listener} / {bare}: {meds[listener][0] / meds[bare][0]:.2f}x "
            f"(by CPU time {meds[bare][1] / meds[listener][1]:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
