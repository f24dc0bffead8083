"""Parsing what Mattermost POSTs to integrations, and the answers to it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from mattermost_ext.attachments import MESSAGE_MAX_RUNES, Attachment, Button, Integration
from mattermost_ext.integrations import (
    ActionRequest,
    ActionResponse,
    BuilderError,
    DialogSubmission,
    PostUpdate,
    RequestParseError,
    ResponseType,
    SlashCommandRequest,
    SlashResponse,
)

HOOK = "https://integration.example.com/mm"

# Shaped like the JSON Mattermost sends (PostActionIntegrationRequest) for a menu.
ACTION_JSON = {
    "user_id": "u" * 26,
    "user_name": "alice",
    "channel_id": "c" * 26,
    "channel_name": "town-square",
    "team_id": "t" * 26,
    "team_domain": "acme",
    "post_id": "p" * 26,
    "trigger_id": "dHJpZ2dlcg==",
    "type": "select",
    "data_source": "",
    "context": {"build": 42, "selected_option": "prod"},
}


def test_action_request_from_json() -> None:
    request = ActionRequest.from_json(json.dumps(ACTION_JSON).encode())
    assert request == ActionRequest(
        user_id="u" * 26,
        user_name="alice",
        channel_id="c" * 26,
        channel_name="town-square",
        team_id="t" * 26,
        team_domain="acme",
        post_id="p" * 26,
        trigger_id="dHJpZ2dlcg==",
        type="select",
        data_source="",
        context={"build": 42, "selected_option": "prod"},
    )
    assert request.selected_option == "prod"
    assert request.raw == ACTION_JSON


def test_action_request_keeps_unknown_and_survives_bad_types() -> None:
    data: dict[str, Any] = {
        "user_id": None,
        "post_id": 12,
        "context": "not a dict",
        "new_field": {"x": 1},
    }
    request = ActionRequest.from_dict(data)
    assert request.user_id == ""
    assert request.post_id == "12"
    assert request.context == {}
    assert request.selected_option is None
    assert request.raw["new_field"] == {"x": 1}
    assert ActionRequest.from_dict({}) == ActionRequest()


def test_action_request_button_without_context() -> None:
    request = ActionRequest.from_dict({"type": "button", "post_id": "p"})
    assert (request.type, request.context, request.selected_option) == ("button", {}, None)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", '"text"', b"\xff\xfe"])
def test_action_request_unreadable_body(body: str | bytes) -> None:
    with pytest.raises(RequestParseError):
        ActionRequest.from_json(body)
    with pytest.raises(RequestParseError):
        DialogSubmission.from_json(body)


def test_action_request_repr_hides_raw() -> None:
    assert "raw" not in repr(ActionRequest.from_dict(ACTION_JSON))


SLASH_FORM = [
    ("token", "s3cr3ttoken"),
    ("team_id", "t" * 26),
    ("team_domain", "acme"),
    ("channel_id", "c" * 26),
    ("channel_name", "town-square"),
    ("user_id", "u" * 26),
    ("user_name", "alice"),
    ("command", "/deploy"),
    ("text", "prod now & fast"),
    ("trigger_id", "dHJpZ2dlcg=="),
    ("root_id", ""),
    ("user_mentions", "bob"),
    ("user_mentions_ids", "b" * 26),
    ("user_mentions", "carol"),
    ("user_mentions_ids", "k" * 26),
    ("channel_mentions", "ops"),
    ("channel_mentions_ids", "o" * 26),
    ("response_url", "http://localhost:8065/hooks/commands/abc123"),
    ("x_new", "kept"),
]


def test_slash_request_from_form_body() -> None:
    for body in (urlencode(SLASH_FORM), urlencode(SLASH_FORM).encode()):
        request = SlashCommandRequest.from_form(body)
        assert request == SlashCommandRequest(
            channel_id="c" * 26,
            channel_name="town-square",
            command="/deploy",
            response_url="http://localhost:8065/hooks/commands/abc123",
            team_domain="acme",
            team_id="t" * 26,
            text="prod now & fast",
            token="s3cr3ttoken",
            trigger_id="dHJpZ2dlcg==",
            user_id="u" * 26,
            user_name="alice",
            root_id="",
            user_mentions={"bob": "b" * 26, "carol": "k" * 26},
            channel_mentions={"ops": "o" * 26},
        )
        assert request.trigger == "deploy"
        assert request.raw["x_new"] == "kept"
        assert request.raw["user_mentions"] == ["bob", "carol"]
        # Secrets stay out of repr (logs).
        assert "s3cr3ttoken" not in repr(request)
        assert "abc123" not in repr(request)


def test_slash_request_from_mapping() -> None:
    request = SlashCommandRequest.from_form(
        {"command": "/x", "text": ["a", "b"], "n": 5}  # type: ignore[dict-item]
    )
    assert (request.command, request.text, request.raw["n"]) == ("/x", "a", "5")
    assert SlashCommandRequest.from_form("") == SlashCommandRequest()
    with pytest.raises(RequestParseError):
        SlashCommandRequest.from_form(42)  # type: ignore[arg-type]


def test_dialog_submission_from_json() -> None:
    data = {
        "type": "dialog_submission",
        "callback_id": "ticket",
        "state": "s1",
        "user_id": "u" * 26,
        "channel_id": "c" * 26,
        "team_id": "t" * 26,
        "submission": {"email": "a@example.com", "urgent": True, "details": None},
        "cancelled": False,
        "extra": 1,
    }
    submission = DialogSubmission.from_json(json.dumps(data))
    assert submission == DialogSubmission(
        type="dialog_submission",
        callback_id="ticket",
        state="s1",
        user_id="u" * 26,
        channel_id="c" * 26,
        team_id="t" * 26,
        submission={"email": "a@example.com", "urgent": True, "details": None},
        cancelled=False,
    )
    assert submission.raw["extra"] == 1


def test_dialog_cancellation() -> None:
    cancelled = DialogSubmission.from_dict({"cancelled": True, "callback_id": "x"})
    assert cancelled.cancelled is True and cancelled.submission == {}
    assert DialogSubmission.from_dict({"cancelled": "true"}).cancelled is True
    assert DialogSubmission.from_dict({"cancelled": "no"}).cancelled is False


# ------------------------------------------------------------------ responses


def test_action_response_update_golden() -> None:
    response = ActionResponse(
        update=PostUpdate(
            message="Approved by @alice",
            attachments=[Attachment(text="done", color="good")],
            props={"approved": True},
        ),
        ephemeral_text="You approved it",
    )
    assert response.to_dict() == {
        "update": {
            "message": "Approved by @alice",
            "props": {"approved": True, "attachments": [{"text": "done", "color": "good"}]},
        },
        "ephemeral_text": "You approved it",
    }


def test_action_response_variants() -> None:
    assert ActionResponse().to_dict() == {}
    assert ActionResponse(
        ephemeral_text="<https://x.example|x>", skip_slack_parsing=True
    ).to_dict() == {
        "ephemeral_text": "<https://x.example|x>",
        "skip_slack_parsing": True,
    }
    # Message only: the post keeps its props (buttons included).
    assert ActionResponse(update=PostUpdate(message="m")).to_dict() == {"update": {"message": "m"}}
    # attachments=[] removes them: props is sent, empty.
    assert ActionResponse(update=PostUpdate(message="m", attachments=[])).to_dict() == {
        "update": {"message": "m", "props": {}}
    }


def test_action_response_rules() -> None:
    with pytest.raises(BuilderError) as info:
        ActionResponse(ephemeral_text="x" * (MESSAGE_MAX_RUNES + 1)).to_dict()
    assert info.value.path == "ephemeral_text"
    with pytest.raises(BuilderError) as info:
        ActionResponse(
            update=PostUpdate(message="m", attachments=[Attachment(text="a", color="blue")])
        ).to_dict()
    assert info.value.path == "update.attachments[0].color"
    with pytest.raises(BuilderError) as info:
        ActionResponse(update=PostUpdate(message="x" * (MESSAGE_MAX_RUNES + 1))).to_dict()
    assert info.value.path == "update.message"


def test_slash_response_golden() -> None:
    response = SlashResponse(
        response_type=ResponseType.IN_CHANNEL,
        text="Deploying **prod**",
        username="deploy-bot",
        icon_url="https://integration.example.com/bot.png",
        attachments=[
            Attachment(
                text="Confirm?",
                actions=[Button(id="go", name="Go", integration=Integration(url=HOOK))],
            )
        ],
        props={"deploy": "prod"},
        goto_location="https://ci.example.com/deploys/1",
        skip_slack_parsing=True,
        extra_responses=[SlashResponse(text="Only you see this", response_type="ephemeral")],
    )
    assert response.to_dict() == {
        "response_type": "in_channel",
        "text": "Deploying **prod**",
        "username": "deploy-bot",
        "icon_url": "https://integration.example.com/bot.png",
        "attachments": [
            {
                "text": "Confirm?",
                "actions": [
                    {"id": "go", "type": "button", "name": "Go", "integration": {"url": HOOK}}
                ],
            }
        ],
        "props": {"deploy": "prod"},
        "goto_location": "https://ci.example.com/deploys/1",
        "skip_slack_parsing": True,
        "extra_responses": [{"response_type": "ephemeral", "text": "Only you see this"}],
    }


def test_slash_response_minimal() -> None:
    assert SlashResponse(text="hi").to_dict() == {"text": "hi"}
    assert SlashResponse(type="custom_report", text="x").to_dict()["type"] == "custom_report"


def test_slash_response_rules() -> None:
    cases: list[tuple[SlashResponse, str, str]] = [
        (SlashResponse(text="x", response_type="public"), "response_type", "'public'"),
        (SlashResponse(text="x" * (MESSAGE_MAX_RUNES + 1)), "text", "PostMessageMaxRunesV2"),
        (SlashResponse(text="x", channel_id="town-square"), "channel_id", "26"),
        (SlashResponse(text="x", type="system_join_channel"), "type", "custom_"),
        (
            SlashResponse(
                text="x", extra_responses=[SlashResponse(extra_responses=[SlashResponse()])]
            ),
            "extra_responses[0].extra_responses",
            "nested",
        ),
        (
            SlashResponse(extra_responses=[SlashResponse(text="x", response_type="loud")]),
            "extra_responses[0].response_type",
            "'loud'",
        ),
        (
            SlashResponse(attachments=[Attachment(text="a")], props={"attachments": []}),
            "props.attachments",
            "not both",
        ),
    ]
    for response, path, fragment in cases:
        with pytest.raises(BuilderError) as info:
            response.to_dict()
        assert info.value.path == path, str(info.value)
        assert fragment in info.value.reason, info.value.reason
