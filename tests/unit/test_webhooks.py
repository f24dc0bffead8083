"""Incoming webhook payloads and post_webhook (through httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from mattermost_ext.attachments import Attachment, AttachmentField
from mattermost_ext.errors import MattermostError
from mattermost_ext.integrations import SlashResponse
from mattermost_ext.webhooks import (
    BuilderError,
    PriorityLevel,
    WebhookError,
    WebhookPayload,
    WebhookPriority,
    post_webhook,
    post_webhook_async,
    redact_hook_url,
)

HOOK_ID = "x1y2z3secrethookid000000ab"
HOOK_URL = f"https://mm.example.com/hooks/{HOOK_ID}"


def test_payload_golden() -> None:
    payload = WebhookPayload(
        text="Build #42 **passed**",
        channel="town-square",
        username="ci",
        icon_url="https://ci.example.com/icon.png",
        icon_emoji=":rocket:",
        attachments=[Attachment(text="details", fields=[AttachmentField(title="t", value=1)])],
        props={"card": "## more"},
        type="custom_ci",
        priority=WebhookPriority(
            priority=PriorityLevel.URGENT, requested_ack=True, persistent_notifications=False
        ),
    )
    assert payload.to_dict() == {
        "text": "Build #42 **passed**",
        "channel": "town-square",
        "username": "ci",
        "icon_url": "https://ci.example.com/icon.png",
        "icon_emoji": ":rocket:",
        "attachments": [{"text": "details", "fields": [{"title": "t", "value": "1"}]}],
        "props": {"card": "## more"},
        "type": "custom_ci",
        "priority": {
            "priority": "urgent",
            "requested_ack": True,
            "persistent_notifications": False,
        },
    }


def test_payload_minimal() -> None:
    assert WebhookPayload(text="hi").to_dict() == {"text": "hi"}
    assert WebhookPayload(attachments=[Attachment(text="a")]).to_dict() == {
        "attachments": [{"text": "a"}]
    }
    assert WebhookPriority(priority="important").to_dict() == {"priority": "important"}


def test_payload_rules() -> None:
    cases: list[tuple[Any, str, str]] = [
        (WebhookPayload(), "text", "text or attachments"),
        (WebhookPayload(text="x", type="system_generic"), "type", "custom_"),
        (
            WebhookPayload(text="x", attachments=[Attachment(text="a", color="pink")]),
            "attachments[0].color",
            "'pink'",
        ),
        (
            WebhookPayload(text="x", priority=WebhookPriority(priority="")),
            "priority.priority",
            "required",
        ),
        (
            WebhookPayload(text="x", priority=WebhookPriority(priority="high")),
            "priority.priority",
            "important or urgent",
        ),
        (
            WebhookPayload(
                text="x",
                priority=WebhookPriority(priority="important", persistent_notifications=True),
            ),
            "priority.persistent_notifications",
            "urgent",
        ),
        (
            WebhookPayload(text="x", attachments=[Attachment(text="a")], props={"attachments": 1}),
            "props.attachments",
            "not both",
        ),
    ]
    for payload, path, fragment in cases:
        with pytest.raises(BuilderError) as info:
            payload.to_dict()
        assert info.value.path == path, str(info.value)
        assert fragment in info.value.reason, info.value.reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (HOOK_URL, "https://mm.example.com/hooks/***"),
        (
            f"http://user:pw@localhost:8065/hooks/commands/{HOOK_ID}?x=1#f",
            "http://localhost:8065/hooks/commands/***",
        ),
        (f"https://proxy.example.com/mm/{HOOK_ID}", "https://proxy.example.com/mm/***"),
        (httpx.URL(HOOK_URL), "https://mm.example.com/hooks/***"),
    ],
)
def test_redact_hook_url(url: str | httpx.URL, expected: str) -> None:
    assert redact_hook_url(url) == expected


def _client(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_post_webhook_sends_json() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    with _client(handler) as client:
        post_webhook(HOOK_URL, WebhookPayload(text="hi", channel="ops"), client=client)
        post_webhook(HOOK_URL, {"text": "raw"}, client=client)
        post_webhook(
            HOOK_URL, SlashResponse(text="later", response_type="in_channel"), client=client
        )
    assert [r.method for r in seen] == ["POST"] * 3
    assert str(seen[0].url) == HOOK_URL
    assert seen[0].headers["content-type"] == "application/json"
    assert [json.loads(r.content) for r in seen] == [
        {"text": "hi", "channel": "ops"},
        {"text": "raw"},
        {"text": "later", "response_type": "in_channel"},
    ]


def test_post_webhook_validates_before_sending() -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - never called
        raise AssertionError("sent")

    with _client(handler) as client:
        with pytest.raises(BuilderError):
            post_webhook(HOOK_URL, WebhookPayload(), client=client)
        with pytest.raises(BuilderError) as info:
            post_webhook(f"ftp://mm.example.com/hooks/{HOOK_ID}", {"text": "x"}, client=client)
        assert HOOK_ID not in str(info.value)


def test_post_webhook_error_is_clear_and_redacted() -> None:
    body = {
        "id": "web.incoming_webhook.invalid.app_error",
        "message": "Invalid webhook.",
        "detailed_error": f"hook_id={HOOK_ID}",
        "request_id": "req123",
        "status_code": 400,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    with _client(handler) as client, pytest.raises(WebhookError) as info:
        post_webhook(HOOK_URL, {"text": "x"}, client=client)
    err = info.value
    assert isinstance(err, MattermostError)
    assert err.status_code == 400
    assert err.error_id == "web.incoming_webhook.invalid.app_error"
    assert err.server_message == "Invalid webhook."
    assert err.request_id == "req123"
    assert err.url == "https://mm.example.com/hooks/***"
    text = str(err)
    assert "HTTP 400" in text and "Invalid webhook." in text and "req123" in text
    assert HOOK_ID not in text
    assert err.body is not None and HOOK_ID not in err.body


def test_post_webhook_plain_text_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad gateway", headers={"X-Request-Id": "r9"})

    with _client(handler) as client, pytest.raises(WebhookError) as info:
        post_webhook(HOOK_URL, {"text": "x"}, client=client)
    assert info.value.status_code == 502
    assert "Bad gateway" in str(info.value) and "r9" in str(info.value)


def test_post_webhook_transport_error_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    with _client(handler) as client, pytest.raises(WebhookError) as info:
        post_webhook(HOOK_URL, {"text": "x"}, client=client)
    err = info.value
    assert err.status_code is None
    assert "ConnectError" in str(err)
    assert HOOK_ID not in str(err)
    assert err.__cause__ is None and err.__suppress_context__


def test_httpx_request_log_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="ok")

    with caplog.at_level(logging.DEBUG), _client(handler) as client:
        post_webhook(HOOK_URL, {"text": "x"}, client=client)
    messages = [record.getMessage() for record in caplog.records]
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("hooks/***" in m for m in httpx_lines), messages
    assert not any(HOOK_ID in m for m in messages), messages


def test_post_webhook_async() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(403 if b"deny" in request.content else 200, json={"id": "x"})

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await post_webhook_async(HOOK_URL, WebhookPayload(text="ok"), client=client)
            with pytest.raises(WebhookError) as info:
                await post_webhook_async(HOOK_URL, {"text": "deny"}, client=client)
            assert info.value.status_code == 403

    asyncio.run(run())
    assert len(seen) == 2
