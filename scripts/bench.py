#!/usr/bin/env python3
"""Speed and weight of the generated client against plain httpx (issue 8).

A local HTTP/1.1 keep-alive server (stdlib ThreadingHTTPServer, in a thread of a
child process so that it does not share the benchmark's GIL; 127.0.0.1 only)
serves realistic Mattermost payloads (scripts/bench_payloads.py): an ~800-byte
user for ``GET /api/v4/users/me`` and a 200-post ``PostList`` page (~1.5 KB per
post) for ``GET /api/v4/channels/{id}/posts``. Measured side by side in the same
run, each over repeated rounds (median and spread):

- import: fresh interpreters running "import the client class and one endpoint
  module, build a client" against ``import httpx``; wall time of ``python -c``
  minus that of ``python -c pass``; bytecode is cached in a temporary
  PYTHONPYCACHEPREFIX (warmed first) as an installed package would have it.
- GET users/me in a loop: ``get_user.sync("me")`` against ``httpx.Client.get``
  + ``json.loads``; ratio is throughput (plain time / our time).
- GET a 200-post page: ``get_posts_for_channel.sync`` (typed ``PostList``)
  against ``httpx.Client.get`` + ``json.loads`` of the same page. An
  informational line also reads every post's fields (typed attributes against
  dict lookups).
- memory after import + one ``users/me`` call, in a fresh interpreter:
  tracemalloc (Python allocations) and RSS growth, against plain httpx.
- WebSocket listener against a bare websocket-client loop, by
  scripts/bench_ws.py when it exists (its ratio line).

Prints one line per goal with the measured ratio and the goal, ``MISSED`` where a
goal is not met. Exits 0 whenever it ran. Not a test: numbers depend on the
machine; only the ratios are compared.

    python scripts/bench.py [--rounds 9] [--quick] [--no-ws] [--no-orjson]
        [--only import|loops|memory|ws]...

(--no-orjson applies to the request loops, which run in this process.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "generated"))

import bench_payloads  # noqa: E402

TOKEN = "bench-token"
CHANNEL_ID = "4xp9fdt77pncbef59f4k1qe83o"
POSTS_PATH = f"/api/v4/channels/{CHANNEL_ID}/posts"
POSTS_PARAMS = {"page": 0, "per_page": 60, "include_deleted": False}

# ---------------------------------------------------------------- server ---


def _routes() -> dict[str, bytes]:
    return {
        "/api/v4/users/me": bench_payloads.encode(bench_payloads.user()),
        POSTS_PATH: bench_payloads.encode(bench_payloads.post_list(200)),
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as Go's net/http: no 40 ms delayed-ACK stalls
    routes: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.routes.get(self.path.partition("?")[0])
        if body is None:
            body = b'{"id":"api.context.404.app_error","message":"not found","status_code":404}'
            self.send_response(404)
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
        buffer.append(b"\r\n")  # headers and body in one write
        buffer.append(body)
        self.flush_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> int:
    """Child process: serve on an ephemeral loopback port until stdin closes."""
    _Handler.routes = _routes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()
    return 0


class ChildServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------ statistics ---


class Result:
    def __init__(
        self, label: str, ratios: list[float], goal: float, higher_is_better: bool, note: str = ""
    ) -> None:
        self.label, self.ratios, self.goal = label, ratios, goal
        self.higher_is_better, self.note = higher_is_better, note

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def met(self) -> bool:
        return self.median >= self.goal if self.higher_is_better else self.median <= self.goal

    def line(self) -> str:
        lo, hi = _quartiles(self.ratios)
        goal = f"{'>=' if self.higher_is_better else '<='} {self.goal:.2f}x"
        if self.goal == 0:
            goal, verdict = "(info)", ""
        else:
            verdict = "met" if self.met else "MISSED"
        spread = f"IQR {lo:.2f}-{hi:.2f}, n={len(self.ratios)}"
        return f"{self.label:<62} {self.median:>6.2f}x  ({spread:<19}) {goal:<9} {verdict}"


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def _ms(values: list[float]) -> str:
    lo, hi = _quartiles(values)
    return f"{statistics.median(values) * 1e3:8.3f} ms (IQR {lo * 1e3:.3f}-{hi * 1e3:.3f})"


# ---------------------------------------------------------------- import ---

IMPORT_PASS = "pass"
IMPORT_HTTPX = "import httpx"
IMPORT_OURS = (
    "from mattermost_api import AuthenticatedClient\n"
    "from mattermost_api.api.users import get_user\n"
    "AuthenticatedClient(base_url='http://127.0.0.1:1', token='t')"
)
# The facade plus one namespaced operation (issue 13's mm.<tag>.<op>) when this branch has
# namespaces; else the facade plus the generated endpoint module (the line says so).
IMPORT_FACADE = (
    "from mattermost_ext import Mattermost\n"
    "mm = Mattermost('http://127.0.0.1:1', token='t')\n"
    "op = getattr(getattr(mm, 'users', None), 'get_user', None)\n"
    "if op is None:\n"
    "    from mattermost_api.api.users import get_user\n"
    "print('namespaces' if op is not None else 'no-namespaces')"
)
TIMED = "import time as _t\n_t0 = _t.perf_counter()\n{code}\nprint(_t.perf_counter() - _t0)"
# httpx imports its command-line client's dependencies (click, rich, pygments) whenever they
# are installed: this dev environment has them (typer, mkdocs), a user's install of this
# package does not.  Measured both ways; the second blocks them in every child (also in
# `pass`), so `import httpx` costs there what it costs a user.
NO_HTTPX_CLI = 'import sys; sys.modules.update(dict.fromkeys(("click", "rich", "pygments")))\n'


def _child_env(pycache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONPATH"] = str(ROOT / "generated")
    return env


def _run_timed(code: str, env: dict[str, str], prefix: str = "") -> tuple[float, float]:
    """(wall seconds of the whole interpreter, seconds measured inside around `code`)."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", prefix + TIMED.format(code=code)],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    wall = time.perf_counter() - t0
    return wall, float(out.split()[-1])


def bench_import(rounds: int, pycache: str) -> list[Result | str]:
    env = _child_env(pycache)
    probe = subprocess.run(
        [sys.executable, "-c", IMPORT_FACADE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    namespaces = probe[-1] == "namespaces"
    out: list[Result | str] = []
    for prefix, where in (("", "httpx CLI deps installed"), (NO_HTTPX_CLI, "a user's install")):
        out += _bench_import_in(rounds, env, prefix, where, namespaces)
    return out


def _bench_import_in(
    rounds: int, env: dict[str, str], prefix: str, where: str, namespaces: bool
) -> list[Result | str]:
    snippets = {
        "pass": IMPORT_PASS, "httpx": IMPORT_HTTPX, "ours": IMPORT_OURS, "facade": IMPORT_FACADE,
    }  # fmt: skip
    for code in snippets.values():  # warm the bytecode cache and the OS file cache
        for _ in range(2):
            _run_timed(code, env, prefix)
    wall: dict[str, list[float]] = {k: [] for k in snippets}
    inner: dict[str, list[float]] = {k: [] for k in snippets}
    for i in range(rounds):
        order = list(snippets) if i % 2 == 0 else list(reversed(snippets))
        for key in order:
            w, t = _run_timed(snippets[key], env, prefix)
            wall[key].append(w)
            inner[key].append(t)
    start = statistics.median(wall["pass"])
    ratios = [(o - start) / (h - start) for o, h in zip(wall["ours"], wall["httpx"], strict=True)]
    inner_ratios = [o / h for o, h in zip(inner["ours"], inner["httpx"], strict=True)]
    facade = [(o - start) / (h - start) for o, h in zip(wall["facade"], wall["httpx"], strict=True)]
    inner_facade = [o / h for o, h in zip(inner["facade"], inner["httpx"], strict=True)]
    print(f"  [{where}]")
    print(f"  python -c pass            {_ms(wall['pass'])}")
    print(f"  python -c 'import httpx'  {_ms(wall['httpx'])}")
    print(f"  python -c client+endpoint {_ms(wall['ours'])}")
    print(f"  python -c Mattermost+op   {_ms(wall['facade'])}")
    print(f"  in-process: httpx {_ms(inner['httpx'])}, client+endpoint {_ms(inner['ours'])}")
    print(f"              Mattermost+op {_ms(inner['facade'])}")
    out: list[Result | str] = []
    tail = f" [{where}]"
    if namespaces:
        out.append(
            Result("import Mattermost + mm.users.get_user / httpx" + tail, facade, 1.2, False)
        )
    else:
        out.append(f"{'import Mattermost + namespaced op / httpx':<62} namespaces not available")
        out.append(Result("  import Mattermost + endpoint module / httpx", facade, 1.2, False))
    return [
        *out,
        Result("  same, timed inside the interpreter", inner_facade, 0, False),
        Result("import generated client+endpoint / httpx" + tail, ratios, 1.2, False),
        Result("  same, timed inside the interpreter", inner_ratios, 0, False),
    ]


# ----------------------------------------------------------------- loops ---


def _rounds(
    rounds: int, plain: Callable[[int], Any], ours: Callable[[int], Any], n: int
) -> tuple[list[float], list[float], list[float], str]:
    """Per-round throughput ratios (plain time / our time), per-call wall times, and a line
    on the client process's CPU time (less disturbed than wall time by the load of other
    processes on the machine). `plain(n)` and `ours(n)` each make n calls."""
    plain(max(3, n // 10))  # warm-up: connections, imports, caches
    ours(max(3, n // 10))
    plain_t: list[float] = []
    ours_t: list[float] = []
    cpu: dict[str, list[float]] = {"plain": [], "ours": []}
    for i in range(rounds):
        pair = [(plain, plain_t, "plain"), (ours, ours_t, "ours")]
        for fn, sink, key in pair if i % 2 == 0 else reversed(pair):
            t0, c0 = time.perf_counter(), time.process_time()
            fn(n)
            sink.append((time.perf_counter() - t0) / n)
            cpu[key].append((time.process_time() - c0) / n)
    ratios = [p / o for p, o in zip(plain_t, ours_t, strict=True)]
    cpu_ratios = [p / o for p, o in zip(cpu["plain"], cpu["ours"], strict=True)]
    lo, hi = _quartiles(cpu_ratios)
    cpu_line = (
        f"            client CPU: plain {statistics.median(cpu['plain']) * 1e3:.3f} ms, "
        f"ours {statistics.median(cpu['ours']) * 1e3:.3f} ms, ratio "
        f"{statistics.median(cpu_ratios):.2f}x (IQR {lo:.2f}-{hi:.2f})"
    )
    return ratios, plain_t, ours_t, cpu_line


def _times(fn: Callable[[], Any]) -> Callable[[int], None]:
    def batch(n: int) -> None:
        for _ in range(n):
            fn()

    return batch


def _atimes(loop: Any, fn: Callable[[], Any]) -> Callable[[int], None]:
    async def many(n: int) -> None:
        for _ in range(n):
            await fn()

    return lambda n: loop.run_until_complete(many(n))


# What the read lines read. Five fields, as a caller listing messages does; and every
# declared field of every post and of its metadata (one level: the lists are read whole).
POST_FIVE = ("id", "message", "create_at", "user_id", "props")


def read_five_plain(page: Any) -> None:
    posts = page["posts"]
    for pid in page["order"]:
        p = posts[pid]
        _ = p["id"], p["message"], p["create_at"], p["user_id"], p.get("props")


def read_five_typed(page: Any) -> None:
    posts = page.posts
    for pid in page.order:
        p = posts[pid]
        _ = p.id, p.message, p.create_at, p.user_id, p.props


def read_all_plain(page: Any) -> None:
    posts = page["posts"]
    for pid in page["order"]:
        p = posts[pid]
        _ = (
            p["id"], p["create_at"], p["update_at"], p["delete_at"], p["edit_at"],
            p["user_id"], p["channel_id"], p["root_id"], p["message"], p["type"],
            p.get("original_id"), p.get("props"), p.get("hashtag"), p.get("file_ids"),
            p.get("pending_post_id"),
        )  # fmt: skip
        m = p.get("metadata")
        if m is not None:
            _ = (
                m.get("embeds"), m.get("emojis"), m.get("files"), m.get("images"),
                m.get("reactions"), m.get("priority"), m.get("acknowledgements"),
            )  # fmt: skip


def read_all_typed(page: Any) -> None:
    posts = page.posts
    for pid in page.order:
        p = posts[pid]
        _ = (
            p.id, p.create_at, p.update_at, p.delete_at, p.edit_at,
            p.user_id, p.channel_id, p.root_id, p.message, p.type_,
            p.original_id, p.props, p.hashtag, p.file_ids,
            p.pending_post_id,
        )  # fmt: skip
        m = p.metadata
        if m:
            _ = (
                m.embeds, m.emojis, m.files, m.images,
                m.reactions, m.priority, m.acknowledgements,
            )  # fmt: skip


def _facade_options(flavour: type) -> tuple[dict[str, Any], str]:
    """Options that switch the client-side rate limiter on, when this branch has one."""
    import typing

    from mattermost_ext import client as facade

    hints = typing.get_type_hints(facade.FacadeOptions)
    if "rate_limit" not in hints:
        return {}, "rate limiter: not available on this branch"
    for value in (1000.0, 1000, True):  # generous: switched on, never the bottleneck
        try:
            flavour("http://127.0.0.1:1", token=TOKEN, rate_limit=value)
        except (TypeError, ValueError):
            continue
        return {"rate_limit": value}, f"rate limiter: on (rate_limit={value!r})"
    return {}, "rate limiter: could not be switched on (no accepted rate_limit value)"


def bench_loops(url: str, rounds: int, scale: float) -> list[Result | str]:
    import asyncio

    import httpx
    from mattermost_api import AuthenticatedClient
    from mattermost_api.api.posts import get_posts_for_channel
    from mattermost_api.api.users import get_user
    from mattermost_api.models import PostList, User

    from mattermost_ext import AsyncMattermost, Mattermost

    headers = {"Authorization": f"Bearer {TOKEN}"}
    plain = httpx.Client(base_url=url, headers=headers)
    client = AuthenticatedClient(base_url=url, token=TOKEN)
    options, limiter = _facade_options(Mattermost)
    mm = Mattermost(url, token=TOKEN, **options)
    loop = asyncio.new_event_loop()
    aplain = httpx.AsyncClient(base_url=url, headers=headers)
    amm = AsyncMattermost(url, token=TOKEN, **_facade_options(AsyncMattermost)[0])
    results: list[Result | str] = []
    n_me = max(20, int(400 * scale))
    n_posts = max(5, int(40 * scale))

    def line(title: str, p: list[float], o: list[float], cpu: str) -> None:
        print(f"  {title:<22} plain {_ms(p)}   ours {_ms(o)}\n{cpu}")

    def plain_me() -> None:
        json.loads(plain.get("/api/v4/users/me").content)

    def ours_me() -> None:
        assert isinstance(get_user.sync("me", client=client), User)

    def facade_me() -> None:
        assert isinstance(mm.me(), User)

    async def aplain_me() -> None:
        json.loads((await aplain.get("/api/v4/users/me")).content)

    async def afacade_me() -> None:
        assert isinstance(await amm.me(), User)

    print(f"  {limiter}")
    ratios, p, o, cpu = _rounds(rounds, _times(plain_me), _times(facade_me), n_me)
    line("users/me Mattermost", p, o, cpu)
    results.append(Result("GET users/me: Mattermost.me() / httpx", ratios, 0.97, True))
    ratios, p, o, cpu = _rounds(rounds, _atimes(loop, aplain_me), _atimes(loop, afacade_me), n_me)
    line("users/me async", p, o, cpu)
    results.append(Result("  same, async (AsyncMattermost / AsyncClient)", ratios, 0.97, True))
    ratios, p, o, cpu = _rounds(rounds, _times(plain_me), _times(ours_me), n_me)
    line("users/me generated", p, o, cpu)
    results.append(Result("  same, bare generated get_user.sync", ratios, 0, True))

    def plain_posts() -> Any:
        return json.loads(plain.get(POSTS_PATH, params=POSTS_PARAMS).content)

    def ours_posts() -> Any:
        page = get_posts_for_channel.sync(CHANNEL_ID, client=client)
        assert isinstance(page, PostList)
        return page

    async def aplain_posts() -> Any:
        return json.loads((await aplain.get(POSTS_PATH, params=POSTS_PARAMS)).content)

    async def aours_posts() -> Any:
        page = await get_posts_for_channel.asyncio(CHANNEL_ID, client=client)
        assert isinstance(page, PostList)
        return page

    ratios, p, o, cpu = _rounds(rounds, _times(plain_posts), _times(ours_posts), n_posts)
    line("200 posts parsed", p, o, cpu)
    results.append(Result("GET 200-post PostList: typed / json.loads", ratios, 1.0, True))

    for title, label, goal, read_p, read_o in (
        ("+ read 5 fields", "  same, then reading 5 fields of every post", 0.95,
         read_five_plain, read_five_typed),
        ("+ read all fields", "  same, then reading every field", 0.8,
         read_all_plain, read_all_typed),
    ):  # fmt: skip

        def plain_read(read: Callable[[Any], None] = read_p) -> None:
            read(plain_posts())

        def ours_read(read: Callable[[Any], None] = read_o) -> None:
            read(ours_posts())

        ratios, p, o, cpu = _rounds(rounds, _times(plain_read), _times(ours_read), n_posts)
        line(title, p, o, cpu)
        results.append(Result(label, ratios, goal, True))

    async def aread_plain() -> None:
        read_five_plain(await aplain_posts())

    async def aread_ours() -> None:
        read_five_typed(await aours_posts())

    ratios, p, o, cpu = _rounds(
        rounds, _atimes(loop, aread_plain), _atimes(loop, aread_ours), n_posts
    )
    line("async + read 5 fields", p, o, cpu)
    results.append(Result("  same, async, reading 5 fields", ratios, 0.95, True))
    plain.close()
    mm.close()
    loop.run_until_complete(aplain.aclose())
    loop.run_until_complete(amm.aclose())
    loop.run_until_complete(client.get_async_httpx_client().aclose())
    loop.close()
    return results


# ---------------------------------------------------------------- memory ---

MEM_PLAIN = (
    "import httpx, json\n"
    "c = httpx.Client(base_url={url!r}, headers={{'Authorization': 'Bearer t'}})\n"
    "result = json.loads(c.get('/api/v4/users/me').content)"
)
MEM_OURS = (
    "from mattermost_api import AuthenticatedClient\n"
    "from mattermost_api.api.users import get_user\n"
    "c = AuthenticatedClient(base_url={url!r}, token='t')\n"
    "result = get_user.sync('me', client=c)"
)
MEM_FACADE = (
    "from mattermost_ext import Mattermost\n"
    "c = Mattermost({url!r}, token='t')\n"
    "result = c.me()"
)
MEM_PROBE = """
import gc, os, sys
def _rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
if sys.argv[1] == 'trace':
    import tracemalloc
    tracemalloc.start()
_r0 = _rss()
{code}
gc.collect()
if sys.argv[1] == 'trace':
    print(tracemalloc.get_traced_memory()[0])
else:
    print(_rss() - _r0)
"""


def bench_memory(url: str, rounds: int, pycache: str) -> list[Result | str]:
    out: list[Result | str] = []
    for prefix, where in (("", "httpx CLI deps installed"), (NO_HTTPX_CLI, "a user's install")):
        out += _bench_memory_in(url, rounds, pycache, prefix, where)
    return out


def _bench_memory_in(
    url: str, rounds: int, pycache: str, prefix: str, where: str
) -> list[Result | str]:
    env = _child_env(pycache)
    codes = {
        "plain": prefix + MEM_PLAIN.format(url=url),
        "ours": prefix + MEM_OURS.format(url=url),
        "facade": prefix + MEM_FACADE.format(url=url),
    }

    def run(key: str, mode: str) -> int:
        probe = MEM_PROBE.format(code=codes[key])
        cmd = [sys.executable, "-c", probe, mode]
        return int(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)

    for key in codes:
        run(key, "rss")
    traced: dict[str, list[int]] = {key: [] for key in codes}
    rss: dict[str, list[int]] = {key: [] for key in codes}
    for _ in range(rounds):
        for key in codes:
            traced[key].append(run(key, "trace"))
            rss[key].append(run(key, "rss"))
    print(f"  [{where}]")
    for key in codes:
        print(
            f"  {key:<6} tracemalloc {statistics.median(traced[key]) / 1e6:6.2f} MB   "
            f"RSS growth {statistics.median(rss[key]) / 1e6:6.2f} MB"
        )
    t_ratios = [o / p for o, p in zip(traced["ours"], traced["plain"], strict=True)]
    r_ratios = [o / p for o, p in zip(rss["ours"], rss["plain"], strict=True)]
    f_ratios = [o / p for o, p in zip(traced["facade"], traced["plain"], strict=True)]
    fr_ratios = [o / p for o, p in zip(rss["facade"], rss["plain"], strict=True)]
    tail = f" [{where}]"
    return [
        Result("memory after import+call: tracemalloc" + tail, t_ratios, 1.2, False),
        Result("memory after import+call: RSS growth" + tail, r_ratios, 1.2, False),
        Result("  Mattermost + me(): tracemalloc" + tail, f_ratios, 1.2, False),
        Result("  Mattermost + me(): RSS growth" + tail, fr_ratios, 1.2, False),
    ]


# ------------------------------------------------------------------ bulk ---


def bench_bulk(rounds: int) -> list[Result | str]:
    import bench_bulk as bulk

    result = bulk.run(rounds)
    if result is None:
        return [f"{'bulk read, real server: helper / plain':<62} no server"]
    print(bulk.describe(result))
    return [Result("bulk read, real server: helper / plain", result["ratios"], 0.95, True)]


# ------------------------------------------------------------- websocket ---


def bench_ws(quick: bool) -> list[Result | str]:
    script = ROOT / "scripts" / "bench_ws.py"
    if not script.exists():
        print("  scripts/bench_ws.py not found: skipped")
        return []
    args = ["--events", "3000", "--runs", "3"] if quick else ["--events", "10000", "--runs", "5"]
    try:
        proc = subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        print("  scripts/bench_ws.py timed out")
        return []
    pattern = re.compile(
        r"ratio (.+?): ([\d.]+)x \(per-run min ([\d.]+), max ([\d.]+)[;)].*goal >= ([\d.]+)"
    )
    lines = [x for x in proc.stdout.splitlines() if x.startswith("ratio")]
    matches = [m for m in map(pattern.search, lines) if m]
    if proc.returncode != 0 or not matches:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        print(f"  scripts/bench_ws.py gave no ratio (exit {proc.returncode}): {' | '.join(tail)}")
        return []
    out: list[Result | str] = []
    for line, match in zip(lines, matches, strict=False):
        print(f"  bench_ws: {line}")
        what = match.group(1)
        med, lo, hi, goal = (float(g) for g in match.groups()[1:])
        out.append(Result(f"WebSocket {what} (bench_ws.py)", [lo, med, hi], goal, True))
    for info in (x for x in proc.stdout.splitlines() if x.strip().startswith("(info)")):
        print(f"  bench_ws: {info.strip()}")
    return out


# ------------------------------------------------------------------ main ---


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds per measurement")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--no-ws", action="store_true", help="skip scripts/bench_ws.py")
    parser.add_argument(
        "--only", choices=["import", "loops", "memory", "bulk", "ws"], action="append"
    )
    parser.add_argument(
        "--no-orjson", action="store_true", help="measure the standard-library JSON fallback"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve()
    if args.no_orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # import orjson now fails
    rounds = 5 if args.quick else args.rounds
    scale = 0.4 if args.quick else 1.0
    only = set(args.only or ["import", "loops", "memory", "bulk"] + ([] if args.no_ws else ["ws"]))
    import httpx

    try:
        from mattermost_api import types

        types.json_loads(b"{}")
        backend = getattr(types, "JSON_BACKEND", "?")
    except (ImportError, AttributeError):
        backend = "json (response.json())"
    print(
        f"bench: Python {sys.version.split()[0]}, httpx {httpx.__version__}, "
        f"JSON decoder {backend}, {rounds} rounds, "
        f"{os.cpu_count()} CPUs"
    )
    results: list[Result | str] = []

    def section(title: str, fn: Callable[[], Sequence[Result | str]]) -> None:
        print(title)
        try:
            results.extend(fn())
        except Exception as exc:  # report it and go on with the other measurements
            print(f"  failed: {type(exc).__name__}: {exc}")
            results.append(f"{title.split()[0]:<62} failed ({type(exc).__name__}) MISSED")

    server = ChildServer()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
            if "import" in only:
                section(
                    "import (fresh interpreters):",
                    lambda: bench_import(max(rounds * 3, 15), pycache),
                )
            if "loops" in only:
                section(
                    "request loops (per request):",
                    lambda: bench_loops(server.url, rounds, scale),
                )
            if "memory" in only:
                section(
                    "memory (fresh interpreters):",
                    lambda: bench_memory(server.url, max(3, rounds // 2), pycache),
                )
    finally:
        server.stop()
    if "bulk" in only:
        section("bulk read, real server (scripts/bench_bulk.py):", lambda: bench_bulk(3))
    if "ws" in only:
        section("websocket:", lambda: bench_ws(args.quick))
    print()
    print(f"{'goal':<62} {'ratio':>7}  {'spread':<21} {'target':<9}")
    for result in results:
        print(result if isinstance(result, str) else result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
