"""429s from the real server (rate limiting on): the retry policy absorbs them, and the shared
client-side limiter keeps concurrent callers from failing each other.

Mattermost reads RateLimitSettings only at start-up, so the test uses the ``mm_rate_limited``
fixture: a second server process on the same database with a small limit keyed by token
(``VaryByUser``); the shared server is not disturbed. A server given by MM_URL skips.
"""

from __future__ import annotations

import asyncio
import collections
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mattermost_ext import AsyncMattermost, Mattermost, RateLimitError, RetryPolicy
from mattermost_ext.auth import create_token, revoke_token

pytestmark = pytest.mark.integration

PER_SEC = 2
BURST = 3  # Mattermost (throttled's GCRA) lets BURST + 1 requests through at once
N = 20


def test_requests_through_rate_limit(
    mm_rate_limited: Any,
    admin: Mattermost,
    make_user: Callable[..., dict[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    someone = make_user()
    token = create_token(admin, "rate limit test", user_id=someone["id"])  # its own bucket
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    try:
        with mm_rate_limited(
            per_sec=PER_SEC, max_burst=BURST, vary_by_user=True, vary_by_remote_addr=True
        ) as limited:
            url = limited["url"]
            # Without retries the limit shows as a typed error.
            with (
                Mattermost(url, token.token, retry=None, rate_limit=False) as bare,
                pytest.raises(RateLimitError) as info,
            ):
                for _ in range(BURST + 5):
                    bare.me()
            err = info.value
            assert err.status == 429 and err.retry_after is not None and err.retry_after >= 1
            assert err.message == "limit exceeded" and err.error_id is None
            assert err.headers.get("x-ratelimit-limit")
            time.sleep((BURST + 1) / PER_SEC + 1)  # let the bucket fill again

            # the retry policy alone (the limiter would avoid the 429s it is here to absorb)
            retry = RetryPolicy.default()
            with Mattermost(url, token.token, retry=retry, sleep=sleep, rate_limit=False) as mm:
                start = time.monotonic()
                ids = {mm.me().id for _ in range(N)}
                elapsed = time.monotonic() - start
            assert ids == {someone["id"]}
            sequential_waits = len(waits)
            minimum = (N - (BURST + 1)) / PER_SEC
            assert waits, "the server never answered 429"
            assert minimum - 0.5 <= elapsed <= minimum * 1.5 + 2, (elapsed, minimum)

            # asyncio: N/2 concurrent requests
            async def burst() -> float:
                async def asleep(seconds: float) -> None:
                    waits.append(seconds)
                    await asyncio.sleep(seconds)

                time.sleep((BURST + 1) / PER_SEC + 1)
                async with AsyncMattermost(url, token.token, sleep=asleep, rate_limit=False) as amm:
                    t0 = time.monotonic()
                    users = await asyncio.gather(*(amm.me() for _ in range(N // 2)))
                    assert {u.id for u in users} == {someone["id"]}
                    return time.monotonic() - t0

            async_elapsed = asyncio.run(burst())
            async_min = (N // 2 - (BURST + 1)) / PER_SEC
            assert async_min - 0.5 <= async_elapsed <= async_min * 2 + 2, async_elapsed
        with capsys.disabled():
            print(
                f"\nrate limit {PER_SEC}/s burst {BURST}: {N} sequential requests in "
                f"{elapsed:.2f} s (minimum {minimum:.2f} s, {sequential_waits} waits of "
                f"{sum(waits[:sequential_waits]):.2f} s); "
                f"{N // 2} concurrent in {async_elapsed:.2f} s (minimum {async_min:.2f} s)"
            )
    finally:
        revoke_token(admin, token.id)


# The acceptance measurement of the shared limiter (issue 15), at the setting: 5/s,
# burst 5, 200 calls (six runs of about 40 s).  MM_RATE_LIMIT_* change it.
LIMITED_PER_SEC = int(os.environ.get("MM_RATE_LIMIT_PER_SEC", "5"))
LIMITED_BURST = int(os.environ.get("MM_RATE_LIMIT_BURST", "5"))
LIMITED_CALLS = int(os.environ.get("MM_RATE_LIMIT_CALLS", "200"))
CALLERS = (1, 10, 200)


class WireCounter:
    """Counts the answers on the wire (under the limiter and the retries) by status."""

    def __init__(self) -> None:
        self.statuses: collections.Counter[int] = collections.Counter()
        self._lock = threading.Lock()

    def count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1


class CountingTransport(httpx.HTTPTransport):
    def __init__(self, counter: WireCounter) -> None:
        super().__init__()
        self.counter = counter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.counter.count(response.status_code)
        return response


class AsyncCountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self, counter: WireCounter) -> None:
        super().__init__()
        self.counter = counter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.counter.count(response.status_code)
        return response


def _threads(url: str, token: str, callers: int, counter: WireCounter) -> tuple[int, int]:
    """LIMITED_CALLS calls of users/me over ``callers`` threads sharing one default client."""
    failures = ok = 0
    lock = threading.Lock()
    shares = [LIMITED_CALLS // callers + (i < LIMITED_CALLS % callers) for i in range(callers)]
    with Mattermost(url, token, transport=CountingTransport(counter)) as mm:

        def work(share: int) -> None:
            nonlocal failures, ok
            for _ in range(share):
                try:
                    mm.me()
                except RateLimitError:
                    with lock:
                        failures += 1
                else:
                    with lock:
                        ok += 1

        threads = [threading.Thread(target=work, args=(share,)) for share in shares]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return ok, failures


def _tasks(url: str, token: str, callers: int, counter: WireCounter) -> tuple[int, int]:
    """The same over ``callers`` asyncio tasks sharing one AsyncMattermost."""
    shares = [LIMITED_CALLS // callers + (i < LIMITED_CALLS % callers) for i in range(callers)]

    async def main() -> tuple[int, int]:
        failures = ok = 0
        async with AsyncMattermost(url, token, transport=AsyncCountingTransport(counter)) as mm:

            async def work(share: int) -> None:
                nonlocal failures, ok
                for _ in range(share):
                    try:
                        await mm.me()
                    except RateLimitError:
                        failures += 1
                    else:
                        ok += 1

            await asyncio.gather(*(work(share) for share in shares))
        return ok, failures

    return asyncio.run(main())


def test_shared_limiter_loses_no_call(
    mm_rate_limited: Any,
    admin: Mattermost,
    make_user: Callable[..., dict[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    floor = (LIMITED_CALLS - (LIMITED_BURST + 1)) / LIMITED_PER_SEC
    rows = []
    with mm_rate_limited(
        per_sec=LIMITED_PER_SEC,
        max_burst=LIMITED_BURST,
        vary_by_user=True,
        vary_by_remote_addr=True,
    ) as limited:
        for flavour, run in (("threads", _threads), ("asyncio", _tasks)):
            for callers in CALLERS:
                someone = make_user()  # a fresh user: a full bucket of its own
                token = create_token(admin, "limiter", user_id=someone["id"])
                counter = WireCounter()
                try:
                    start = time.monotonic()
                    ok, failures = run(limited["url"], token.token, callers, counter)
                    wall = time.monotonic() - start
                finally:
                    revoke_token(admin, token.id)
                rows.append((flavour, callers, ok, failures, wall, counter.statuses[429]))
    with capsys.disabled():
        print(
            f"\nshared limiter, server {LIMITED_PER_SEC}/s burst {LIMITED_BURST}, "
            f"{LIMITED_CALLS} calls of users/me, floor {floor:.1f} s:"
        )
        for flavour, callers, ok, failures, wall, rejected in rows:
            print(
                f"  {flavour:7} {callers:3} callers: {ok} ok, {failures} failed, "
                f"{wall:.1f} s ({wall / floor:.3f}x floor), {rejected} x 429 on the wire"
            )
    for flavour, callers, ok, failures, wall, _rejected in rows:
        assert failures == 0 and ok == LIMITED_CALLS, (flavour, callers, ok, failures)
        assert wall <= floor * 1.1, (flavour, callers, wall, floor)
