"""Retry policies through httpx.MockTransport, with a recording sleep."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import Callable, Iterator

import httpx
import pytest
from mattermost_api.api.users import get_user

from mattermost_ext import (
    Mattermost,
    MattermostError,
    RateLimitError,
    ServerError,
    TransportError,
)
from mattermost_ext.retry import (
    AsyncRetryTransport,
    Backoff,
    ConnectionErrorPolicy,
    RateLimitPolicy,
    RetryPolicy,
    RetryState,
    RetryTransport,
    ServerErrorPolicy,
)
from tests.unit import _payloads as payloads

ME = payloads.user("u1", "alice")
Step = httpx.Response | Exception


class Script:
    """A MockTransport handler answering a scripted sequence (the last step repeats)."""

    def __init__(self, *steps: Step | Callable[[], Step]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        index = min(len(self.requests), len(self.steps)) - 1
        step = self.steps[index]
        if callable(step) and not isinstance(step, httpx.Response):
            step = step()
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step = type(step)(str(step), request=request)
            raise step
        return httpx.Response(step.status_code, headers=step.headers, content=step.content)


def ok() -> httpx.Response:
    return httpx.Response(200, json=ME)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make(script: Script, sleeps: list[float], retry: object = RetryPolicy.default()) -> Mattermost:
    return Mattermost(
        "https://h",
        "token-0123456789abcdef",
        transport=httpx.MockTransport(script),
        sleep=sleeps.append,
        retry=retry,
    )  # type: ignore[arg-type]


def test_503_then_200(sleeps: list[float]) -> None:
    script = Script(httpx.Response(503), ok())
    with make(script, sleeps) as mm:
        user = mm.call(get_user.sync, user_id="me")
    assert user.username == "alice"
    assert len(script.requests) == 2
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


def test_5xx_backoff_grows_capped_then_gives_up(sleeps: list[float]) -> None:
    script = Script(httpx.Response(502, text="bad gateway"))
    with make(script, sleeps) as mm, pytest.raises(ServerError) as info:
        mm.call(get_user.sync, user_id="me")
    assert info.value.status == 502 and info.value.message == "bad gateway"
    assert len(script.requests) == 4  # 1 + 3 retries
    for n, slept in enumerate(sleeps):
        assert 0.5 * 2**n * 0.5 <= slept <= 0.5 * 2**n


def test_503_retry_after_is_honoured(sleeps: list[float]) -> None:
    script = Script(httpx.Response(503, headers={"Retry-After": "7"}), ok())
    with make(script, sleeps) as mm:
        mm.call(get_user.sync, user_id="me")
    assert sleeps == [7.0]


def test_non_idempotent_not_retried_by_default(sleeps: list[float]) -> None:
    script = Script(httpx.Response(503), httpx.Response(201, json={"id": "p"}))
    with make(script, sleeps) as mm, pytest.raises(ServerError):
        mm.http.post("/api/v4/posts", json={"channel_id": "c", "message": "hi"})
    assert len(script.requests) == 1 and sleeps == []


def test_non_idempotent_retried_when_opted_in(sleeps: list[float]) -> None:
    script = Script(httpx.Response(503), httpx.Response(201, json={"id": "p"}))
    with make(script, sleeps, RetryPolicy.default(retry_non_idempotent=True)) as mm:
        assert mm.http.post("/api/v4/posts", json={"message": "hi"}).status_code == 201
    assert len(script.requests) == 2
    assert script.bodies[0] == script.bodies[1] == b'{"message":"hi"}'


def test_connection_reset_retried_for_get(sleeps: list[float]) -> None:
    script = Script(
        httpx.ReadError("Connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        ok(),
    )
    with make(script, sleeps) as mm:
        assert mm.call(get_user.sync, user_id="me").id == "u1"
    assert len(script.requests) == 3 and len(sleeps) == 2


def test_connection_reset_not_retried_for_post(sleeps: list[float]) -> None:
    script = Script(httpx.ReadError("Connection reset by peer"), ok())
    with make(script, sleeps) as mm, pytest.raises(TransportError) as info:
        mm.http.post("/api/v4/posts", json={})
    assert isinstance(info.value.__cause__, httpx.ReadError)
    assert "Connection reset by peer" in str(info.value)
    assert len(script.requests) == 1 and sleeps == []


def test_connect_error_retried_for_any_method(sleeps: list[float]) -> None:
    script = Script(
        httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.Response(201, json={})
    )
    with make(script, sleeps) as mm:
        assert mm.http.post("/api/v4/posts", json={}).status_code == 201
    assert len(sleeps) == 2


def test_connection_errors_exhausted(sleeps: list[float]) -> None:
    script = Script(httpx.ConnectError("refused"))
    with make(script, sleeps) as mm, pytest.raises(TransportError):
        mm.call(get_user.sync, user_id="me")
    assert len(script.requests) == 4


def test_read_timeout_not_retried_by_default(sleeps: list[float]) -> None:
    script = Script(httpx.ReadTimeout("slow"), ok())
    with make(script, sleeps) as mm, pytest.raises(TimeoutError):
        mm.call(get_user.sync, user_id="me")
    assert sleeps == []
    policy = ConnectionErrorPolicy(retry_read_timeouts=True)
    script = Script(httpx.ReadTimeout("slow"), ok())
    with make(script, sleeps, policy | RetryPolicy()) as mm:
        mm.call(get_user.sync, user_id="me")
    assert len(sleeps) == 1


def test_429_without_headers_waits_default(sleeps: list[float]) -> None:
    script = Script(httpx.Response(429, text="limit exceeded"), ok())
    with make(script, sleeps) as mm:
        mm.call(get_user.sync, user_id="me")
    assert len(sleeps) == 1 and 1.0 <= sleeps[0] <= 1.1


def test_429_with_x_ratelimit_reset(sleeps: list[float]) -> None:
    limited = httpx.Response(
        429,
        text="limit exceeded",
        headers={"X-Ratelimit-Limit": "2", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "3"},
    )
    script = Script(limited, ok())
    with make(script, sleeps) as mm:
        mm.call(get_user.sync, user_id="me")
    assert len(sleeps) == 1 and 3.0 <= sleeps[0] <= 3.3


def test_429_prefers_retry_after(sleeps: list[float]) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "1", "X-Ratelimit-Reset": "4"})
    script = Script(limited, ok())
    with make(script, sleeps) as mm:
        mm.call(get_user.sync, user_id="me")
    assert 1.0 <= sleeps[0] <= 1.1


def test_429_retried_even_for_post(sleeps: list[float]) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201))
    with make(script, sleeps) as mm:
        assert mm.http.post("/api/v4/posts", json={"a": 1}).status_code == 201
    assert script.bodies[0] == script.bodies[1]


def test_multipart_body_replayed(sleeps: list[float]) -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(201, json={"file_infos": []}),
    )
    with make(script, sleeps) as mm:
        mm.http.post(
            "/api/v4/files",
            data={"channel_id": "c"},
            files=[("files", ("a.txt", io.BytesIO(b"hello world"), "text/plain"))],
        )
    assert script.bodies[0] == script.bodies[1] and b"hello world" in script.bodies[1]


def test_429_absurd_wait_not_slept(sleeps: list[float]) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}), ok())
    with make(script, sleeps) as mm, pytest.raises(RateLimitError) as info:
        mm.call(get_user.sync, user_id="me")
    assert sleeps == [] and info.value.retry_after == 3600.0


def test_429_max_retries_then_error(sleeps: list[float]) -> None:
    script = Script(httpx.Response(429, headers={"X-Ratelimit-Reset": "1"}))
    with make(script, sleeps) as mm, pytest.raises(RateLimitError) as info:
        mm.call(get_user.sync, user_id="me")
    assert len(sleeps) == 5 and len(script.requests) == 6
    assert info.value.retry_after == 1.0


def test_wait_is_capped(sleeps: list[float]) -> None:
    policy = RateLimitPolicy(max_wait=10.0, jitter=0.5)
    for _ in range(50):
        state = RetryState(
            httpx.Request("GET", "https://h"),
            0,
            response=httpx.Response(429, headers={"Retry-After": "9.9"}),
        )
        wait = policy.delay(state)
        assert wait is not None and 9.9 <= wait <= 10.0


def test_total_wait_cap(sleeps: list[float]) -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "40"}))
    policy = RetryPolicy((RateLimitPolicy(jitter=0),), max_total_wait=100)
    with make(script, sleeps, policy) as mm, pytest.raises(RateLimitError):
        mm.call(get_user.sync, user_id="me")
    assert sleeps == [40.0, 40.0]


def test_no_retry_policy(sleeps: list[float]) -> None:
    for retry in (None, RetryPolicy.none()):
        script = Script(httpx.Response(503), ok())
        with make(script, sleeps, retry) as mm, pytest.raises(ServerError):
            mm.call(get_user.sync, user_id="me")
        assert len(script.requests) == 1
    assert sleeps == []


def test_composition() -> None:
    combined = RateLimitPolicy(max_wait=5) | ConnectionErrorPolicy() | ServerErrorPolicy()
    assert isinstance(combined, RetryPolicy) and len(combined.policies) == 3
    again = combined | RetryPolicy((RateLimitPolicy(),), max_total_wait=1)
    assert len(again.policies) == 4 and again.max_total_wait == combined.max_total_wait
    assert RetryPolicy.of([RateLimitPolicy()], max_total_wait=3).max_total_wait == 3
    assert RetryPolicy.default() == RetryPolicy.default()


def test_custom_policy_protocol(sleeps: list[float]) -> None:
    class Teapot:
        def delay(self, state: RetryState) -> float | None:
            if state.response is not None and state.response.status_code == 418:
                return 0.01 if state.retries < 1 else None
            return None

    script = Script(httpx.Response(418), ok())
    with make(script, sleeps, RetryPolicy((Teapot(),))) as mm:
        mm.call(get_user.sync, user_id="me")
    assert sleeps == [0.01]


def test_backoff() -> None:
    rng = random.Random(1)
    b = Backoff(initial=1, multiplier=3, maximum=5, jitter=0.2)
    for retry, top in [(0, 1), (1, 3), (2, 5), (10, 5), (10_000, 5)]:
        for _ in range(20):
            assert top * 0.8 <= b.compute(retry, rng) <= top
    with pytest.raises(ValueError):
        Backoff(jitter=2)
    with pytest.raises(ValueError):
        Backoff(multiplier=0.5)


def test_retry_transport_standalone(sleeps: list[float]) -> None:
    script = Script(httpx.Response(503), ok())
    transport = RetryTransport(httpx.MockTransport(script), sleep=sleeps.append)
    with httpx.Client(transport=transport) as client:
        assert client.get("https://h/x").status_code == 200
    assert len(sleeps) == 1


def test_retry_logging(sleeps: list[float], caplog: pytest.LogCaptureFixture) -> None:
    script = Script(httpx.Response(429), ok())
    with caplog.at_level(logging.DEBUG, logger="mattermost_ext"), make(script, sleeps) as mm:
        mm.call(get_user.sync, user_id="me")
    messages = [r.getMessage() for r in caplog.records if r.name == "mattermost_ext.retry"]
    assert any("status 429" in m and "retry 1" in m and "/api/v4/users/me" in m for m in messages)


def _async_steps() -> Iterator[Step]:
    yield httpx.Response(429, headers={"Retry-After": "2"})
    yield httpx.ConnectError("refused")
    yield httpx.Response(503)
    while True:
        yield ok()


def test_async_retry_transport() -> None:
    slept: list[float] = []
    steps = _async_steps()
    script = Script(lambda: next(steps))
    script.steps = [lambda: next(steps)]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main() -> None:
        transport = AsyncRetryTransport(httpx.MockTransport(script), sleep=sleep)
        async with httpx.AsyncClient(transport=transport) as client:
            assert (await client.get("https://h/x")).status_code == 200

    asyncio.run(main())
    assert len(script.requests) == 4 and len(slept) == 3 and 2.0 <= slept[0] <= 2.2


def test_async_facade_retries_and_raises() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main() -> None:
        from mattermost_ext import AsyncMattermost

        script = Script(httpx.ReadError("reset"))
        async with AsyncMattermost(
            "https://h", "t", transport=httpx.MockTransport(script), sleep=sleep
        ) as mm:
            with pytest.raises(TransportError):
                await mm.call(get_user.asyncio, user_id="me")
        assert len(script.requests) == 4

    asyncio.run(main())
    assert len(slept) == 3


def test_exhaustion_names_attempts_and_wait(sleeps: list[float]) -> None:
    """Retries are bounded; giving up says how many attempts and how long they waited."""
    script = Script(httpx.Response(503))
    with make(script, sleeps) as mm, pytest.raises(ServerError) as info:
        mm.call(get_user.sync, user_id="me")
    err = info.value
    assert err.attempts == len(script.requests) == 4  # ServerErrorPolicy: 3 retries
    assert err.waited == pytest.approx(sum(sleeps), abs=0.01)
    assert f"gave up after 4 attempts, {err.waited:.1f} s waited" in str(err)

    limited = Script(httpx.Response(429, headers={"Retry-After": "1"}))
    sleeps.clear()
    with make(limited, sleeps) as mm, pytest.raises(RateLimitError) as rinfo:
        mm.call(get_user.sync, user_id="me")
    assert rinfo.value.attempts == 6 and rinfo.value.waited == pytest.approx(sum(sleeps), abs=0.01)

    refused = Script(httpx.ConnectError("refused"))
    sleeps.clear()
    with make(refused, sleeps) as mm, pytest.raises(TransportError) as tinfo:
        mm.call(get_user.sync, user_id="me")
    assert tinfo.value.attempts == 4 and "gave up after 4 attempts" in str(tinfo.value)


def test_total_wait_cap_bounds_retries(sleeps: list[float]) -> None:
    policy = RetryPolicy.of([RateLimitPolicy(max_retries=100)], max_total_wait=3.0)
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}))
    with make(script, sleeps, retry=policy) as mm, pytest.raises(RateLimitError) as info:
        mm.call(get_user.sync, user_id="me")
    assert sum(sleeps) <= 3.0 and info.value.waited == pytest.approx(sum(sleeps), abs=0.01)
    assert info.value.attempts == len(script.requests) >= 2


def test_a_first_time_failure_has_no_retry_figures(sleeps: list[float]) -> None:
    script = Script(httpx.Response(404, json={"id": "x", "message": "nope"}))
    with make(script, sleeps) as mm, pytest.raises(MattermostError) as info:
        mm.call(get_user.sync, user_id="me")
    assert getattr(info.value, "attempts", 1) == 1 and "gave up" not in str(info.value)
