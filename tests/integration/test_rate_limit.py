"""429s from the real server (rate limiting on): the retry policy absorbs them.

Mattermost reads RateLimitSettings only at start-up, so the test uses the ``mm_rate_limited``
fixture: a second server process on the same database with a small limit keyed by token
(``VaryByUser``); the shared server is not disturbed. A server given by MM_URL skips.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

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
                Mattermost(url, token.token, retry=None) as bare,
                pytest.raises(RateLimitError) as info,
            ):
                for _ in range(BURST + 5):
                    bare.me()
            err = info.value
            assert err.status == 429 and err.retry_after is not None and err.retry_after >= 1
            assert err.message == "limit exceeded" and err.error_id is None
            assert err.headers.get("x-ratelimit-limit")
            time.sleep((BURST + 1) / PER_SEC + 1)  # let the bucket fill again

            with Mattermost(url, token.token, retry=RetryPolicy.default(), sleep=sleep) as mm:
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
                async with AsyncMattermost(url, token.token, sleep=asleep) as amm:
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
