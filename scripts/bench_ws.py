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

Prints events/s (median and min-max), the ratio listener/bare and the goal
(>= 0.9x), ``MISSED`` if not met. Exits 0 whenever it ran.

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

GOAL = 0.9
TOKEN = "bench-token"


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


def run_bare(url: str, n: int, *, skip_utf8: bool) -> float:
    ws = websocket.create_connection(
        url.replace("http", "ws", 1) + "/api/v4/websocket", skip_utf8_validation=skip_utf8
    )
    loads = json.loads
    recv = ws.recv
    count = 0
    t0 = time.perf_counter()
    while count < n:
        msg = loads(recv())
        if msg.get("event") == "posted":
            count += 1
    elapsed = time.perf_counter() - t0
    ws.close()
    return n / elapsed


def run_listener(url: str, n: int, *, read_payload: bool) -> float:
    listener = Listener(url, TOKEN, ping_interval=600)
    done = threading.Event()
    state = {"count": 0, "t0": 0.0, "t1": 0.0}

    def on_connected(event: Event[Any]) -> None:
        state["t0"] = time.perf_counter()

    def on_posted(event: Event[Any]) -> None:
        state["count"] += 1
        if read_payload:
            event.payload.post  # noqa: B018 - decode the nested post
        if state["count"] == n:
            state["t1"] = time.perf_counter()
            done.set()

    listener.add_handler("listener_connected", on_connected)
    listener.add_handler(EventName.POSTED, on_posted)
    listener.start()
    done.wait(300)
    listener.close()
    return n / (state["t1"] - state["t0"])


def summarize(label: str, rates: list[float]) -> float:
    med = statistics.median(rates)
    print(
        f"  {label:<34} median {med:>9,.0f} ev/s   "
        f"min {min(rates):>9,.0f}   max {max(rates):>9,.0f}   (n={len(rates)})"
    )
    return med


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
    n = args.events
    server = ChildServer(n)
    print(
        f"bench_ws: {n} posted events/run ({server.frame_bytes:,} B per frame), "
        f"{args.runs} runs, Python {sys.version.split()[0]}, websocket-client "
        f"{websocket.__version__}"
    )
    runners: list[tuple[str, Callable[[], float]]] = [
        ("bare (skip_utf8_validation)", lambda: run_bare(server.url, n, skip_utf8=True)),
        ("listener (decode + dispatch)", lambda: run_listener(server.url, n, read_payload=False)),
        ("listener + payload (Post model)", lambda: run_listener(server.url, n, read_payload=True)),
    ]
    results: dict[str, list[float]] = {label: [] for label, _ in runners}
    ratios: list[float] = []
    try:
        for _ in range(1):  # warm-up
            for _, fn in runners:
                fn()
        for _ in range(args.runs):
            run_rates = {}
            for label, fn in runners:
                rate = fn()
                results[label].append(rate)
                run_rates[label] = rate
            ratios.append(
                run_rates["listener (decode + dispatch)"] / run_rates["bare (skip_utf8_validation)"]
            )
        default_rate = run_bare(server.url, min(n, 2000), skip_utf8=False)
    finally:
        server.stop()
    meds = {label: summarize(label, rates) for label, rates in results.items()}
    print(f"  {'bare (default options, 1 run)':<34} {default_rate:>16,.0f} ev/s")
    ratio = meds["listener (decode + dispatch)"] / meds["bare (skip_utf8_validation)"]
    print(
        f"ratio listener/bare: {ratio:.2f}x (per-run min {min(ratios):.2f}, "
        f"max {max(ratios):.2f}); goal >= {GOAL}x: {'met' if ratio >= GOAL else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
