"""A client-side rate limiter shared by every request of one client (threads and asyncio tasks).

Mattermost limits requests with a GCRA bucket (the ``throttled`` library): ``MaxBurst + 1``
requests at once, then one every ``1/PerSec`` seconds.  Each answer carries
``X-Ratelimit-Limit`` (``MaxBurst + 1``), ``X-Ratelimit-Remaining`` and ``X-Ratelimit-Reset``
(seconds until the bucket is full again, rounded up); a 429 adds ``Retry-After``.

:class:`RateLimiter` mirrors that bucket on the client so that concurrent callers wait their
turn instead of failing each other's retries:

* Every request takes a numbered *ticket*; ticket ``k`` may go at ``anchor + (k - K) * T``
  (first come, first served; the first ``limit`` tickets of a full bucket go at once).
* ``T`` (the interval) is learnt from the answers: each one bounds ``T`` exactly
  (``Remaining`` and ``Reset`` describe the same instant), and the tokens the server
  regenerated over a window (``Remaining`` growth + requests it admitted) measure it; when a
  whole number of requests per second (Mattermost's ``PerSec`` is an integer) fits both, it is
  used.
* The server's word wins: an answer reporting fewer tokens than the model expects (another
  client on the same token, a 429) moves the next tickets later.
* A server that sends no ``X-Ratelimit-*`` header is not limited: the limiter steps aside.

``RateLimiter(per_second=5, burst=5)`` fixes the figures instead of learning them.  The
limiter is sans-I/O (a clock in, waits out); :class:`RateLimitTransport` and
:class:`AsyncRateLimitTransport` are the httpx glue that sleeps.  One limiter may be shared
by several clients (pass the same instance) when they use the same token.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import httpx

from ._aio import sleep as _asyncio_sleep
from ._value import Value

__all__ = [
    "AsyncRateLimitTransport",
    "RateLimitSnapshot",
    "RateLimitTransport",
    "RateLimiter",
    "Ticket",
]

_MAX_NAP: Final = 0.5
_HEAD_NAP: Final = 0.02
"""A waiter re-checks its slot at least every ``_HEAD_NAP * (1 + its place in the queue)``
seconds, at most ``_MAX_NAP``: the server may report tokens the model did not expect."""
_PROBE_NAP: Final = 0.01
_MIN_WINDOW: Final = 1.0
_MIN_TOKENS: Final = 10
_SNAP_TOKENS: Final = 30
_SLACK: Final = 0.002


_set = object.__setattr__


class Ticket(Value):
    """A place in the queue (``number`` counts from 0 per limiter)."""

    __slots__ = ("number",)
    number: int

    def __init__(self, number: int) -> None:
        _set(self, "number", number)


class RateLimitSnapshot(Value):
    """What the limiter believes (for logs, tests and benchmarks).

    ``enabled``: ``None`` until the first answer, ``False`` for a server without limits;
    ``interval``: seconds between requests in use (``None``: not limited by rate);
    ``rate_limited``: 429 answers seen.
    """

    __slots__ = ("answers", "enabled", "interval", "interval_bounds", "limit", "rate_limited")
    enabled: bool | None
    limit: int | None
    interval: float | None
    interval_bounds: tuple[float, float]
    answers: int
    rate_limited: int

    def __init__(
        self,
        enabled: bool | None,
        limit: int | None,
        interval: float | None,
        interval_bounds: tuple[float, float],
        answers: int,
        rate_limited: int,
    ) -> None:
        _set(self, "enabled", enabled)
        _set(self, "limit", limit)
        _set(self, "interval", interval)
        _set(self, "interval_bounds", interval_bounds)
        _set(self, "answers", answers)
        _set(self, "rate_limited", rate_limited)


def _header_int(headers: Mapping[str, str], name: str, pick: Callable[..., int]) -> int | None:
    """One ``X-Ratelimit-*`` figure.  Mattermost may apply two limiters to one request (by
    address and by user) and then sends each header twice (``6, 6``): ``pick`` (min/max)
    chooses the binding one."""
    value = headers.get(name)
    if value is None:
        return None
    if "," not in value:  # the common case: one limiter, one figure
        try:
            number = int(value)
        except ValueError:
            return None
        return number if number >= 0 else None
    numbers = []
    for part in value.split(","):
        try:
            number = int(part.strip())
        except ValueError:
            return None
        if number < 0:
            return None
        numbers.append(number)
    return pick(numbers) if numbers else None


_PREFIX: Final = "x-ratelimit-"
_RAW_PREFIX: Final = _PREFIX.encode()


def _ratelimit_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``X-Ratelimit-*`` headers of an answer, by lower-case name (a header sent twice
    joined by ", ", as ``httpx.Headers`` does).  For ``httpx.Headers`` only those are decoded:
    this runs on every answer, and decoding every header cost more than the rest of the
    limiter."""
    found: dict[str, str] = {}
    if isinstance(headers, httpx.Headers):
        # httpx keeps (name, lower-case name, value) byte triples: read those when present,
        # else make them from the public raw pairs
        triples = getattr(headers, "_list", None)
        if not (isinstance(triples, list) and all(len(t) == 3 for t in triples[:1])):
            triples = [(name, name.lower(), value) for name, value in headers.raw]
        for _, lower_name, raw_value in triples:
            if lower_name[:12] == _RAW_PREFIX:
                name = lower_name.decode("latin-1")
                value = raw_value.decode(headers.encoding)
                found[name] = f"{found[name]}, {value}" if name in found else value
        return found
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith(_PREFIX):
            found[lowered] = value
    return found


class RateLimiter:
    """Paces the requests of one client to the server's limit.  Thread-safe, no I/O.

    Args:
        per_second, burst: fix the limit (``burst`` extra requests at once, like Mattermost's
            ``MaxBurst``) instead of learning it from the answers.
        margin: the learnt interval is stretched by this fraction (clock drift, jitter).
        clock: a monotonic clock in seconds (tests give a fake one).
    """

    def __init__(
        self,
        *,
        per_second: float | None = None,
        burst: int | None = None,
        margin: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second is not None and not per_second > 0:
            raise ValueError(f"per_second must be a positive number, got {per_second!r}")
        if burst is not None and burst < 0:
            raise ValueError(f"burst must be >= 0, got {burst!r}")
        if (per_second is None) != (burst is None):
            raise ValueError("give both per_second and burst, or neither (learn them)")
        if not 0 <= margin < 1:
            raise ValueError(f"margin is a fraction between 0 and 1, got {margin!r}")
        self._clock = clock
        self._lock = threading.Lock()
        self._margin = margin
        self._fixed = per_second is not None
        self._enabled: bool | None = True if self._fixed else None
        self._limit: int | None = None if burst is None else burst + 1
        self._interval: float | None = None if per_second is None else 1.0 / per_second
        self._lo, self._hi = 0.0, math.inf
        self._min_full_reset: int | None = None
        # the queue
        self._next = 0
        self._frontier = 0  # tickets below went (or may go) already
        self._anchor_ticket = 0
        self._anchor_time = -math.inf
        self._in_flight = 0
        self._released = 0
        self._flying: dict[int, int] = {}  # ticket number -> release order, while unanswered
        self._probe: int | None = None
        # learning: answers admitted, and a window start while the bucket was not full
        self._answers = 0
        self._admitted = 0
        self._limited = 0
        self._window: tuple[float, int, int] | None = None

    # -- the queue ------------------------------------------------------------------------
    def reserve(self) -> Ticket:
        """A ticket for one request; then :meth:`wait_for` until it answers 0."""
        with self._lock:
            return self._reserve()

    def wait_for(self, ticket: Ticket) -> float:
        """Seconds to sleep before asking again; ``0``: send now (the ticket is used)."""
        with self._lock:
            return self._wait(ticket)

    def admit(self) -> tuple[Ticket, float]:
        """:meth:`reserve` and the first :meth:`wait_for` at once (one turn of the lock: most
        requests go at once); while the wait is above 0, call :meth:`wait_for` again."""
        with self._lock:
            ticket = self._reserve()
            return ticket, self._wait(ticket)

    def _reserve(self) -> Ticket:
        number = self._next
        self._next += 1
        if self._enabled is False and not self._fixed:  # no limit shown: nothing to anchor
            return Ticket(number)
        interval = self._pace()
        if interval is not None and self._limit is not None:
            earliest = self._clock() - (self._limit - 1) * interval
            if self._slot(number, interval) < earliest:  # idle: the bucket refilled
                self._anchor_ticket, self._anchor_time = number, earliest
        return Ticket(number)

    def _wait(self, ticket: Ticket) -> float:
        enabled = self._enabled
        if enabled is None:  # nothing known yet: one request finds out
            if self._probe is None or self._probe == ticket.number:
                self._probe = ticket.number
                return self._go(ticket)
            return _PROBE_NAP
        if not enabled:
            return self._go(ticket)
        interval = self._pace()
        if interval is None:
            return self._go(ticket)
        wait = self._slot(ticket.number, interval) - self._clock()
        if wait <= _SLACK:
            return self._go(ticket)
        place = max(0, ticket.number - self._frontier)
        return min(wait, _MAX_NAP, _HEAD_NAP * (1 + place))

    def _go(self, ticket: Ticket) -> float:
        self._frontier = max(self._frontier, ticket.number + 1)
        self._in_flight += 1
        self._released += 1
        self._flying[ticket.number] = self._released
        return 0.0

    def _land(self, ticket: Ticket | None) -> int:
        """One answer (or failure) in; the requests sent after ``ticket`` still unanswered
        (the server may not have counted them yet)."""
        self._in_flight = max(0, self._in_flight - 1)
        if ticket is None:
            return self._in_flight
        mine = self._flying.pop(ticket.number, None)
        if mine is None:
            return self._in_flight
        if not self._flying:  # the only request in flight
            return 0
        return sum(1 for order in self._flying.values() if order > mine)

    def _slot(self, number: int, interval: float) -> float:
        return self._anchor_time + (number - self._anchor_ticket) * interval

    def _pace(self) -> float | None:
        """The interval in use, or ``None`` when the server shows no limit by rate."""
        if self._interval is not None:
            return self._interval * (1.0 if self._fixed else 1.0 + self._margin)
        if self._hi < math.inf:
            return self._hi
        if self._min_full_reset is not None and self._limit and self._limit > 1:
            return max(self._lo, self._min_full_reset / self._limit)
        return None

    def _reanchor(self, interval_before: float | None) -> None:
        """Keep the slot of the first waiting ticket when the interval changes."""
        if interval_before is None or self._anchor_time == -math.inf:
            return
        first = self._frontier
        self._anchor_time = self._slot(first, interval_before)
        self._anchor_ticket = first

    # -- what the server said ---------------------------------------------------------------
    def forget(self, ticket: Ticket | None = None) -> None:
        """A sent request got no answer (transport error)."""
        with self._lock:
            self._land(ticket)
            if self._enabled is None:
                self._probe = None

    def observe(
        self, status: int, headers: Mapping[str, str], ticket: Ticket | None = None
    ) -> None:
        """Learn from one answer (any status) to the request sent with ``ticket`` (give it:
        the requests sent after it are the ones the server may not have counted yet)."""
        figures = _ratelimit_headers(headers)  # parsed outside the lock
        limit = _header_int(figures, "x-ratelimit-limit", min)
        remaining = _header_int(figures, "x-ratelimit-remaining", min)
        reset = _header_int(figures, "x-ratelimit-reset", max)
        with self._lock:
            now = self._clock()
            after_me = self._land(ticket)
            self._answers += 1
            limited = status == 429
            if limited:
                self._limited += 1
            if limit is None or remaining is None:
                if self._enabled is None:
                    self._enabled = False  # a server without limits
                    self._probe = None
                if not limited:
                    return
                remaining = 0
            if not self._enabled:
                self._enabled = True
                self._probe = None
            before = self._pace()
            if limit is not None and limit >= 1 and not self._fixed and self._limit != limit:
                self._limit = limit
                self._reset_learning()
            if not limited:
                self._admitted += 1
            if reset is not None and self._limit and not self._fixed:
                self._bound(remaining, reset)
            if not self._fixed and not limited:
                self._measure(now, remaining)
            after = self._pace()
            if after != before:
                self._reanchor(before)
            if after is not None:
                self._sync(now, remaining, after, after_me)

    def _reset_learning(self) -> None:
        self._lo, self._hi = 0.0, math.inf
        self._interval = None
        self._window = None
        self._min_full_reset = None

    def _bound(self, remaining: int, reset: int) -> None:
        """``Remaining = floor(limit - ttl/T)`` and ``Reset = ceil(ttl)`` bound ``T``."""
        assert self._limit is not None
        used = self._limit - remaining  # ttl/T lies in (used - 1, used]
        if used < 1:
            return
        lo = max(0.0, (reset - 1) / used)
        hi = reset / (used - 1) if used > 1 else math.inf
        if used == 1:
            self._min_full_reset = min(self._min_full_reset or reset, reset)
        new_lo, new_hi = max(self._lo, lo), min(self._hi, hi)
        if new_lo >= new_hi:  # contradicts what we knew: the limit changed
            self._reset_learning()
            new_lo, new_hi = lo, hi
        self._lo, self._hi = new_lo, new_hi
        if self._interval is not None and not self._lo < self._interval <= self._hi:
            self._interval = min(max(self._interval, self._lo), self._hi)

    def _measure(self, now: float, remaining: int) -> None:
        """Tokens regenerated over a window in which the bucket never filled."""
        assert self._limit is not None
        if remaining >= self._limit - 1:
            self._window = None  # full (or nearly): regeneration is capped, start again
            return
        if self._window is None:
            self._window = (now, remaining, self._admitted)
            return
        start, start_remaining, start_admitted = self._window
        elapsed = now - start
        tokens = remaining - start_remaining + (self._admitted - start_admitted)
        if elapsed < _MIN_WINDOW or tokens < _MIN_TOKENS:
            return
        rate = tokens / elapsed
        whole = round(rate)
        if (
            tokens >= _SNAP_TOKENS
            and whole >= 1
            and abs(rate - whole) <= 0.03 * whole + whole / tokens
            and self._lo < 1.0 / whole <= self._hi
        ):
            self._interval = 1.0 / whole
        else:
            # a token's worth of error either way: lean to the fast side (the server's count
            # then paces the queue and the window goes on; too slow, the bucket refills and
            # the window restarts before it can correct)
            fast = elapsed / (tokens + 1)
            self._interval = min(max(fast, self._lo), self._hi) if self._hi < math.inf else fast

    def _sync(self, now: float, remaining: int, interval: float, after_me: int) -> None:
        """Follow the server's count: the next ticket goes when the server surely has a token
        for it (``remaining`` minus the other requests in flight); a later time moves the
        queue back, a time a whole interval earlier than planned moves it forward."""
        server = now + (after_me + 1 - remaining) * interval
        planned = self._slot(self._frontier, interval)
        # an interval not measured yet is a coarse bound: follow the server both ways
        tolerance = interval if self._interval is not None else 0.0
        if server > planned or server < planned - tolerance:
            self._anchor_ticket, self._anchor_time = self._frontier, server

    def snapshot(self) -> RateLimitSnapshot:
        with self._lock:
            return RateLimitSnapshot(
                enabled=self._enabled,
                limit=self._limit,
                interval=self._pace() if self._enabled else None,
                interval_bounds=(self._lo, self._hi),
                answers=self._answers,
                rate_limited=self._limited,
            )

    def __repr__(self) -> str:
        s = self.snapshot()
        per_second = f"{1 / s.interval:.2f}/s" if s.interval else "unlimited"
        return f"RateLimiter(enabled={s.enabled}, limit={s.limit}, pace={per_second})"


class RateLimitTransport(httpx.BaseTransport):
    """Waits for the limiter before each attempt, then tells it what the server answered."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        limiter: RateLimiter,
        *,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.inner = inner
        self.limiter = limiter
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ticket, wait = self.limiter.admit()
        while wait > 0:
            self._sleep(wait)
            wait = self.limiter.wait_for(ticket)
        try:
            response = self.inner.handle_request(request)
        except BaseException:
            self.limiter.forget(ticket)
            raise
        self.limiter.observe(response.status_code, response.headers, ticket)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRateLimitTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RateLimitTransport` (same limiter type, no thread)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        limiter: RateLimiter,
        *,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        self.inner = inner
        self.limiter = limiter
        self._sleep = sleep if sleep is not None else _asyncio_sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        ticket, wait = self.limiter.admit()
        while wait > 0:
            await self._sleep(wait)
            wait = self.limiter.wait_for(ticket)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.limiter.forget(ticket)
            raise
        self.limiter.observe(response.status_code, response.headers, ticket)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
