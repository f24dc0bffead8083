"""Incoming webhook payloads, and posting them to a hook URL.

::

    from mattermost_ext.webhooks import WebhookPayload, post_webhook

    post_webhook(
        hook_url,
        WebhookPayload(text="Build **green**", channel="town-square", username="ci"),
    )

A hook URL (``https://mm.example.com/hooks/<id>``) is a credential: whoever has it can
post. It never appears in full in exception messages, or in httpx's request log while
:func:`post_webhook` sends: the id is replaced by ``***``
(:func:`redact_hook_url`). The same functions post a :class:`~mattermost_ext.integrations.
SlashResponse` to a slash command's ``response_url`` (``/hooks/commands/<id>``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from mattermost_ext._redact import REDACTED
from mattermost_ext._validation import BuilderError, check_json_mapping, compact, join
from mattermost_ext.attachments import Attachment, _merge_props
from mattermost_ext.errors import MattermostError
from mattermost_ext.integrations import _check_post_type

__all__ = [
    "DEFAULT_TIMEOUT",
    "BuilderError",
    "PriorityLevel",
    "WebhookError",
    "WebhookPayload",
    "WebhookPriority",
    "post_webhook",
    "post_webhook_async",
    "redact_hook_url",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


class PriorityLevel(StrEnum):
    """Message priority (leave the priority out for a standard message)."""

    IMPORTANT = "important"
    URGENT = "urgent"


@dataclass(kw_only=True)
class WebhookPriority:
    """Post priority of a webhook message (model.PostPriority).

    ``requested_ack`` asks recipients to acknowledge; ``persistent_notifications``
    repeats notifications until acknowledged and needs ``priority=URGENT``. Both need a
    Professional licence on the server.
    """

    priority: PriorityLevel | str
    requested_ack: bool | None = None
    persistent_notifications: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._build("priority")

    def _build(self, path: str) -> dict[str, Any]:
        level = str(self.priority) if self.priority else ""
        if not level:
            # CreateWebhookPost: "Setting the priority of a post is required to use priority."
            raise BuilderError(join(path, "priority"), "is required when a priority is given")
        if level not in tuple(PriorityLevel):
            raise BuilderError(
                join(path, "priority"), f"must be important or urgent, got {level!r}"
            )
        if self.persistent_notifications and level != PriorityLevel.URGENT:
            # app.PostPriorityCheck: urgent_persistent_notification_post.request_error
            raise BuilderError(join(path, "persistent_notifications"), "requires priority 'urgent'")
        out: dict[str, Any] = {"priority": level}
        if self.requested_ack is not None:
            out["requested_ack"] = self.requested_ack
        if self.persistent_notifications is not None:
            out["persistent_notifications"] = self.persistent_notifications
        return out


@dataclass(kw_only=True)
class WebhookPayload:
    """The JSON body of an incoming webhook (model.IncomingWebhookRequest).

    ``channel`` overrides the hook's channel: a channel name, ``@username`` for a direct
    message (unless the hook is locked to its channel). ``username``, ``icon_url`` and
    ``icon_emoji`` apply when the server allows overrides. Long text is split into
    several posts by the server, so it has no length limit here.
    """

    text: str | None = None
    channel: str | None = None
    username: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None
    attachments: Sequence[Attachment] = field(default_factory=list)
    props: Mapping[str, Any] | None = None
    type: str | None = None
    priority: WebhookPriority | None = None

    def to_dict(self) -> dict[str, Any]:
        merged = _merge_props("props", self.props, self.attachments, "attachments")
        # The server reads attachments from their own field; it drops "attachments"
        # given inside props.
        attachments = merged.pop("attachments", None) if self.attachments else None
        if not self.text and not attachments:
            # HandleIncomingWebhook: web.incoming_webhook.text.app_error
            raise BuilderError("text", "a webhook message needs text or attachments")
        _check_post_type("type", self.type)
        return compact(
            [
                ("text", self.text),
                ("channel", self.channel),
                ("username", self.username),
                ("icon_url", self.icon_url),
                ("icon_emoji", self.icon_emoji),
                ("attachments", attachments),
                ("props", merged),
                ("type", self.type),
                ("priority", self.priority._build("priority") if self.priority else None),
            ]
        )


class _Buildable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class WebhookError(MattermostError):
    """Posting to a hook URL failed: a non-2xx answer, or no answer at all.

    ``url`` is the redacted hook URL. ``status_code`` is ``None`` when the request
    never got an answer (then ``__cause__`` is left empty on purpose: httpx's
    exception holds the full URL).
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status_code: int | None = None,
        error_id: str | None = None,
        server_message: str | None = None,
        request_id: str | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.error_id = error_id
        self.server_message = server_message
        self.request_id = request_id
        self.body = body


def _hook_secrets(url: str) -> list[str]:
    """The path segments of ``url`` that are secret (the hook id)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if "hooks" in segments:
        rest = segments[segments.index("hooks") + 1 :]
        if rest[:1] == ["commands"]:
            rest = rest[1:]
        return rest
    return segments[-1:]


def redact_hook_url(url: str | httpx.URL) -> str:
    """The hook URL with the hook id replaced by ``***``.

    ``https://mm.example.com/hooks/abc123`` becomes ``https://mm.example.com/hooks/***``;
    ``/hooks/commands/<id>`` keeps ``commands``. User info, query and fragment are dropped.
    Without a ``hooks`` segment the last path segment is redacted.
    """
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return REDACTED
    secrets = set(_hook_secrets(text))
    segments = parts.path.split("/")
    path = "/".join(REDACTED if s in secrets else s for s in segments)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, path, "", ""))


def _scrub(text: str, url: str) -> str:
    for secret in _hook_secrets(url):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class _RedactHookUrls(logging.Filter):
    """Rewrites hook URLs in httpx's "HTTP Request: POST <url>" log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("/hooks/" in str(a) for a in record.args):
            record.args = tuple(
                redact_hook_url(str(a)) if "/hooks/" in str(a) else a for a in record.args
            )
        return True


_FILTER = _RedactHookUrls()


def _install_log_filter() -> None:
    httpx_logger = logging.getLogger("httpx")
    if _FILTER not in httpx_logger.filters:
        httpx_logger.addFilter(_FILTER)


def _body_of(payload: _Buildable | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(payload, Mapping):
        check_json_mapping("payload", payload)
        return dict(payload)
    return payload.to_dict()


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BuilderError("url", f"must be an http(s) hook URL, got {redact_hook_url(url)!r}")


def _error_from_response(response: httpx.Response, url: str) -> WebhookError:
    safe_url = redact_hook_url(url)
    body = _scrub(response.text[:2000], url)
    error_id = server_message = request_id = None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        error_id = data.get("id") if isinstance(data.get("id"), str) else None
        server_message = data.get("message") if isinstance(data.get("message"), str) else None
        request_id = data.get("request_id") if isinstance(data.get("request_id"), str) else None
    request_id = request_id or response.headers.get("X-Request-Id")
    detail = ": ".join(p for p in (error_id, server_message) if p) or body.strip()[:200]
    message = f"webhook POST to {safe_url} failed with HTTP {response.status_code}"
    if detail:
        message += f" ({detail})"
    if request_id:
        message += f" [request id {request_id}]"
    return WebhookError(
        message,
        url=safe_url,
        status_code=response.status_code,
        error_id=error_id,
        server_message=server_message,
        request_id=request_id,
        body=body,
    )


def _transport_error(exc: httpx.HTTPError, url: str) -> WebhookError:
    safe_url = redact_hook_url(url)
    reason = _scrub(str(exc), url) or type(exc).__name__
    return WebhookError(
        f"webhook POST to {safe_url} failed: {type(exc).__name__}: {reason}", url=safe_url
    )


def post_webhook(
    url: str,
    payload: _Buildable | Mapping[str, Any],
    *,
    client: httpx.Client | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
) -> None:
    """POST ``payload`` (a :class:`WebhookPayload`, a ``SlashResponse`` or a plain mapping)
    as JSON to a hook URL.

    The payload is validated first (:class:`BuilderError`). Raises :class:`WebhookError`
    on a non-2xx answer or a transport failure; the error names the URL with the hook
    id redacted. A ``client`` given is used as is and not closed.
    """
    body = _body_of(payload)
    _check_url(url)
    _install_log_filter()
    logger.debug("posting webhook to %s", redact_hook_url(url))
    try:
        if client is None:
            with httpx.Client(timeout=timeout) as own:
                response = own.post(url, json=body)
        else:
            response = client.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from None
    if not response.is_success:
        raise _error_from_response(response, url)


async def post_webhook_async(
    url: str,
    payload: _Buildable | Mapping[str, Any],
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
) -> None:
    """The asyncio face of :func:`post_webhook`."""
    body = _body_of(payload)
    _check_url(url)
    _install_log_filter()
    logger.debug("posting webhook to %s", redact_hook_url(url))
    try:
        if client is None:
            async with httpx.AsyncClient(timeout=timeout) as own:
                response = await own.post(url, json=body)
        else:
            response = await client.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from None
    if not response.is_success:
        raise _error_from_response(response, url)
