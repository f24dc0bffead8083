"""httpx glue of the facade: token auth, the status hook, transport-error translation.

The stack under each httpx client the facade builds::

    httpx.Client(auth=TokenAuth, event_hooks={"response": [raise_for_response]})
      └─ ErrorTranslatingTransport      httpx.TransportError -> mattermost_ext.errors.TransportError
           └─ RetryTransport(policy)    retries 429 / connection errors / 502-504
                └─ (RateLimitTransport)
                     └─ httpx.HTTPTransport  built on the first request (LazyHTTPTransport),
                                             or the transport the caller gave (MockTransport)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from contextvars import ContextVar
from typing import Any, NoReturn

import httpx

from ._redact import Secret, mask
from .errors import from_httpx_error, raise_for_response

__all__ = [
    "AsyncErrorTranslatingTransport",
    "AsyncLazyHTTPTransport",
    "ErrorTranslatingTransport",
    "LazyHTTPTransport",
    "TokenAuth",
    "WrongFlavourTransport",
    "async_status_hook",
    "last_response",
    "status_hook",
]

_LAST_RESPONSE: ContextVar[httpx.Response | None] = ContextVar("_LAST_RESPONSE", default=None)


def last_response() -> httpx.Response | None:
    """The last response the facade's hooks saw in this thread / asyncio task: what an error
    about an unusable 2xx/3xx answer (not JSON, a redirect) reports method, URL and body of."""
    return _LAST_RESPONSE.get()


class TokenAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` added to each request; the token is read on each
    request from ``get_token`` (so logging in replaces it), and never shown by ``repr``."""

    def __init__(self, get_token: Callable[[], Secret | None]) -> None:
        self._get_token = get_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._get_token()
        if token:
            request.headers["Authorization"] = f"Bearer {token.reveal()}"
        yield request

    def __repr__(self) -> str:
        token = self._get_token()
        return f"TokenAuth({mask(token.reveal()) if token else '<none>'})"


def status_hook(response: httpx.Response) -> None:
    """Response event hook (sync): non-2xx -> :class:`mattermost_ext.errors.ApiError`."""
    _LAST_RESPONSE.set(response)
    raise_for_response(response)


async def async_status_hook(response: httpx.Response) -> None:
    """Response event hook (async): reads an error body, then the same translation."""
    _LAST_RESPONSE.set(response)
    if response.status_code >= 400:
        await response.aread()
    raise_for_response(response)


class ErrorTranslatingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.inner.handle_request(request)
        except httpx.TransportError as exc:
            raise from_httpx_error(exc, request) from exc

    def close(self) -> None:
        self.inner.close()


class AsyncErrorTranslatingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except httpx.TransportError as exc:
            raise from_httpx_error(exc, request) from exc

    async def aclose(self) -> None:
        await self.inner.aclose()


class WrongFlavourTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Put on the side of the generated client a facade does not serve (the async side of
    ``Mattermost``, the sync side of ``AsyncMattermost``): a clear error instead of a request
    sent without token, hooks or retries."""

    def __init__(self, message: str) -> None:
        self.message = message

    def handle_request(self, request: httpx.Request) -> NoReturn:
        raise RuntimeError(self.message)

    async def handle_async_request(self, request: httpx.Request) -> NoReturn:
        raise RuntimeError(self.message)


class _Lazy:
    """Holds the options of an httpx transport and builds it once, on first use: building one
    imports httpcore and its HTTP/1.1 machinery (~20 ms), which a program that only imports
    the client, or builds one and never sends, should not pay.  Thread-safe."""

    def __init__(self, factory: Callable[..., Any], options: dict[str, Any]) -> None:
        proxy = options.get("proxy")
        if proxy is not None and not isinstance(proxy, httpx.Proxy):
            httpx.Proxy(proxy)  # a bad proxy URL fails here, when the client is built, as before
        self._factory = factory
        self._options = options
        self._built: Any = None
        self._lock = threading.Lock()

    def _inner(self) -> Any:
        built = self._built
        if built is None:
            with self._lock:
                built = self._built
                if built is None:
                    built = self._built = self._factory(**self._options)
        return built


class LazyHTTPTransport(_Lazy, httpx.BaseTransport):
    """``httpx.HTTPTransport(**options)``, built on the first request."""

    def __init__(self, **options: Any) -> None:
        super().__init__(httpx.HTTPTransport, options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner: httpx.BaseTransport = self._built or self._inner()
        return inner.handle_request(request)

    def close(self) -> None:
        if self._built is not None:
            self._built.close()


class AsyncLazyHTTPTransport(_Lazy, httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport(**options)``, built on the first request."""

    def __init__(self, **options: Any) -> None:
        super().__init__(httpx.AsyncHTTPTransport, options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner: httpx.AsyncBaseTransport = self._built or self._inner()
        return await inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._built is not None:
            await self._built.aclose()
