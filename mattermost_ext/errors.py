"""The exceptions of mattermost_ext: one root, one module.

::

    MattermostError                      root of everything raised on purpose by this package
    ├── ApiError                         the server answered with a non-2xx status
    │   ├── BadRequestError              400
    │   ├── UnauthorizedError            401  (bad/expired token, wrong password, MFA needed)
    │   ├── ForbiddenError               403
    │   ├── NotFoundError                404
    │   ├── RateLimitError               429  (.retry_after: seconds to wait, or None)
    │   └── ServerError                  5xx
    ├── TransportError                   no HTTP answer: connection refused/reset, TLS, DNS
    │   └── TimeoutError                 connect/read/write/pool timeout (a builtins.TimeoutError)
    ├── UnexpectedResponseError          a 2xx/3xx answer the operation cannot use: a status the
    │                                    spec does not document (a redirect: its Location), or
    │                                    not JSON where JSON is expected (an HTML page: wrong URL?)
    ├── ConfigurationError               (also a ValueError) the client cannot be built as asked,
    │                                    e.g. from_env() without MM_URL or MM_TOKEN
    ├── WebhookError                     (webhooks) posting to a hook URL failed; hook id redacted
    └── ListenerError                    (listener) the WebSocket listener
        ├── NotConnectedError            sending while disconnected
        ├── AuthenticationError          the server refused the token
        ├── ActionError                  an action answered with an error
        ├── ActionTimeoutError           an action got no reply in time
        └── SequenceGapError             an event's seq was not the expected one

    BuilderError (a ValueError, from mattermost_ext.attachments; re-exported here): a message
    attachment / dialog builder was given values Mattermost would reject.

Where the translation happens:

* statuses: :func:`raise_for_response` is THE function that turns an HTTP status into an
  exception.  The facade installs it as a response event hook on its httpx clients, so every
  generated ``sync()``/``asyncio()`` call either returns the success model or raises; the
  generated layer's ``AppError`` return values never reach the caller.
* transport failures: the facade's transport wraps httpx's ``TransportError`` family into
  :class:`TransportError` (:func:`from_httpx_error`), after the retry policy gave up.
* the generated layer's own ``mattermost_api.errors.UnexpectedStatus``:
  :func:`from_unexpected_status` (used by ``Mattermost.call``).

Exception texts contain the method, the path (credential-like query values masked), the
status, the server's error id and message and the request id, never a token.
"""

from __future__ import annotations

import builtins
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ._redact import redact_url
from ._validation import BuilderError

__all__ = [
    "ApiError",
    "BadRequestError",
    "BuilderError",
    "ConfigurationError",
    "ForbiddenError",
    "MattermostError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "TransportError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "error_from_response",
    "from_httpx_error",
    "from_unexpected_status",
    "not_json_error",
    "parse_retry_after",
    "raise_for_response",
]

_BODY_LIMIT = 64 * 1024  # bytes of an error body kept on the exception
_PREVIEW = 200  # characters of an unexpected body shown in a message
_HTML_HINT = "this looks like an HTML page: is this the Mattermost server's URL?"


class MattermostError(Exception):
    """Root of every exception this package raises on purpose."""


class ApiError(MattermostError):
    """The server answered with a non-2xx status.

    Attributes:
        status: the HTTP status code.
        error_id: Mattermost's error id (``"api.user.login.invalid_credentials_email_username"``),
            ``None`` when the body was not Mattermost's JSON error.
        message: the server's human message (or the raw body text when it was not JSON).
        detailed_error: Mattermost's ``detailed_error`` (often empty).
        request_id: Mattermost's request id (body ``request_id`` or ``X-Request-Id`` header).
        body: the raw body text (at most 64 KiB).
        method, url: the request (the URL's credential-like query values masked).
        headers: the response headers.
        attempts, waited: how many times the request was sent and how long the retry
            policy waited in all (1 and 0.0 when it was not retried).
    """

    attempts: int = 1
    waited: float = 0.0

    def __init__(
        self,
        status: int,
        error_id: str | None = None,
        message: str = "",
        detailed_error: str = "",
        request_id: str | None = None,
        body: str = "",
        *,
        method: str | None = None,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.error_id = error_id
        self.message = message
        self.detailed_error = detailed_error
        self.request_id = request_id
        self.body = body
        self.method = method
        self.url = url
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self._text())

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status`."""
        return self.status

    def _text(self) -> str:
        text = f"{self.status}"
        if self.error_id:
            text += f" {self.error_id}"
        if self.message:
            text += f": {self.message}"
        extra = []
        if self.method and self.url:
            extra.append(f"{self.method} {self.url}")
        if self.request_id:
            extra.append(f"request_id={self.request_id}")
        if self.attempts > 1:
            extra.append(f"gave up after {self.attempts} attempts, {self.waited:.1f} s waited")
        if extra:
            text += f" ({', '.join(extra)})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (
                type(self),
                self.status,
                self.error_id,
                self.message,
                self.detailed_error,
                self.request_id,
                self.body,
                self.method,
                self.url,
                self.headers,
                getattr(self, "retry_after", None),
            ),
        )


def _rebuild(cls: type[ApiError], *args: Any) -> ApiError:
    *fields, method, url, headers, retry_after = args
    err = cls(*fields, method=method, url=url, headers=headers)
    if isinstance(err, RateLimitError):
        err.retry_after = retry_after
    return err


def _rebuild_transport(
    cls: type[TransportError], detail: str, method: str | None, url: str | None
) -> TransportError:
    return cls(detail, method=method, url=url)


class BadRequestError(ApiError):
    """400: the request was malformed or a parameter was invalid."""


class UnauthorizedError(ApiError):
    """401: no/invalid/expired token or session, wrong login credentials, MFA required."""


class ForbiddenError(ApiError):
    """403: authenticated, but without the permission needed."""


class NotFoundError(ApiError):
    """404: no such resource (or not visible to this user)."""


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds (or None)."""

    retry_after: float | None = None


class ServerError(ApiError):
    """5xx: the server (or a proxy in front of it) failed."""


class TransportError(MattermostError):
    """No HTTP answer: connection refused or reset, DNS, TLS, protocol error.

    ``__cause__`` is the httpx exception.  ``attempts`` / ``waited``: as for :class:`ApiError`.
    """

    attempts: int = 1
    waited: float = 0.0

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        self.method = method
        self.url = url
        self.detail = message
        text = message or "transport error"
        if method and url:
            text += f" ({method} {url})"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_transport, (type(self), self.detail, self.method, self.url))


class TimeoutError(TransportError, builtins.TimeoutError):
    """A connect, read, write or pool timeout (also a ``builtins.TimeoutError``)."""


class ConfigurationError(MattermostError, ValueError):
    """The client cannot be built as asked (a missing ``MM_URL``/``MM_TOKEN``, no token for a
    listener); the message names what is missing and what to do."""


class UnexpectedResponseError(MattermostError):
    """A 2xx/3xx answer the operation cannot use.

    * a status the spec does not document for the operation (for a redirect, the message and
      :attr:`location` give the ``Location``; the facade does not follow redirects unless built
      with ``follow_redirects=True``);
    * a body that is not JSON where the operation expects JSON (:attr:`content_type` and the
      first bytes of the body in the message; an HTML page gets a hint that the URL is probably
      not the Mattermost server's).

    Attributes: ``status``, ``body`` (text, at most 64 KiB), ``method``, ``url`` (credential-like
    query values masked), ``content_type``, ``location``.
    """

    def __init__(
        self,
        status: int,
        body: str,
        *,
        method: str | None = None,
        url: str | None = None,
        content_type: str | None = None,
        location: str | None = None,
        problem: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.method = method
        self.url = url
        self.content_type = content_type
        self.location = location
        self.problem = problem
        text = problem or f"status {status} not documented by the spec for this operation"
        if location:
            text += f"; redirected to {location} (use that URL, or follow_redirects=True)"
        if method and url:
            text += f" ({method} {url})"
        super().__init__(text)

    @classmethod
    def from_response(cls, response: httpx.Response, call: str = "") -> UnexpectedResponseError:
        """An undocumented status of ``response`` (whose body has been read)."""
        method, url = _request_of(response)
        location = response.headers.get("location")
        where = f"{call}(): " if call else ""
        return cls(
            response.status_code,
            _text_of(response),
            method=method,
            url=url,
            content_type=response.headers.get("content-type"),
            location=redact_url(location) if location else None,
            problem=f"{where}status {response.status_code} not documented by the spec for "
            "this operation",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_unexpected, (type(self), self.status, self.body, self.__dict__.copy()))


def _rebuild_unexpected(
    cls: type[UnexpectedResponseError], status: int, body: str, state: dict[str, Any]
) -> UnexpectedResponseError:
    keys = ("method", "url", "content_type", "location", "problem")
    return cls(status, body, **{k: state.get(k) for k in keys})


def _request_of(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        request = response.request
    except RuntimeError:  # a Response built without a request
        return None, None
    return request.method, redact_url(request.url.copy_with(fragment=None))


def _text_of(response: httpx.Response) -> str:
    try:
        raw = response.content[:_BODY_LIMIT]
    except httpx.ResponseNotRead:
        return ""
    return raw.decode(response.encoding or "utf-8", errors="replace")


def _looks_like_html(content_type: str, text: str) -> bool:
    head = text.lstrip()[:100].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype html", "<html"))


def _html_summary(text: str, size: int) -> str:
    """``an HTML page (3120 bytes, title '404 Not Found')`` rather than the whole page."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    shown = " ".join(title.group(1).split())[:_PREVIEW] if title else ""
    about = f"{size} bytes, title {shown!r}" if shown else f"{size} bytes"
    return f"an HTML page ({about}) instead of Mattermost's JSON error"


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:_PREVIEW] + ("..." if len(flat) > _PREVIEW else ""))


def not_json_error(response: httpx.Response | None, call: str = "") -> UnexpectedResponseError:
    """The error for a success status whose body is not the JSON the operation expects."""
    where = f"{call}(): " if call else ""
    if response is None:
        return UnexpectedResponseError(0, "", problem=f"{where}the answer is not JSON")
    text = _text_of(response)
    content_type = response.headers.get("content-type", "")
    problem = (
        f"{where}expected JSON, got {response.status_code} {content_type or 'no content type'}: "
        f"{_preview(text) if text.strip() else 'an empty body'}"
    )
    if _looks_like_html(content_type, text):
        problem += f"; {_HTML_HINT}"
    method, url = _request_of(response)
    return UnexpectedResponseError(
        response.status_code,
        text,
        method=method,
        url=url,
        content_type=content_type or None,
        problem=problem,
    )


_STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitError,
}


def _class_for(status: int) -> type[ApiError]:
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 500 <= status <= 599:
        return ServerError
    return ApiError


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from a 429's headers, or None when they say nothing usable.

    ``Retry-After`` (seconds or an HTTP date) first: Mattermost sets it to the time until the
    next request is allowed.  Then ``X-Ratelimit-Reset``: Mattermost sends seconds until the
    limit resets; a value that looks like a Unix time (as other servers send) is converted.
    """
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value is not None:
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                seconds = parsedate_to_datetime(value).timestamp() - now
            except (TypeError, ValueError, IndexError, OverflowError):
                seconds = math.nan
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    value = headers.get("x-ratelimit-reset")
    if value is not None:
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(seconds) or seconds < 0:
            return None
        if seconds > 1_000_000_000:  # an epoch timestamp
            seconds = max(0.0, seconds - now)
        return seconds
    return None


def error_from_response(response: httpx.Response) -> ApiError:
    """The :class:`ApiError` (subclass chosen by status) describing a non-2xx response.

    The body must have been read.  Mattermost's JSON error body
    (``{"id", "message", "detailed_error", "request_id", "status_code"}``) fills the fields; any
    other body (plain text such as the rate limiter's ``limit exceeded``, HTML from a proxy,
    truncated JSON) still gives an error carrying the raw text as ``message`` and ``body``.
    """
    raw = response.content[:_BODY_LIMIT]
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    error_id: str | None = None
    message = ""
    detailed = ""
    request_id: str | None = response.headers.get("x-request-id") or None
    data: Any = None
    if text.strip():
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if isinstance(data, dict):
        error_id = _str_or_none(data.get("id"))
        message = _str_or_none(data.get("message")) or ""
        detailed = _str_or_none(data.get("detailed_error")) or ""
        request_id = _str_or_none(data.get("request_id")) or request_id
    if not message and error_id is None:
        flat = " ".join(text.split())
        content_type = response.headers.get("content-type", "")
        if len(flat) > _PREVIEW and _looks_like_html(content_type, text):
            message = _html_summary(text, len(raw))
            if response.status_code in (404, 405):
                message += f"; {_HTML_HINT}"
        else:
            message = flat[:500] or response.reason_phrase
    method, url = _request_of(response)
    cls = _class_for(response.status_code)
    err = cls(
        response.status_code,
        error_id,
        message,
        detailed,
        request_id,
        text,
        method=method,
        url=url,
        headers=response.headers,
    )
    if isinstance(err, RateLimitError):
        err.retry_after = parse_retry_after(response.headers)
    _note_retries(err, response.extensions.get(RETRIES_EXTENSION))
    return err


RETRIES_EXTENSION = "mattermost_ext.retries"
"""Where the retry transport leaves ``(attempts, waited)`` on the answer (or the exception)
it gave up on."""


def _note_retries(err: ApiError | TransportError, figures: object) -> None:
    if not (isinstance(figures, tuple) and len(figures) == 2):
        return
    attempts, waited = figures
    if not isinstance(attempts, int) or attempts <= 1:
        return
    err.attempts, err.waited = attempts, float(waited)
    if isinstance(err, ApiError):
        err.args = (err._text(),)
    else:
        err.args = (f"{err.args[0]}; gave up after {attempts} attempts, {waited:.1f} s waited",)


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def raise_for_response(response: httpx.Response) -> None:
    """THE status translation: raise the matching :class:`ApiError` for a non-2xx response.

    1xx/2xx/3xx return quietly (the facade does not follow redirects; a 3xx reaches the
    caller's generated function, which reports it as undocumented).  The body is read first.
    """
    if response.status_code < 400:
        return
    response.read()
    raise error_from_response(response)


def from_httpx_error(
    exc: httpx.TransportError, request: httpx.Request | None = None
) -> TransportError:
    """Our :class:`TransportError` (or :class:`TimeoutError`) for an httpx transport failure;
    the message names the host and the request (``request``: when the exception carries none,
    as inside a transport)."""
    method = url = host = None
    if request is None:
        try:
            request = exc.request
        except RuntimeError:
            request = None
    if request is not None:
        method = request.method
        url = redact_url(request.url)
        port = request.url.port
        host = f"{request.url.host}{f':{port}' if port else ''}"
    cls = TimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if host:
        verb = "timed out talking to" if cls is TimeoutError else "cannot reach"
        detail = f"{verb} {host}: {detail}"
    err = cls(detail, method=method, url=url)
    _note_retries(err, getattr(exc, "mattermost_retries", None))
    return err


def from_unexpected_status(
    exc: Exception, response: httpx.Response | None = None, call: str = ""
) -> MattermostError:
    """Translate ``mattermost_api.errors.UnexpectedStatus`` into this tree (``response``: the
    httpx response it came from, for the method, URL and a redirect's ``Location``)."""
    status = int(getattr(exc, "status_code", 0))
    content = getattr(exc, "content", b"")
    if response is not None and response.status_code == status:
        if status >= 400:
            return error_from_response(response)
        return UnexpectedResponseError.from_response(response, call)
    if status >= 400:
        response = httpx.Response(status, content=content)
        return error_from_response(response)
    return UnexpectedResponseError(status, content.decode("utf-8", errors="replace")[:_BODY_LIMIT])
