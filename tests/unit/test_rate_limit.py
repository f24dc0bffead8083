"""The rate limiter's core against a simulated GCRA server (throttled's arithmetic), fake clock.

The simulation is an event queue: callers wake, ask the limiter, send; the server decides at
``send + latency`` exactly as Mattermost's limiter does (``MaxBurst + 1`` at once, one per
``1/PerSec`` after, the same four headers); the caller learns the answer ``latency`` later.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

import httpx
import pytest

from mattermost_ext import Mattermost
from mattermost_ext.rate_limit import RateLimiter, RateLimitTransport


@dataclass
class Gcra:
    """throttled's GCRARateLimiter for one key, with the headers it writes."""

    per_sec: float
    burst: int
    tat: float = -math.inf

    def decide(self, now: float) -> tuple[int, dict[str, str]]:
        interval = 1.0 / self.per_sec
        limit = self.burst + 1
        tolerance = interval * limit
        tat = max(self.tat, now)
        new_tat = tat + interval
        headers = {"X-Ratelimit-Limit": str(limit)}
        if new_tat - tolerance > now:
            ttl = tat - now
            headers["Retry-After"] = str(math.ceil(new_tat - tolerance - now))
            status = 429
        else:
            self.tat = new_tat
            ttl = new_tat - now
            status = 200
        slack = tolerance - ttl
        headers["X-Ratelimit-Remaining"] = str(int(slack / interval)) if slack > -interval else "0"
        headers["X-Ratelimit-Reset"] = str(math.ceil(ttl))
        return status, headers


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    kind: str = field(compare=False)
    caller: int = field(compare=False)


def simulate(
    calls: int,
    callers: int,
    per_sec: float,
    burst: int,
    latency: float = 0.005,
    jitter: float = 0.0,
) -> tuple[float, int, RateLimiter]:
    """``calls`` requests spread over ``callers`` concurrent callers, each retrying a 429
    after ``Retry-After`` (as RateLimitPolicy does); returns (wall time, 429s, limiter)."""
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    server = Gcra(per_sec, burst)
    rng = random.Random(f"{calls}/{callers}/{per_sec}/{burst}/{latency}/{jitter}")
    queue: list[_Event] = []
    seq = 0
    todo = [calls // callers + (1 if i < calls % callers else 0) for i in range(callers)]
    tickets = {}

    def push(at: float, kind: str, caller: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(queue, _Event(at, seq, kind, caller))

    for caller in range(callers):
        if todo[caller]:
            push(0.0, "start", caller)
    rejected = 0
    done = 0
    pending: dict[int, tuple[int, dict[str, str]]] = {}
    while queue:
        event = heapq.heappop(queue)
        clock.now = event.at
        caller = event.caller
        if event.kind == "start":
            tickets[caller] = limiter.reserve()
            push(clock.now, "ask", caller)
        elif event.kind == "ask":
            wait = limiter.wait_for(tickets[caller])
            if wait > 0:
                push(clock.now + wait, "ask", caller)
            else:
                push(clock.now + latency * rng.uniform(1 - jitter, 1 + jitter), "server", caller)
        elif event.kind == "server":
            pending[caller] = server.decide(clock.now)
            push(clock.now + latency * rng.uniform(1 - jitter, 1 + jitter), "answer", caller)
        else:
            status, headers = pending.pop(caller)
            limiter.observe(status, headers, tickets[caller])
            if status == 429:
                rejected += 1
                push(clock.now + float(headers["Retry-After"]), "start", caller)
                continue
            done += 1
            todo[caller] -= 1
            if todo[caller]:
                push(clock.now, "start", caller)
    assert done == calls
    return clock.now, rejected, limiter


@pytest.mark.parametrize("callers", [1, 10, 200])
@pytest.mark.parametrize(
    ("per_sec", "burst"), [(5, 5), (2, 3), (10, 3), (1, 2), (3, 10), (20, 50), (100, 100)]
)
def test_paces_to_the_floor(callers: int, per_sec: int, burst: int) -> None:
    calls = 200
    wall, rejected, limiter = simulate(calls, callers, per_sec, burst, latency=0.005)
    # the server's floor, or the round trips of one caller's share
    floor = max((calls - (burst + 1)) / per_sec, 0.01 * math.ceil(calls / callers))
    assert wall <= floor * 1.05 + 0.5, (wall, floor, rejected)
    # learning leans to the fast side (the server's count corrects it): a few 429s while it
    # measures, more of them at a slow rate, where measuring takes longer
    assert rejected <= max(3, 8 // per_sec), rejected
    snapshot = limiter.snapshot()
    assert snapshot.enabled and snapshot.limit == burst + 1
    if floor > 2:  # enough time to measure the interval
        assert snapshot.interval == pytest.approx(1 / per_sec, rel=0.02)


@pytest.mark.parametrize("callers", [1, 10, 200])
def test_fractional_rate(callers: int) -> None:
    wall, rejected, _ = simulate(200, callers, per_sec=2.5, burst=2)
    floor = (200 - 3) / 2.5
    assert wall <= floor * 1.15 and rejected <= 5, (wall, rejected)


def test_doubled_headers() -> None:
    """Mattermost may run two limiters (address, user) and send each header twice."""
    limiter = RateLimiter(clock=Clock())
    limiter.wait_for(limiter.reserve())
    limiter.observe(
        200,
        httpx.Headers(
            [
                ("X-Ratelimit-Limit", "6"),
                ("X-Ratelimit-Limit", "6"),
                ("X-Ratelimit-Remaining", "1"),
                ("X-Ratelimit-Remaining", "0"),
                ("X-Ratelimit-Reset", "1"),
                ("X-Ratelimit-Reset", "2"),
            ]
        ),
    )
    snapshot = limiter.snapshot()
    assert snapshot.enabled and snapshot.limit == 6
    assert snapshot.interval_bounds == (pytest.approx(1 / 6), pytest.approx(0.4))


def test_rate_limit_headers_read_the_same_from_httpx_headers_and_from_a_mapping() -> None:
    """The fast read of ``httpx.Headers`` (its lower-case byte triples) finds what a plain
    mapping gives: any case, doubled headers joined, other X- headers left out."""
    from mattermost_ext.rate_limit import _ratelimit_headers

    pairs = [
        ("Content-Type", "application/json"),
        ("X-Request-Id", "abc"),
        ("x-RateLimit-Limit", "6"),
        ("X-Ratelimit-Remaining", "1"),
        ("X-Ratelimit-Remaining", "0"),
        ("X-Version-Id", "11.4.0"),
        ("X-RATELIMIT-RESET", "2"),
    ]
    expected = {
        "x-ratelimit-limit": "6",
        "x-ratelimit-remaining": "1, 0",
        "x-ratelimit-reset": "2",
    }
    assert _ratelimit_headers(httpx.Headers(pairs)) == expected
    assert _ratelimit_headers(httpx.Response(200, headers=pairs).headers) == expected
    assert _ratelimit_headers({"X-Ratelimit-Limit": "6", "Date": "x"}) == {"x-ratelimit-limit": "6"}
    assert _ratelimit_headers(httpx.Headers([("Date", "x")])) == {}

    class OtherLayout(httpx.Headers):  # an httpx that keeps no lower-case triples
        pairs: list[tuple[bytes, bytes]]

        @property
        def raw(self) -> list[tuple[bytes, bytes]]:
            return self.pairs

    other = OtherLayout()
    other.pairs = httpx.Headers(pairs).raw
    other._list = None  # type: ignore[assignment]
    assert _ratelimit_headers(other) == expected  # read from .raw instead


@pytest.mark.parametrize(
    "figures",
    [
        {},
        {"X-Ratelimit-Limit": "3", "X-Ratelimit-Remaining": "2", "X-Ratelimit-Reset": "1"},
        {"X-Ratelimit-Limit": "3", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1"},
    ],
)
def test_admit_is_reserve_then_wait_for(figures: dict[str, str]) -> None:
    """``admit()`` (what the transports call) gives what ``reserve()`` + ``wait_for()`` give,
    request after request, with and without limits shown: each request waits as the
    transports do (the clock moves on by the wait, then ``wait_for`` again) and is answered."""
    clocks = Clock(), Clock()
    one, two = RateLimiter(clock=clocks[0]), RateLimiter(clock=clocks[1])
    waited = 0
    for step in range(12):
        for clock in clocks:
            clock.now = max(clock.now, step * 0.05)
        ticket_a, wait_a = one.admit()
        ticket_b = two.reserve()
        wait_b = two.wait_for(ticket_b)
        assert (ticket_a.number, wait_a) == (ticket_b.number, wait_b)
        while wait_a > 0:
            waited += 1
            for clock in clocks:
                clock.now += wait_a
            wait_a, wait_b = one.wait_for(ticket_a), two.wait_for(ticket_b)
            assert wait_a == wait_b
        one.observe(200, figures, ticket_a)
        two.observe(200, figures, ticket_b)
        assert one.snapshot() == two.snapshot()
    if figures.get("X-Ratelimit-Remaining") == "0":
        assert waited > 0  # the limits shown made requests wait: that path was compared


def test_server_without_limits_is_not_paced() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    first = limiter.reserve()
    second = limiter.reserve()
    assert limiter.wait_for(first) == 0
    assert limiter.wait_for(second) > 0  # waits for the first answer
    limiter.observe(200, {})
    assert limiter.wait_for(second) == 0
    assert all(limiter.wait_for(limiter.reserve()) == 0 for _ in range(1000))
    assert limiter.snapshot().enabled is False


def test_fixed_figures() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=4, burst=1, clock=clock)
    tickets = [limiter.reserve() for _ in range(6)]
    waits = [limiter.wait_for(t) for t in tickets]
    assert waits[:2] == [0, 0] and all(w > 0 for w in waits[2:])
    clock.now = 0.25
    assert limiter.wait_for(tickets[2]) == 0
    assert 0 < limiter.wait_for(tickets[3]) <= 0.25
    clock.now = 0.5
    assert limiter.wait_for(tickets[3]) == 0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"per_second": 0, "burst": 1}, "per_second"),
        ({"per_second": 1}, "both"),
        ({"per_second": 1, "burst": -1}, "burst"),
        ({"margin": 2}, "margin"),
    ],
)
def test_bad_figures_are_named(kwargs: dict[str, float], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        RateLimiter(**kwargs)  # type: ignore[arg-type]


def test_transport_error_frees_the_probe() -> None:
    limiter = RateLimiter()
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={})

    transport = RateLimitTransport(httpx.MockTransport(handler), limiter)
    request = httpx.Request("GET", "https://h/api/v4/system/ping")
    with pytest.raises(httpx.ConnectError):
        transport.handle_request(request)
    assert transport.handle_request(request).status_code == 200
    assert limiter.snapshot().enabled is False


def test_facade_option() -> None:
    shared = RateLimiter()
    with (
        Mattermost("https://h", "t0123456789", rate_limit=shared) as a,
        Mattermost("https://h", "t0123456789", rate_limit=False) as b,
        Mattermost("https://h") as c,
    ):
        assert a.rate_limiter is shared
        assert b.rate_limiter is None
        assert isinstance(c.rate_limiter, RateLimiter) and c.rate_limiter is not shared
