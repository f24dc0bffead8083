"""httpx glue of the facade: token auth, the status hook, transport-error translation.

The stack under each httpx client the facade builds::

    httpx.Client(auth=TokenAuth, event_hooks={"response": [raise_for_response]})
      └─ ErrorTranslatingTransport      httpx.TransportError -> mattermost_ext.errors.TransportError
           └─ RetryTransport(policy)    retries 429 / connection errors / 502-504
                └─ httpx.HTTPTransport  (or the transport the caller gave, e.g. MockTransport)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextvars import ContextVar
from typing import NoReturn

import httpx

from ._redact import Secret, mask
from .errors import from_httpx_error, raise_for_response

__all__ = [
    "AsyncErrorTranslatingTransport",
    "ErrorTranslatingTransport",
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
