"""mattermost_ext: the handwritten layer over the generated ``mattermost_api`` client.

Features and where they live:

=======================  ====================================================================
the client you hold      :class:`Mattermost` / :class:`AsyncMattermost` (``client``): URL +
                         token or ``from_env()`` (``MM_URL``, ``MM_TOKEN``, ``MM_CA_BUNDLE``),
                         timeouts, TLS, retries; every operation as ``mm.<tag>.<name>(...)``
                         (generated ``mattermost_api.namespaces``), ``mm.listener()``
errors                   ``errors``: ``MattermostError`` > ``ApiError`` (400/401/403/404/429/5xx
                         subclasses), ``TransportError``, ``UnexpectedResponseError``,
                         ``ConfigurationError``
retries, rate limits     ``retry``: ``RetryPolicy.default()``, ``RateLimitPolicy``,
                         ``ConnectionErrorPolicy``, ``ServerErrorPolicy``, ``RetryTransport``
tokens, login, bots      ``auth``: personal access tokens, login/MFA/logout, bots
pagination               ``pagination``: ``iter_pages``, ``iter_channel_posts`` (+ async)
files                    ``files``: ``post_files`` (upload + post), ``download_file`` (streamed)
message attachments      ``attachments`` (builders), ``dialogs`` (interactive dialogs)
integrations             ``integrations`` (slash commands, actions), ``webhooks`` (incoming)
events, WebSocket        ``events``, ``event_names``, ``listener``, ``aio_listener``
=======================  ====================================================================

The client core (``client``, ``errors``, ``retry``, ``rate_limit``) is imported with the package;
the other modules load on first use (``mattermost_ext.Listener`` imports
``mattermost_ext.listener`` then, ``mattermost_ext.iter_pages`` ``mattermost_ext.pagination``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._redact import Secret
from ._version import __version__ as __version__
from ._version import spec_version as spec_version
from .client import DEFAULT_TIMEOUT, AsyncMattermost, Mattermost, normalize_base_url
from .errors import (
    ApiError,
    BadRequestError,
    ConfigurationError,
    ForbiddenError,
    MattermostError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
)
from .retry import (
    AsyncRetryTransport,
    ConnectionErrorPolicy,
    RateLimitPolicy,
    RetryPolicy,
    RetryTransport,
    ServerErrorPolicy,
)

if TYPE_CHECKING:
    from .aio_listener import AsyncListener
    from .attachments import Attachment, AttachmentField, BuilderError, Button, Menu
    from .auth import AccessToken, LoginResult
    from .dialogs import Dialog
    from .events import Event, EventName, PostData
    from .files import (
        Download,
        adownload_file,
        apost_files,
        download_file,
        post_files,
        upload_files,
    )
    from .listener import Listener, ListenerError
    from .pagination import aiter_channel_posts, aiter_pages, iter_channel_posts, iter_pages
    from .webhooks import WebhookError, WebhookPayload, post_webhook

# --- the other engineers' modules: loaded on first use ------------------------------------
# name -> module it comes from.  Extend here when a module gains a headline name.
_LAZY: dict[str, str] = {
    "AccessToken": "auth",
    "LoginResult": "auth",
    "Download": "files",
    "adownload_file": "files",
    "apost_files": "files",
    "download_file": "files",
    "post_files": "files",
    "upload_files": "files",
    "aiter_channel_posts": "pagination",
    "aiter_pages": "pagination",
    "iter_channel_posts": "pagination",
    "iter_pages": "pagination",
    "Attachment": "attachments",
    "AttachmentField": "attachments",
    "Button": "attachments",
    "Menu": "attachments",
    "BuilderError": "attachments",
    "Dialog": "dialogs",
    "Event": "events",
    "EventName": "events",
    "PostData": "events",
    "Listener": "listener",
    "ListenerError": "listener",
    "AsyncListener": "aio_listener",
    "WebhookError": "webhooks",
    "WebhookPayload": "webhooks",
    "post_webhook": "webhooks",
}

_SUBMODULES = frozenset(
    {
        "aio_listener",
        "attachments",
        "auth",
        "client",
        "dialogs",
        "errors",
        "event_names",
        "events",
        "files",
        "integrations",
        "listener",
        "pagination",
        "retry",
        "webhooks",
    }
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "AccessToken",
    "ApiError",
    "AsyncListener",
    "AsyncMattermost",
    "AsyncRetryTransport",
    "Attachment",
    "AttachmentField",
    "BadRequestError",
    "BuilderError",
    "Button",
    "ConfigurationError",
    "ConnectionErrorPolicy",
    "Dialog",
    "Download",
    "Event",
    "EventName",
    "ForbiddenError",
    "Listener",
    "ListenerError",
    "LoginResult",
    "Mattermost",
    "MattermostError",
    "Menu",
    "NotFoundError",
    "PostData",
    "RateLimitError",
    "RateLimitPolicy",
    "RetryPolicy",
    "RetryTransport",
    "Secret",
    "ServerError",
    "ServerErrorPolicy",
    "TransportError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "WebhookError",
    "WebhookPayload",
    "adownload_file",
    "aiter_channel_posts",
    "aiter_pages",
    "apost_files",
    "download_file",
    "iter_channel_posts",
    "iter_pages",
    "normalize_base_url",
    "post_files",
    "post_webhook",
    "upload_files",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
