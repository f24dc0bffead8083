"""The client users hold: :class:`Mattermost` (sync) and :class:`AsyncMattermost` (asyncio).

::

    from mattermost_ext import Mattermost

    with Mattermost("https://chat.example.com", token) as mm:    # or Mattermost.from_env()
        me = mm.users.get_user("me")                               # any operation: mm.<tag>.<op>
        post = mm.posts.create_post(channel_id=cid, message="hi")  # body fields as keywords
        listener = mm.listener()                                   # same URL, token and TLS
        r = mm.http.get("/api/v4/system/ping")                     # raw httpx, same stack

The namespaces (``mm.users``, ``mm.posts``, ... one per tag of the spec) are generated
(``mattermost_api.namespaces``) and call back into the facade through ONE method,
``_request`` (``_arequest`` for ``AsyncMattermost``): the seam between generated and
handwritten code.  Each returns the operation's success model or raises from
:mod:`mattermost_ext.errors`.  ``mm.call(get_user.sync, user_id="me")`` remains for calling a
generated function object directly.

Each facade owns one httpx client, built once with: the token (added per request by an
``httpx.Auth``, never shown in a repr), a default timeout (30 s, 10 s to connect), TLS
verification (on; a CA bundle path or an ``ssl.SSLContext`` accepted), the retry policy (a
transport wrapper, :mod:`mattermost_ext.retry`), transport-error translation, and the response
hook that raises :class:`mattermost_ext.errors.ApiError` for every non-2xx status
(:func:`mattermost_ext.errors.raise_for_response`).  ``mm.api`` is the generated
``AuthenticatedClient`` bound to that httpx client, so the generated ``sync()`` functions
return success models or raise; they never return ``AppError``.

``Mattermost`` serves the generated ``sync``/``sync_detailed`` functions and
``AsyncMattermost`` the ``asyncio``/``asyncio_detailed`` ones; calling the other flavour with
``mm.api`` raises a ``RuntimeError`` that says so (rather than sending an unauthenticated
request).

Environment (read only by :meth:`Mattermost.from_env` / :meth:`AsyncMattermost.from_env`):

``MM_URL``
    the server root, e.g. ``https://chat.example.com`` or ``https://host/mattermost``
    (a trailing ``/api/v4`` is accepted and removed).
``MM_TOKEN``
    a personal access token, bot token or session token.
``MM_CA_BUNDLE``
    optional: a PEM file (or directory) of CA certificates to verify the server with.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypedDict, TypeVar, Unpack
from urllib.parse import urlsplit, urlunsplit

import httpx
from mattermost_api.client import AuthenticatedClient
from mattermost_api.errors import UnexpectedStatus
from mattermost_api.namespaces import AsyncNamespaces, Namespaces
from mattermost_api.types import Response

from ._redact import REDACTED, Secret, install_log_redaction, mask, redact_url
from ._transport import (
    AsyncErrorTranslatingTransport,
    AsyncLazyHTTPTransport,
    ErrorTranslatingTransport,
    LazyHTTPTransport,
    TokenAuth,
    WrongFlavourTransport,
    async_status_hook,
    last_response,
    status_hook,
)
from ._version import __version__
from .errors import (
    ConfigurationError,
    UnexpectedResponseError,
    error_from_response,
    from_unexpected_status,
    not_json_error,
)
from .rate_limit import AsyncRateLimitTransport, RateLimiter, RateLimitTransport
from .retry import AsyncRetryTransport, Policy, RetryPolicy, RetryTransport

if TYPE_CHECKING:
    from mattermost_api.models.app_error import AppError
    from mattermost_api.models.user import User

    from .aio_listener import AsyncListener
    from .auth import LoginResult
    from .listener import Listener

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_CA_BUNDLE",
    "ENV_TOKEN",
    "ENV_URL",
    "AsyncMattermost",
    "AsyncOptions",
    "FacadeOptions",
    "Mattermost",
    "SyncOptions",
    "normalize_base_url",
]

install_log_redaction()

ENV_URL: Final = "MM_URL"
ENV_TOKEN: Final = "MM_TOKEN"
ENV_CA_BUNDLE: Final = "MM_CA_BUNDLE"

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""30 s for each of read/write/pool, 10 s to connect."""

_API_TOKEN_PLACEHOLDER: Final = f"{REDACTED} (sent by mattermost_ext's httpx client)"

T = TypeVar("T")

VerifyTypes = bool | str | os.PathLike[str] | ssl.SSLContext


class FacadeOptions(TypedDict, total=False):
    """The keyword options both facades take (see :class:`Mattermost`)."""

    timeout: httpx.Timeout | float | None
    verify: VerifyTypes
    retry: Policy | None
    rate_limit: RateLimiter | bool
    headers: Mapping[str, str] | None
    user_agent: str | None
    proxy: str | httpx.URL | None
    trust_env: bool
    follow_redirects: bool
    raise_on_unexpected_status: bool


class SyncOptions(FacadeOptions, total=False):
    transport: httpx.BaseTransport | None
    sleep: Callable[[float], object]


class AsyncOptions(FacadeOptions, total=False):
    transport: httpx.AsyncBaseTransport | None
    sleep: Callable[[float], Awaitable[object]] | None


USER_AGENT: Final = f"mattermost-typed/{__version__} (python-httpx/{httpx.__version__})"


def normalize_base_url(url: str) -> str:
    """The server root the generated client needs (its paths start with ``/api/v4``).

    ``https://Chat.Example.com/`` -> ``https://chat.example.com``;
    ``https://host/mm/api/v4/`` -> ``https://host/mm``; http and https only; no credentials,
    query or fragment (``ValueError`` with the reason).
    """
    if not isinstance(url, str):
        raise TypeError(f"the Mattermost URL must be a str, not {type(url).__name__}")
    text = url.strip()
    if not text:
        raise ValueError("the Mattermost URL is empty")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {redact_url(text)!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"the Mattermost URL must be an absolute http:// or https:// URL, got "
            f"{redact_url(text)!r}"
        )
    if not parts.hostname:
        raise ValueError(f"no host in the Mattermost URL {redact_url(text)!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in the Mattermost URL are not supported; pass a token")
    if parts.query or parts.fragment:
        raise ValueError(
            f"the Mattermost URL must not have a query or fragment: {redact_url(text)!r}"
        )
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    if path.lower().endswith("/api/v4"):
        path = path[: -len("/api/v4")].rstrip("/")
    return urlunsplit((scheme, parts.netloc.lower(), path, "", ""))


def _ssl_verify(verify: VerifyTypes) -> bool | ssl.SSLContext:
    if isinstance(verify, bool | ssl.SSLContext):
        return verify
    from pathlib import Path

    path = Path(os.fspath(verify))
    if path.is_dir():
        return ssl.create_default_context(capath=str(path))
    if not path.is_file():
        raise ValueError(f"CA bundle not found: {path}")
    return ssl.create_default_context(cafile=str(path))


def _env_proxy(url: str) -> str | None:
    """The proxy the environment (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, ``NO_PROXY``)
    names for ``url``, as httpx would use it (httpx ignores the environment once a transport is
    given, which the facade always does)."""
    import urllib.request

    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    host = (parts.hostname or "").lower()
    for entry in proxies.get("no", "").split(","):
        entry = entry.strip().lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return None
    return proxy


def _as_secret(token: str | Secret | None) -> Secret | None:
    if token is None:
        return None
    if isinstance(token, Secret):
        return token if token else None
    if not isinstance(token, str):
        raise TypeError(f"the token must be a str, not {type(token).__name__}")
    token = token.strip()
    return Secret(token) if token else None


def _env_options(
    env: Mapping[str, str] | None, anonymous: bool
) -> tuple[str, str | None, dict[str, Any]]:
    source = os.environ if env is None else env
    url = source.get(ENV_URL, "").strip()
    if not url:
        raise ConfigurationError(
            f"{ENV_URL} is not set: export {ENV_URL}=https://your-mattermost-server "
            "(the server root, /api/v4 optional)"
        )
    token = source.get(ENV_TOKEN, "").strip() or None
    if token is None and not anonymous:
        raise ConfigurationError(
            f"{ENV_TOKEN} is not set: export {ENV_TOKEN}=<a personal access, bot or session "
            "token>, or call from_env(anonymous=True) for a client without a token"
        )
    extra: dict[str, Any] = {}
    ca = source.get(ENV_CA_BUNDLE, "").strip()
    if ca:
        extra["verify"] = ca
    return url, token, extra


def _detailed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``<op>.sync`` -> ``<op>.sync_detailed`` (and ``asyncio`` -> ``asyncio_detailed``)."""
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    name = getattr(fn, "__name__", "")
    detailed = getattr(module, f"{name}_detailed", None) if module is not None else None
    if name not in ("sync", "asyncio") or detailed is None:
        raise TypeError(
            "call() takes a generated endpoint function, e.g. "
            "mattermost_api.api.users.get_user.sync (or .asyncio with AsyncMattermost)"
        )
    return detailed  # type: ignore[no-any-return]


def _check_arguments(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A wrong argument names the function the user passed (not its ``*_detailed`` twin)."""
    import difflib
    import inspect

    signature = inspect.signature(fn)
    names = [p for p in signature.parameters if p != "client"]
    unknown = [k for k in kwargs if k not in names]
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problem = f"got an unexpected keyword argument {unknown[0]!r}{hint}"
    else:
        try:
            signature.bind(*args, client=None, **kwargs)
        except TypeError as exc:
            problem = str(exc)
        else:
            return
    where = f"{fn.__module__}.{fn.__name__}".removeprefix("mattermost_api.api.")
    raise TypeError(f"{where}(): {problem}; its parameters are: {', '.join(names) or '(none)'}")


def _unwrap(response: Response[Any], call: str, allow_empty: bool = False) -> Any:
    parsed = response.parsed
    status = int(response.status_code)
    # the generated parsers give AppError for 4xx/5xx only, which the status hook raised
    if status >= 400:  # pragma: no cover - the hook raised
        raise error_from_response(httpx.Response(status, content=response.content))
    if parsed is None and not (allow_empty and 200 <= status < 300):
        raise UnexpectedResponseError.from_response(_raw(response), call)
    return parsed


def _raw(response: Response[Any]) -> httpx.Response:
    """The httpx response behind a generated ``Response`` (with its request, for messages)."""
    raw = last_response()
    if raw is not None and raw.status_code == int(response.status_code):
        return raw
    return httpx.Response(
        int(response.status_code), headers=response.headers, content=response.content
    )


def _send(
    operation: Callable[..., Response[Any]],
    client: AuthenticatedClient,
    call: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Response[Any]:
    try:
        return operation(*args, client=client, **kwargs)
    except UnexpectedStatus as exc:
        raise from_unexpected_status(exc, last_response(), call) from None
    except json.JSONDecodeError as exc:  # orjson's is a subclass too
        raise not_json_error(last_response(), call) from exc


async def _asend(
    operation: Callable[..., Awaitable[Response[Any]]],
    client: AuthenticatedClient,
    call: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Response[Any]:
    try:
        return await operation(*args, client=client, **kwargs)
    except UnexpectedStatus as exc:
        raise from_unexpected_status(exc, last_response(), call) from None
    except json.JSONDecodeError as exc:
        raise not_json_error(last_response(), call) from exc


def _sslopt(verify: bool | ssl.SSLContext) -> dict[str, Any]:
    """websocket-client's TLS options for the facade's ``verify``."""
    if verify is False:
        return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
    if isinstance(verify, ssl.SSLContext):
        return {"context": verify}
    return {}


class _Facade:
    """What the sync and async facades share: URL, token, options, the generated client."""

    _flavour = ""

    def __init__(
        self,
        url: str,
        token: str | Secret | None = None,
        *,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        verify: VerifyTypes = True,
        retry: Policy | None = RetryPolicy.default(),  # noqa: B008 - immutable
        rate_limit: RateLimiter | bool = True,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        proxy: str | httpx.URL | None = None,
        trust_env: bool = True,
        follow_redirects: bool = False,
        raise_on_unexpected_status: bool = False,
    ) -> None:
        self._url = normalize_base_url(url)
        self._token = _as_secret(token)
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._verify = _ssl_verify(verify)
        self._retry: Policy = retry if retry is not None else RetryPolicy.none()
        self._rate_limiter = (
            rate_limit
            if isinstance(rate_limit, RateLimiter)
            else (RateLimiter() if rate_limit else None)
        )
        self._headers = {"User-Agent": user_agent or USER_AGENT, **dict(headers or {})}
        self._proxy = proxy if proxy is not None or not trust_env else _env_proxy(self._url)
        self._follow_redirects = follow_redirects
        self._auth = TokenAuth(lambda: self._token)
        self._api = AuthenticatedClient(
            base_url=self._url,
            token=_API_TOKEN_PLACEHOLDER,
            raise_on_unexpected_status=raise_on_unexpected_status,
            timeout=self._timeout,
            verify_ssl=self._verify,
            follow_redirects=follow_redirects,
        )
        self._closed = False

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, anonymous: bool = False, **options: Any
    ) -> Self:
        """Build from ``MM_URL``, ``MM_TOKEN`` and optional ``MM_CA_BUNDLE`` (``env``
        defaults to ``os.environ``); keyword ``options`` as for the constructor.

        A missing ``MM_URL`` or ``MM_TOKEN`` raises
        :class:`~mattermost_ext.errors.ConfigurationError` naming the variable;
        ``anonymous=True`` builds a client without a token on purpose (log in later).
        """
        url, token, extra = _env_options(env, anonymous)
        return cls(url, token, **{**extra, **options})

    # -- what users read ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server root (no trailing slash, no ``/api/v4``)."""
        return self._url

    @property
    def api(self) -> AuthenticatedClient:
        """The generated client; pass it as ``client=`` to ``mattermost_api.api.*`` functions."""
        return self._api

    @property
    def token(self) -> Secret | None:
        """The token in use (a :class:`Secret`: ``.reveal()`` for the value)."""
        return self._token

    def set_token(self, token: str | Secret | None) -> None:
        """Use another token from the next request on (``None``: unauthenticated)."""
        self._token = _as_secret(token)

    @property
    def retry_policy(self) -> Policy:
        return self._retry

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing this client's requests (``None`` with ``rate_limit=False``)."""
        return self._rate_limiter

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        token = mask(self._token.reveal()) if self._token else "<none>"
        state = ", closed" if self._closed else ""
        return f"{type(self).__name__}(url={self._url!r}, token={token!r}{state})"

    def _listener_options(self, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self._token is None:
            raise ConfigurationError(
                f"{type(self).__name__}.listener() needs a token: the client has none "
                "(pass one, or log in first)"
            )
        sslopt = _sslopt(self._verify)
        if sslopt and "sslopt" not in options:
            options = {**options, "sslopt": sslopt}
        return self._token.reveal(), options

    def _wrong_flavour(self, other: str) -> str:
        return (
            f"{type(self).__name__}.api serves the generated {self._flavour}() functions; "
            f"use {other} for the {'asyncio' if self._flavour == 'sync' else 'sync'}() ones"
        )


class Mattermost(_Facade, Namespaces):
    """Synchronous facade.  ``with Mattermost(url, token) as mm: ...``

    Args:
        url: the server root (``https://host`` or ``https://host/subpath``; a trailing
            ``/api/v4`` is removed).
        token: personal access token, bot token or session token (``None``: log in later with
            :meth:`login`).
        timeout: an ``httpx.Timeout`` or seconds (default :data:`DEFAULT_TIMEOUT`).
        verify: ``True`` (default), ``False``, a CA bundle path, or an ``ssl.SSLContext``.
        retry: a :class:`~mattermost_ext.retry.RetryPolicy` (default ``RetryPolicy.default()``)
            or ``None`` for no retries.
        rate_limit: ``True`` (default): a :class:`~mattermost_ext.rate_limit.RateLimiter`
            learning the server's limit paces every request of this client; ``False``: none;
            or a ``RateLimiter`` (e.g. fixed figures, or one shared by several clients).
        headers, user_agent, follow_redirects: passed to httpx.
        proxy: an HTTP(S) proxy URL; by default the environment's (``HTTPS_PROXY``,
            ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) unless ``trust_env=False``.
        raise_on_unexpected_status: the generated layer's switch for statuses the spec does
            not document (2xx ones, since non-2xx already raise).
        transport: the innermost httpx transport (tests give an ``httpx.MockTransport``);
            ``verify`` and ``proxy`` are then that transport's business.
        sleep: how the retry policy waits (tests give a recorder).
    """

    _flavour = "sync"

    def __init__(
        self,
        url: str,
        token: str | Secret | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] = time.sleep,
        **options: Unpack[FacadeOptions],
    ) -> None:
        super().__init__(url, token, **options)
        inner: httpx.BaseTransport = transport or LazyHTTPTransport(
            verify=self._verify, proxy=self._proxy
        )
        if self._rate_limiter is not None:
            inner = RateLimitTransport(inner, self._rate_limiter)
        self._http = httpx.Client(
            base_url=self._url,
            auth=self._auth,
            headers=self._headers,
            timeout=self._timeout,
            follow_redirects=self._follow_redirects,
            transport=ErrorTranslatingTransport(RetryTransport(inner, self._retry, sleep=sleep)),
            event_hooks={"response": [status_hook]},
        )
        self._api.set_httpx_client(self._http)
        self._api.set_async_httpx_client(
            httpx.AsyncClient(
                transport=WrongFlavourTransport(self._wrong_flavour("AsyncMattermost"))
            )
        )

    @property
    def http(self) -> httpx.Client:
        """The httpx client (base URL = server root): ``mm.http.get("/api/v4/...")``."""
        return self._http

    def call(self, fn: Callable[..., AppError | T | None], /, *args: Any, **kwargs: Any) -> T:
        """Call a generated ``sync`` function with ``client=self.api`` and return its success
        model (never ``AppError`` or ``None``).

        A success status the spec does not document (the model would be ``None``) raises
        :class:`~mattermost_ext.errors.UnexpectedResponseError` with the body; the generated
        ``UnexpectedStatus`` is translated too.
        """
        detailed = _detailed(fn)
        _check_arguments(fn, args, kwargs)
        call = fn.__module__.removeprefix("mattermost_api.api.")
        return _unwrap(_send(detailed, self._api, call, args, kwargs), call)  # type: ignore[no-any-return]

    def _request(
        self,
        operation: Callable[..., Response[Any]],
        call: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        allow_empty: bool,
    ) -> Any:
        """THE seam: every ``mm.<tag>.<operation>(...)`` of the generated namespaces ends here
        (``mattermost_api.namespaces._seam.Requester``)."""
        return _unwrap(_send(operation, self._api, call, args, kwargs), call, allow_empty)

    def me(self) -> User:
        """The user the token belongs to (``GET /api/v4/users/me``): verifies the token."""
        return self.users.get_user("me")

    def listener(self, **options: Any) -> Listener:
        """A WebSocket :class:`~mattermost_ext.listener.Listener` for this server, with this
        client's URL, token, TLS settings (``verify``/CA bundle) and httpx client (for the
        catch-up requests); ``options`` as for ``Listener``."""
        from .listener import Listener

        token, options = self._listener_options(options)
        options.setdefault("http_client", self._http)
        return Listener(self._url, token, **options)

    @classmethod
    def login(
        cls,
        url: str,
        login_id: str,
        password: str,
        *,
        mfa_code: str | None = None,
        device_id: str | None = None,
        **options: Unpack[SyncOptions],
    ) -> Mattermost:
        """A facade authenticated with a new session (login id/email + password [+ MFA code]).

        ``mm.session`` holds the logged-in user; :meth:`logout` ends the session.
        """
        from .auth import login

        mm = cls(url, None, **options)
        try:
            mm.session = login(mm, login_id, password, mfa_code=mfa_code, device_id=device_id)
        except BaseException:
            mm.close()
            raise
        return mm

    session: LoginResult | None = None

    def logout(self) -> None:
        """End the session (``POST /api/v4/users/logout``) and forget the token."""
        from .auth import logout

        logout(self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMattermost(_Facade, AsyncNamespaces):
    """Asyncio facade.  ``async with AsyncMattermost(url, token) as mm: ...``

    Same arguments as :class:`Mattermost`; ``transport`` is an ``httpx.AsyncBaseTransport``
    and ``sleep`` a coroutine function.  Use it with the generated ``asyncio()`` functions.
    """

    _flavour = "asyncio"

    def __init__(
        self,
        url: str,
        token: str | Secret | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        **options: Unpack[FacadeOptions],
    ) -> None:
        super().__init__(url, token, **options)
        inner: httpx.AsyncBaseTransport = transport or AsyncLazyHTTPTransport(
            verify=self._verify, proxy=self._proxy
        )
        if self._rate_limiter is not None:
            inner = AsyncRateLimitTransport(inner, self._rate_limiter)
        retry_transport = (
            AsyncRetryTransport(inner, self._retry)
            if sleep is None
            else AsyncRetryTransport(inner, self._retry, sleep=sleep)
        )
        self._http = httpx.AsyncClient(
            base_url=self._url,
            auth=self._auth,
            headers=self._headers,
            timeout=self._timeout,
            follow_redirects=self._follow_redirects,
            transport=AsyncErrorTranslatingTransport(retry_transport),
            event_hooks={"response": [async_status_hook]},
        )
        self._api.set_async_httpx_client(self._http)
        self._api.set_httpx_client(
            httpx.Client(transport=WrongFlavourTransport(self._wrong_flavour("Mattermost")))
        )

    @property
    def http(self) -> httpx.AsyncClient:
        """The httpx client (base URL = server root): ``await mm.http.get("/api/v4/...")``."""
        return self._http

    async def call(
        self, fn: Callable[..., Awaitable[AppError | T | None]], /, *args: Any, **kwargs: Any
    ) -> T:
        """Await a generated ``asyncio`` function with ``client=self.api``; as
        :meth:`Mattermost.call`."""
        detailed = _detailed(fn)
        _check_arguments(fn, args, kwargs)
        call = fn.__module__.removeprefix("mattermost_api.api.")
        response = await _asend(detailed, self._api, call, args, kwargs)
        return _unwrap(response, call)  # type: ignore[no-any-return]

    async def _arequest(
        self,
        operation: Callable[..., Awaitable[Response[Any]]],
        call: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        allow_empty: bool,
    ) -> Any:
        """THE seam of the async namespaces (``mattermost_api.namespaces._seam``)."""
        response = await _asend(operation, self._api, call, args, kwargs)
        return _unwrap(response, call, allow_empty)

    async def me(self) -> User:
        """The user the token belongs to (``GET /api/v4/users/me``)."""
        return await self.users.get_user("me")

    def listener(self, **options: Any) -> AsyncListener:
        """An :class:`~mattermost_ext.aio_listener.AsyncListener` with this client's URL,
        token and TLS settings (``verify``/CA bundle, used for the socket and the catch-up
        requests); ``options`` as for ``AsyncListener``."""
        from .aio_listener import AsyncListener

        if self._token is None:
            raise ConfigurationError(
                f"{type(self).__name__}.listener() needs a token: the client has none "
                "(pass one, or log in first)"
            )
        if "verify" not in options and "ca_bundle" not in options:
            verify = self._verify
            options = {**options, "verify": os.fspath(verify) if isinstance(verify, os.PathLike)
                       else verify}  # fmt: skip
        return AsyncListener(self._url, self._token.reveal(), **options)

    @classmethod
    async def login(
        cls,
        url: str,
        login_id: str,
        password: str,
        *,
        mfa_code: str | None = None,
        device_id: str | None = None,
        **options: Unpack[AsyncOptions],
    ) -> AsyncMattermost:
        """As :meth:`Mattermost.login`."""
        from .auth import alogin

        mm = cls(url, None, **options)
        try:
            mm.session = await alogin(
                mm, login_id, password, mfa_code=mfa_code, device_id=device_id
            )
        except BaseException:
            await mm.aclose()
            raise
        return mm

    session: LoginResult | None = None

    async def logout(self) -> None:
        """End the session and forget the token."""
        from .auth import alogout

        await alogout(self)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
