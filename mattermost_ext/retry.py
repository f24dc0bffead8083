"""Retry policies: small, composable, applied to every request by an httpx transport wrapper.

A *policy* looks at one failed attempt (a response, or a transport exception) and answers
"wait this many seconds, then retry" or ``None`` ("not mine" / "give up").
:class:`RetryPolicy` chains policies (the first that answers wins) under a total-wait cap::

    RetryPolicy.default()      # = RateLimitPolicy() | ConnectionErrorPolicy() | ServerErrorPolicy()
    RetryPolicy.none()         # never retry
    RateLimitPolicy(max_wait=10) | ConnectionErrorPolicy(max_retries=5)   # your own mix

* :class:`RateLimitPolicy`: a 429 waits what the server asks (``Retry-After``, else
  ``X-Ratelimit-Reset``; Mattermost sends both, in seconds), plus a little jitter, never more
  than ``max_wait``; a server asking for more than ``max_wait`` is not retried (the caller gets
  ``RateLimitError`` with ``retry_after``).  A 429 without those headers waits
  ``default_wait``.  Any method is retried: Mattermost's limiter refuses the request before
  any handler runs.
* :class:`ConnectionErrorPolicy`: connection refused/failed (nothing was sent: any method)
  and connection reset / closed mid-answer (idempotent methods only, unless
  ``retry_non_idempotent=True``); capped exponential backoff with jitter.
* :class:`ServerErrorPolicy`: 502/503/504 for idempotent methods (unless
  ``retry_non_idempotent=True``), same backoff, honouring a ``Retry-After`` up to the cap.

:class:`RetryTransport` / :class:`AsyncRetryTransport` wrap any httpx transport; the facade
puts them under its httpx clients so generated calls, helpers and ``mm.http`` all retry.  The
sleep function is injectable (tests pass a recorder).  Request bodies are replayed on retry
(bytes, JSON, multipart from seekable files); a one-shot streaming body cannot be replayed and
then fails with ``httpx.StreamConsumed``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Protocol, cast, runtime_checkable

import httpx

from ._aio import sleep as _asyncio_sleep
from ._redact import redact_url
from ._value import Value
from .errors import RETRIES_EXTENSION, parse_retry_after

__all__ = [
    "IDEMPOTENT_METHODS",
    "AsyncRetryTransport",
    "Backoff",
    "ConnectionErrorPolicy",
    "Policy",
    "RateLimitPolicy",
    "RetryPolicy",
    "RetryState",
    "RetryTransport",
    "ServerErrorPolicy",
]

logger = logging.getLogger("mattermost_ext.retry")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

_rng = random.Random()
_DEFAULT_TOTAL_WAIT: Final = 120.0
_set = object.__setattr__


class RetryState(Value):
    """One failed attempt, as the policies see it.

    ``retries`` is how many retries were already made for this request (0 after the first
    attempt); exactly one of ``response`` and ``error`` is set.
    """

    __slots__ = ("error", "request", "response", "retries")
    request: httpx.Request
    retries: int
    response: httpx.Response | None
    error: Exception | None

    def __init__(
        self,
        request: httpx.Request,
        retries: int,
        response: httpx.Response | None = None,
        error: Exception | None = None,
    ) -> None:
        _set(self, "request", request)
        _set(self, "retries", retries)
        _set(self, "response", response)
        _set(self, "error", error)

    @property
    def idempotent(self) -> bool:
        return self.request.method.upper() in IDEMPOTENT_METHODS


@runtime_checkable
class Policy(Protocol):
    """Anything with ``delay(state) -> seconds | None``."""

    def delay(self, state: RetryState) -> float | None: ...


def _chain(policy: Policy) -> tuple[Policy, ...]:
    return policy.policies if isinstance(policy, RetryPolicy) else (policy,)


class _Composable(Value):
    """``a | b``: a :class:`RetryPolicy` trying ``a`` then ``b``."""

    __slots__ = ()

    def __or__(self, other: Policy) -> RetryPolicy:
        me = cast(Policy, self)
        cap = self.max_total_wait if isinstance(self, RetryPolicy) else _DEFAULT_TOTAL_WAIT
        return RetryPolicy((*_chain(me), *_chain(other)), max_total_wait=cap)


class Backoff(Value):
    """Capped exponential backoff with jitter: ``min(maximum, initial * multiplier**retry)``,
    minus up to ``jitter`` of it at random (so the cap is never exceeded)."""

    __slots__ = ("initial", "jitter", "maximum", "multiplier")
    initial: float
    multiplier: float
    maximum: float
    jitter: float

    def __init__(
        self,
        initial: float = 0.5,
        multiplier: float = 2.0,
        maximum: float = 30.0,
        jitter: float = 0.5,
    ) -> None:
        if initial < 0 or maximum < 0 or multiplier < 1:
            raise ValueError("Backoff needs initial >= 0, maximum >= 0, multiplier >= 1")
        if not 0 <= jitter <= 1:
            raise ValueError("Backoff.jitter is a fraction between 0 and 1")
        _set(self, "initial", initial)
        _set(self, "multiplier", multiplier)
        _set(self, "maximum", maximum)
        _set(self, "jitter", jitter)

    def compute(self, retry: int, rng: random.Random = _rng) -> float:
        base = min(self.maximum, self.initial * self.multiplier ** min(retry, 64))
        return base * (1.0 - self.jitter * rng.random())


class RateLimitPolicy(_Composable):
    """429: wait what the server asks (capped, jittered), then retry; any method.

    ``jitter``: up to this fraction of the wait is added at random (spreads clients sharing a
    limit).
    """

    __slots__ = (
        "default_wait",
        "jitter",
        "max_retries",
        "max_wait",
        "min_wait",
        "retry_non_idempotent"
    )  # fmt: skip
    max_retries: int
    max_wait: float
    default_wait: float
    min_wait: float
    jitter: float
    retry_non_idempotent: bool

    def __init__(
        self,
        max_retries: int = 5,
        max_wait: float = 60.0,
        default_wait: float = 1.0,
        min_wait: float = 0.05,
        jitter: float = 0.1,
        retry_non_idempotent: bool = True,
    ) -> None:
        _set(self, "max_retries", max_retries)
        _set(self, "max_wait", max_wait)
        _set(self, "default_wait", default_wait)
        _set(self, "min_wait", min_wait)
        _set(self, "jitter", jitter)
        _set(self, "retry_non_idempotent", retry_non_idempotent)

    def delay(self, state: RetryState) -> float | None:
        response = state.response
        if response is None or response.status_code != 429:
            return None
        if state.retries >= self.max_retries:
            return None
        if not (self.retry_non_idempotent or state.idempotent):
            return None
        asked = parse_retry_after(response.headers)
        wait = self.default_wait if asked is None else asked
        if wait > self.max_wait:
            return None  # absurd or long wait: let the caller decide (RateLimitError.retry_after)
        wait = max(self.min_wait, wait) * (1.0 + self.jitter * _rng.random())
        return min(wait, self.max_wait)


# httpx errors raised before any byte of the request left: safe to retry for every method.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout)
# The connection broke after the request (maybe) left: retry idempotent requests only.
_BROKEN = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class ConnectionErrorPolicy(_Composable):
    """Connection failures: refused/unreachable (any method: nothing was sent); reset or
    closed mid-answer (idempotent methods, unless ``retry_non_idempotent``).  Read timeouts
    are retried only with ``retry_read_timeouts=True``."""

    __slots__ = ("backoff", "max_retries", "retry_non_idempotent", "retry_read_timeouts")
    max_retries: int
    backoff: Backoff
    retry_non_idempotent: bool
    retry_read_timeouts: bool

    def __init__(
        self,
        max_retries: int = 3,
        backoff: Backoff | None = None,
        retry_non_idempotent: bool = False,
        retry_read_timeouts: bool = False,
    ) -> None:
        _set(self, "max_retries", max_retries)
        _set(self, "backoff", Backoff() if backoff is None else backoff)
        _set(self, "retry_non_idempotent", retry_non_idempotent)
        _set(self, "retry_read_timeouts", retry_read_timeouts)

    def delay(self, state: RetryState) -> float | None:
        error = state.error
        if error is None or state.retries >= self.max_retries:
            return None
        if isinstance(error, _UNSENT):
            pass
        elif isinstance(error, _BROKEN) or (
            self.retry_read_timeouts and isinstance(error, httpx.ReadTimeout)
        ):
            if not (self.retry_non_idempotent or state.idempotent):
                return None
        else:
            return None
        return self.backoff.compute(state.retries)


class ServerErrorPolicy(_Composable):
    """502/503/504 (configurable) for idempotent methods, capped exponential backoff."""

    __slots__ = ("backoff", "max_retries", "retry_non_idempotent", "statuses")
    statuses: frozenset[int]
    max_retries: int
    backoff: Backoff
    retry_non_idempotent: bool

    def __init__(
        self,
        statuses: frozenset[int] = frozenset({502, 503, 504}),
        max_retries: int = 3,
        backoff: Backoff | None = None,
        retry_non_idempotent: bool = False,
    ) -> None:
        _set(self, "statuses", statuses)
        _set(self, "max_retries", max_retries)
        _set(self, "backoff", Backoff() if backoff is None else backoff)
        _set(self, "retry_non_idempotent", retry_non_idempotent)

    def delay(self, state: RetryState) -> float | None:
        response = state.response
        if response is None or response.status_code not in self.statuses:
            return None
        if state.retries >= self.max_retries:
            return None
        if not (self.retry_non_idempotent or state.idempotent):
            return None
        wait = self.backoff.compute(state.retries)
        asked = parse_retry_after(response.headers)
        if asked is not None:
            wait = max(wait, min(asked, self.backoff.maximum))
        return wait


class RetryPolicy(_Composable):
    """An ordered chain of policies (first answer wins) and a cap on the total wait per request."""

    __slots__ = ("max_total_wait", "policies")
    policies: tuple[Policy, ...]
    max_total_wait: float

    def __init__(
        self, policies: tuple[Policy, ...] = (), max_total_wait: float = _DEFAULT_TOTAL_WAIT
    ) -> None:
        _set(self, "policies", policies)
        _set(self, "max_total_wait", max_total_wait)

    def delay(self, state: RetryState) -> float | None:
        for policy in self.policies:
            wait = policy.delay(state)
            if wait is not None:
                return max(0.0, wait)
        return None

    @classmethod
    def default(cls, *, retry_non_idempotent: bool = False) -> RetryPolicy:
        """429 honouring the server's wait; connection failures; 502/503/504 (idempotent
        requests unless ``retry_non_idempotent``)."""
        return cls(
            (
                RateLimitPolicy(),
                ConnectionErrorPolicy(retry_non_idempotent=retry_non_idempotent),
                ServerErrorPolicy(retry_non_idempotent=retry_non_idempotent),
            )
        )

    @classmethod
    def none(cls) -> RetryPolicy:
        """Never retry."""
        return cls(())

    @classmethod
    def of(
        cls, policies: Iterable[Policy], *, max_total_wait: float = _DEFAULT_TOTAL_WAIT
    ) -> RetryPolicy:
        return cls(tuple(policies), max_total_wait=max_total_wait)


def _describe(state: RetryState) -> str:
    if state.response is not None:
        return f"status {state.response.status_code}"
    return type(state.error).__name__


class _Loop:
    """The bookkeeping shared by the sync and async transports."""

    def __init__(self, policy: Policy, request: httpx.Request) -> None:
        self.policy = policy
        self.request = request
        self.retries = 0
        self.waited = 0.0
        self.cap = policy.max_total_wait if isinstance(policy, RetryPolicy) else _DEFAULT_TOTAL_WAIT

    def next_wait(self, response: httpx.Response | None, error: Exception | None) -> float | None:
        state = RetryState(self.request, self.retries, response=response, error=error)
        wait = self.policy.delay(state)
        if wait is None:
            self.give_up(response, error)
            return None
        if self.waited + wait > self.cap:
            logger.debug(
                "%s %s: %s; not retrying (total wait cap %.1f s reached)",
                self.request.method,
                redact_url(self.request.url),
                _describe(state),
                self.cap,
            )
            self.give_up(response, error)
            return None
        self.retries += 1
        self.waited += wait
        logger.info(
            "%s %s: %s; retry %d in %.2f s",
            self.request.method,
            redact_url(self.request.url),
            _describe(state),
            self.retries,
            wait,
        )
        return wait

    def give_up(self, response: httpx.Response | None, error: Exception | None) -> None:
        """Leave the figures (attempts, total wait) where the error translation finds them."""
        if self.retries == 0:
            return
        figures = (self.retries + 1, round(self.waited, 3))
        if response is not None:
            response.extensions[RETRIES_EXTENSION] = figures
        elif error is not None:
            error.mattermost_retries = figures  # type: ignore[attr-defined]


def retried_statuses(policy: Policy) -> frozenset[int] | None:
    """The statuses ``policy`` may retry an answer with, when that is known (the policies of
    this module); ``None`` for any other policy (it may retry anything).  An answer with
    another status goes back to the caller without consulting the policy: the transports'
    fast path, since almost every answer is one."""
    if isinstance(policy, RetryPolicy):
        statuses: set[int] = set()
        for inner in policy.policies:
            found = retried_statuses(inner)
            if found is None:
                return None
            statuses |= found
        return frozenset(statuses)
    if type(policy) is RateLimitPolicy:
        return frozenset({429})
    if type(policy) is ServerErrorPolicy:
        return policy.statuses
    if type(policy) is ConnectionErrorPolicy:
        return frozenset()
    return None


class RetryTransport(httpx.BaseTransport):
    """An httpx transport that retries through ``inner`` according to ``policy``."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: Policy | None = None,
        *,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy if policy is not None else RetryPolicy.default()
        self._sleep = sleep

    @property
    def policy(self) -> Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = policy
        self._statuses = retried_statuses(policy)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError as exc:
            return self._again(request, _Loop(self.policy, request), None, exc)
        if self._statuses is not None and response.status_code not in self._statuses:
            return response  # fast path: an answer no policy retries
        return self._again(request, _Loop(self.policy, request), response, None)

    def _again(
        self,
        request: httpx.Request,
        loop: _Loop,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> httpx.Response:
        while True:
            wait = loop.next_wait(response, error)
            if wait is None:
                if error is not None:
                    raise error
                assert response is not None
                return response
            if response is not None:
                response.close()
            self._sleep(wait)
            try:
                response, error = self.inner.handle_request(request), None
            except httpx.TransportError as exc:
                response, error = None, exc

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RetryTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: Policy | None = None,
        *,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy if policy is not None else RetryPolicy.default()
        self._sleep = sleep if sleep is not None else _asyncio_sleep

    @property
    def policy(self) -> Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = policy
        self._statuses = retried_statuses(policy)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError as exc:
            return await self._again(request, _Loop(self.policy, request), None, exc)
        if self._statuses is not None and response.status_code not in self._statuses:
            return response  # fast path: an answer no policy retries
        return await self._again(request, _Loop(self.policy, request), response, None)

    async def _again(
        self,
        request: httpx.Request,
        loop: _Loop,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> httpx.Response:
        while True:
            wait = loop.next_wait(response, error)
            if wait is None:
                if error is not None:
                    raise error
                assert response is not None
                return response
            if response is not None:
                await response.aclose()
            await self._sleep(wait)
            try:
                response, error = await self.inner.handle_async_request(request), None
            except httpx.TransportError as exc:
                response, error = None, exc

    async def aclose(self) -> None:
        await self.inner.aclose()
