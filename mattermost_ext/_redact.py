"""Keeping secrets (tokens, passwords) out of reprs, logs, exception texts and URLs.

The rule of the package: a token is held by :class:`Secret`, whose ``repr``/``str`` show
only a mask; the ``Authorization`` header is added per request by an ``httpx.Auth``
(httpx logs the request line only, never headers); URLs written to logs or exception
texts go through :func:`redact_url`.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "HeaderRedactingFilter",
    "Secret",
    "install_log_redaction",
    "mask",
    "redact",
    "redact_url",
]

REDACTED: Final = "***"

# Query parameters that may carry a credential in Mattermost URLs (public file links use
# ``h``; OAuth and some integrations use the others).
_SECRET_PARAMS: Final = frozenset(
    {"token", "access_token", "refresh_token", "h", "password", "secret", "code", "sig"}
)


def mask(value: str | None) -> str:
    """A display form of a secret: its last four characters at most, the rest masked.

    Tokens shorter than 16 characters are masked completely.
    """
    if not value:
        return "<none>"
    if len(value) < 16:
        return REDACTED
    return REDACTED + value[-4:]


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every occurrence of each non-empty secret replaced by its mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask(secret))
    return text


# The patterns compile on first use (``re.compile`` costs ~0.1-0.3 ms each, paid at import
# otherwise, and most programs never redact anything).
@cache
def _bearer() -> re.Pattern[str]:
    return re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


@cache
def _hook_path() -> re.Pattern[str]:
    """Incoming-webhook and slash-command response URLs carry their secret in the path."""
    return re.compile(r"(/hooks/(?:commands/)?)[^/]+")


def redact_url(url: object) -> str:
    """``url`` as text with userinfo, credential-like query values and hook ids replaced
    by ``***``."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return _bearer().sub(r"\1" + REDACTED, text)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in _SECRET_PARAMS else v) for k, v in pairs],
                safe="*",
            )
    path = _hook_path().sub(r"\1" + REDACTED, parts.path) if "/hooks/" in parts.path else parts.path
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


class Secret:
    """A string that never shows itself in ``repr``/``str``; read it with :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The secret itself (for the Authorization header, or to hand to the user)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({mask(self._value)!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:  # pragma: no cover - trivial
        return (Secret, (self._value,))


# httpcore logs response headers at DEBUG as ``(b'Name', b'value')`` pairs; Mattermost's login
# answer carries the session token in ``Token`` (and cookies when asked for them).
@cache
def _secret_header() -> re.Pattern[str]:
    return re.compile(
        r"""(\(b?['"](?:token|authorization|proxy-authorization|cookie|set-cookie|x-csrf-token)"""
        r"""['"],\s*b?)(['"])(.*?)\2\)""",
        re.IGNORECASE,
    )


_LOGGERS: Final = (
    "httpx",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.connection",
    "httpcore.proxy",
    "mattermost_ext",
)


class HeaderRedactingFilter(logging.Filter):
    """Masks the values of credential headers in log records (httpcore's DEBUG traces)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        pattern = _secret_header()
        if pattern.search(text):
            record.msg = pattern.sub(
                lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}" f"{m.group(2)})", text
            )
            record.args = None
        return True


_FILTER = HeaderRedactingFilter()


def install_log_redaction() -> None:
    """Add the filter to httpx's and httpcore's loggers (idempotent; done on import of the
    facade).  httpcore logs response headers at DEBUG, among them the session ``Token``."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
