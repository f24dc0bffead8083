"""Bulk read against the real local Mattermost (scripts/mmserver.py), for scripts/bench.py.

Seeds a channel ("bench-bulk-10k" in the bootstrap team) with POSTS posts once (threads, the
admin token of .mmserver/server.json; the token is never printed), then reads all of them,
newest to oldest, through ``mattermost_ext.iter_channel_posts`` and through a plain httpx
loop over the same pages (``page`` offsets, ``per_page=200``, ``json.loads``); both read
the same five fields of every post. Rounds alternate; each gives posts/s of both and the
server's CPU share (utime+stime of the Mattermost process from /proc/<pid>/stat, over the
wall time: 1.0 = one core busy) and the client's (process_time over wall time), so the
bottleneck is visible, with PostgreSQL's (postmaster and backends) beside them.

    python scripts/bench_bulk.py [--rounds 3]     # alone; scripts/bench.py runs it too
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".mmserver" / "server.json"
POSTS = 10_000
CHANNEL_NAME = "bench-bulk-10k"
PER_PAGE = 200


def server_state() -> dict[str, Any] | None:
    """The running server's state, or None when no server is up."""
    try:
        state = json.loads(STATE.read_text())
        os.kill(int(state["mm_pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state  # type: ignore[no-any-return]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_seconds(pg_pid: int | None) -> float:
    """CPU seconds of PostgreSQL so far: the postmaster and its backends (children)."""
    if not pg_pid:
        return 0.0
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if stat.parent.name == str(pg_pid) or fields[1] == str(pg_pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _channel(http: Any, state: dict[str, Any]) -> tuple[str, int]:
    """(id, number of posts) of the bench channel, made if missing."""
    team = state["team_id"]
    got = http.get(f"/api/v4/teams/{team}/channels/name/{CHANNEL_NAME}")
    if got.status_code != 200:
        got = http.post(
            "/api/v4/channels",
            json={"team_id": team, "name": CHANNEL_NAME, "display_name": "Bench", "type": "O"},
        )
        got.raise_for_status()
    channel = got.json()
    return str(channel["id"]), int(channel.get("total_msg_count") or 0)


def seed(state: dict[str, Any], log: Callable[[str], None] = print) -> str:
    """The bench channel's id, with at least POSTS posts (created now if missing)."""
    import httpx

    headers = {"Authorization": f"Bearer {state['admin_token']}"}
    with httpx.Client(base_url=state["url"], headers=headers, timeout=60) as http:
        channel_id, have = _channel(http, state)
        missing = POSTS - have
        if missing <= 0:
            return channel_id
        log(f"  seeding {missing} posts into channel {CHANNEL_NAME} (once) ...")
        t0 = time.perf_counter()
        words = "release deploy review merge ticket latency cache rollout incident".split()

        def make(i: int) -> None:
            text = f"bulk post {have + i}: " + " ".join(
                words[(i + k) % len(words)] for k in range(8)
            )
            for _ in range(5):
                got = http.post("/api/v4/posts", json={"channel_id": channel_id, "message": text})
                if got.status_code == 201:
                    return
                time.sleep(0.2)  # 429 or a busy server: try again
            got.raise_for_status()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(make, range(missing)))
        log(f"  seeded in {time.perf_counter() - t0:.1f} s")
        return channel_id


def plain_read(http: Any, urls: list[str]) -> int:
    """The same pages as the helper's walk (its URLs, recorded), by a plain httpx loop with
    ``json.loads``: the five fields of every post read."""
    count = 0
    for url in urls:
        page = json.loads(http.get(url).content)
        posts = page["posts"]
        for pid in page["order"]:
            p = posts[pid]
            _ = p["id"], p["message"], p["create_at"], p["user_id"], p.get("props")
            count += 1
    return count


def helper_read(mm: Any, channel_id: str) -> int:
    from mattermost_ext import iter_channel_posts

    count = 0
    for p in iter_channel_posts(mm, channel_id, direction="backward"):
        _ = p.id, p.message, p.create_at, p.user_id, p.props
        count += 1
    return count


def run(rounds: int, log: Callable[[str], None] = print) -> dict[str, Any] | None:
    """{"ratios", "plain", "helper" (posts/s lists), "server_cpu" (shares), "posts"}, or
    None when no server is up."""
    state = server_state()
    if state is None:
        return None
    import httpx

    from mattermost_ext import Mattermost

    channel_id = seed(state, log)
    pid = int(state["mm_pid"])
    token = state["admin_token"]
    http = httpx.Client(
        base_url=state["url"], headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    mm = Mattermost(state["url"], token=token, timeout=60)
    urls: list[str] = []
    mm.http.event_hooks["request"].append(lambda request: urls.append(str(request.url)))
    posts = helper_read(mm, channel_id)  # warm-up, and the URLs of its walk
    mm.http.event_hooks["request"].clear()
    sides: dict[str, Callable[[], int]] = {
        "plain": lambda: plain_read(http, urls),
        "helper": lambda: helper_read(mm, channel_id),
    }
    sides["plain"]()
    rate: dict[str, list[float]] = {"plain": [], "helper": []}
    share: dict[str, list[float]] = {"plain": [], "helper": []}
    client: dict[str, list[float]] = {"plain": [], "helper": []}
    database: dict[str, list[float]] = {"plain": [], "helper": []}
    pg_pid = state.get("pg_pid")
    for i in range(rounds):
        for key in list(sides) if i % 2 == 0 else list(reversed(sides)):
            g0 = _postgres_seconds(pg_pid)
            c0, t0, p0 = _cpu_seconds(pid), time.perf_counter(), time.process_time()
            sides[key]()
            wall = time.perf_counter() - t0
            rate[key].append(posts / wall)  # the same posts for both: the helper's count
            share[key].append((_cpu_seconds(pid) - c0) / wall)
            client[key].append((time.process_time() - p0) / wall)
            database[key].append((_postgres_seconds(pg_pid) - g0) / wall)
    http.close()
    mm.close()
    ratios = [h / p for h, p in zip(rate["helper"], rate["plain"], strict=True)]
    return {
        "ratios": ratios, "rate": rate, "server_cpu": share, "client_cpu": client,
        "postgres_cpu": database,
        "posts": posts, "pages": len(urls),
    }  # fmt: skip


def describe(result: dict[str, Any]) -> str:
    med = statistics.median
    rate, cpu, client = result["rate"], result["server_cpu"], result["client_cpu"]
    database = result["postgres_cpu"]

    def side(key: str) -> str:
        return (
            f"{med(rate[key]):,.0f} posts/s (CPU share: Mattermost {med(cpu[key]):.2f}, "
            f"PostgreSQL {med(database[key]):.2f}, client {med(client[key]):.2f} core)"
        )

    return (
        f"  {result['posts']} posts in {result['pages']} pages: plain httpx {side('plain')}\n"
        f"  {'':>{len(str(result['posts'])) + 14}}iter_channel_posts {side('helper')}"
    )


def main() -> int:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    result = run(rounds)
    if result is None:
        print("no server (start one with scripts/mmserver.py up)")
        return 0
    print(describe(result))
    print(f"  ratio helper/plain {statistics.median(result['ratios']):.2f}x (goal >= 0.95x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
