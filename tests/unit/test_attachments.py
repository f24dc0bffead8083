"""Message attachments and actions: golden dicts, and one failing case per rule."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from mattermost_api.models.create_post_body import CreatePostBody

from mattermost_ext.attachments import (
    MESSAGE_MAX_RUNES,
    PROPS_MAX_RUNES,
    ActionDataSource,
    ActionOption,
    ActionStyle,
    Attachment,
    AttachmentColor,
    AttachmentField,
    BuilderError,
    Button,
    Integration,
    Menu,
    attachments_to_list,
    post_body,
)

CHANNEL = "c" * 26
HOOK = "https://integration.example.com/mm"


def _button(**kw: Any) -> Button:
    args: dict[str, Any] = {"name": "OK", "integration": Integration(url=HOOK)}
    args.update(kw)
    return Button(**args)


def test_limits_mirror_mattermost() -> None:
    # PostMessageMaxRunesV2 = 65535 / 4; PostPropsMaxUserRunes = 800000 - 40000
    assert MESSAGE_MAX_RUNES == 65535 // 4
    assert PROPS_MAX_RUNES == 800000 - 40000


def test_full_attachment_golden() -> None:
    attachment = Attachment(
        fallback="Build 42 passed",
        color=AttachmentColor.GOOD,
        pretext="CI report",
        text="All **green**",
        author_name="ci-bot",
        author_link="https://ci.example.com/bot",
        author_icon="https://ci.example.com/bot.png",
        title="Build 42",
        title_link="https://ci.example.com/builds/42",
        fields=[
            AttachmentField(title="Branch", value="main", short=True),
            AttachmentField(title="Tests", value=1234, short=True),
            AttachmentField(title="Notes", value="none"),
        ],
        image_url="https://ci.example.com/graph.png",
        thumb_url="https://ci.example.com/thumb.png",
        footer="ci.example.com",
        footer_icon="https://ci.example.com/favicon.png",
        ts=1700000000,
        actions=[
            Button(
                id="rerun",
                name="Re-run",
                style=ActionStyle.PRIMARY,
                integration=Integration(url=HOOK, context={"build": 42, "action": "rerun"}),
            ),
            Menu(
                id="promote",
                name="Promote to...",
                options=[
                    ActionOption(text="Staging", value="staging"),
                    ActionOption(text="Production", value="prod"),
                ],
                default_option="staging",
                integration=Integration(url=HOOK),
            ),
            Menu(
                id="assign",
                name="Assign",
                data_source=ActionDataSource.USERS,
                integration=Integration(url="/plugins/com.example.ci/assign"),
            ),
        ],
    )
    assert attachment.to_dict() == {
        "fallback": "Build 42 passed",
        "color": "good",
        "pretext": "CI report",
        "text": "All **green**",
        "author_name": "ci-bot",
        "author_link": "https://ci.example.com/bot",
        "author_icon": "https://ci.example.com/bot.png",
        "title": "Build 42",
        "title_link": "https://ci.example.com/builds/42",
        "fields": [
            {"title": "Branch", "value": "main", "short": True},
            {"title": "Tests", "value": "1234", "short": True},
            {"title": "Notes", "value": "none"},
        ],
        "image_url": "https://ci.example.com/graph.png",
        "thumb_url": "https://ci.example.com/thumb.png",
        "footer": "ci.example.com",
        "footer_icon": "https://ci.example.com/favicon.png",
        "ts": "1700000000",
        "actions": [
            {
                "id": "rerun",
                "type": "button",
                "name": "Re-run",
                "style": "primary",
                "integration": {"url": HOOK, "context": {"build": 42, "action": "rerun"}},
            },
            {
                "id": "promote",
                "type": "select",
                "name": "Promote to...",
                "options": [
                    {"text": "Staging", "value": "staging"},
                    {"text": "Production", "value": "prod"},
                ],
                "default_option": "staging",
                "integration": {"url": HOOK},
            },
            {
                "id": "assign",
                "type": "select",
                "name": "Assign",
                "data_source": "users",
                "integration": {"url": "/plugins/com.example.ci/assign"},
            },
        ],
    }


def test_empty_values_are_dropped() -> None:
    assert Attachment(text="hi", title="", fields=[], actions=[]).to_dict() == {"text": "hi"}
    assert _button(disabled=False, style=None).to_dict() == {
        "type": "button",
        "name": "OK",
        "integration": {"url": HOOK},
    }
    assert _button(disabled=True, style="#aa00FF").to_dict()["disabled"] is True


def test_hex_and_named_colors_accepted() -> None:
    for color in ("good", "warning", "danger", "#36a64f", "#ABCDEF"):
        assert Attachment(text="x", color=color).to_dict()["color"] == color
    for style in ("default", "primary", "success", "good", "warning", "danger", "#000000"):
        assert _button(style=style).to_dict()["style"] == style


def test_post_body_golden() -> None:
    body = post_body(
        channel_id=CHANNEL,
        message="Deploy finished",
        attachments=[Attachment(text="one"), Attachment(text="two", color="danger")],
        props={"from_ci": True},
    )
    assert isinstance(body, CreatePostBody)  # what mm.posts.create_post(body=...) takes
    assert body.to_dict() == {
        "channel_id": CHANNEL,
        "message": "Deploy finished",
        "props": {
            "from_ci": True,
            "attachments": [{"text": "one"}, {"text": "two", "color": "danger"}],
        },
    }


def test_post_body_without_attachments_and_thread_reply() -> None:
    assert post_body(channel_id=CHANNEL, message="hi", root_id="r" * 26).to_dict() == {
        "channel_id": CHANNEL,
        "message": "hi",
        "root_id": "r" * 26,
    }


def test_post_body_attachments_only() -> None:
    body = post_body(channel_id=CHANNEL, attachments=[Attachment(text="x")])
    assert body.to_dict() == {
        "channel_id": CHANNEL,
        "message": "",
        "props": {"attachments": [{"text": "x"}]},
    }


# ------------------------------------------------------------------ validation rules


def _fails(fn: Any, path: str, *fragments: str) -> BuilderError:
    with pytest.raises(BuilderError) as info:
        fn()
    err = info.value
    assert err.path == path, str(err)
    for fragment in fragments:
        assert fragment in err.reason, err.reason
    assert str(err).startswith(f"{path}: ")
    assert isinstance(err, ValueError)
    return err


def test_action_without_integration() -> None:
    attachments = [Attachment(text="x", actions=[_button(), Button(name="No hook")])]
    _fails(
        lambda: attachments_to_list(attachments),
        "attachments[0].actions[1].integration",
        "is required",
        "integration URL",
    )


def test_action_with_empty_integration_url() -> None:
    attachments = [
        Attachment(text="x", actions=[_button(), _button(integration=Integration(url=""))])
    ]
    _fails(
        lambda: post_body(channel_id=CHANNEL, message="m", attachments=attachments),
        "attachments[0].actions[1].integration.url",
        "is required",
    )


def test_action_with_relative_integration_url() -> None:
    _fails(
        lambda: _button(integration=Integration(url="example.com/hook")).to_dict(),
        "action.integration.url",
        "http",
    )


def test_action_context_must_be_json() -> None:
    _fails(
        lambda: _button(integration=Integration(url=HOOK, context={"when": object()})).to_dict(),
        "action.integration.context",
        "JSON",
    )


def test_invalid_attachment_color() -> None:
    _fails(lambda: Attachment(text="x", color="green").to_dict(), "attachment.color", "'green'")


def test_short_hex_color_rejected_like_mattermost() -> None:
    _fails(lambda: Attachment(text="x", color="#fff").to_dict(), "attachment.color", "#rrggbb")


def test_invalid_action_style() -> None:
    _fails(lambda: _button(style="loud").to_dict(), "action.style", "invalid color 'loud'")


def test_menu_with_options_and_data_source() -> None:
    menu = Menu(
        name="Pick",
        options=[ActionOption(text="a", value="a")],
        data_source="channels",
        integration=Integration(url=HOOK),
    )
    _fails(menu.to_dict, "action.options", "both options and a data_source")


def test_menu_without_options_or_data_source() -> None:
    menu = Menu(name="Pick", integration=Integration(url=HOOK))
    _fails(menu.to_dict, "action.options", "either options or a data_source")


def test_menu_bad_data_source() -> None:
    menu = Menu(name="Pick", data_source="teams", integration=Integration(url=HOOK))
    _fails(menu.to_dict, "action.data_source", "'teams'")


def test_menu_default_not_in_options() -> None:
    menu = Menu(
        name="Pick",
        options=[ActionOption(text="a", value="a")],
        default_option="b",
        integration=Integration(url=HOOK),
    )
    _fails(menu.to_dict, "action.default_option", "'b'")


def test_menu_option_needs_text_and_value() -> None:
    menu = Menu(
        name="Pick",
        options=[ActionOption(text="a", value="a"), ActionOption(text="b", value="")],
        integration=Integration(url=HOOK),
    )
    _fails(menu.to_dict, "action.options[1].value", "is required")


def test_action_needs_name() -> None:
    _fails(lambda: _button(name="").to_dict(), "action.name", "is required")


@pytest.mark.parametrize("bad_id", ["my-action", "my_action", "ação", "a b", ""])
def test_bad_action_id(bad_id: str) -> None:
    _fails(lambda: _button(id=bad_id).to_dict(), "action.id", "letters and digits")


def test_duplicate_action_ids_in_one_post() -> None:
    attachments = [
        Attachment(text="x", actions=[_button(id="approve")]),
        Attachment(text="y", actions=[_button(id="deny"), _button(id="approve")]),
    ]
    _fails(
        lambda: attachments_to_list(attachments),
        "attachments[1].actions[1].id",
        "duplicate action id 'approve'",
        "attachments[0].actions[0]",
    )


def test_message_over_the_limit() -> None:
    _fails(
        lambda: post_body(channel_id=CHANNEL, message="x" * (MESSAGE_MAX_RUNES + 1)),
        "message",
        f"over the limit of {MESSAGE_MAX_RUNES}",
        "PostMessageMaxRunesV2",
    )
    # Runes, not bytes: 16383 non-ASCII characters are fine.
    post_body(channel_id=CHANNEL, message="é" * MESSAGE_MAX_RUNES)


def test_props_over_the_limit() -> None:
    big = [Attachment(text="x" * 100_000) for _ in range(8)]
    _fails(
        lambda: post_body(channel_id=CHANNEL, message="m", attachments=big),
        "props",
        "PostPropsMaxUserRunes",
    )


def test_links_need_their_text() -> None:
    _fails(
        lambda: Attachment(title_link="https://x.example").to_dict(),
        "attachment.title_link",
        "without title",
    )
    _fails(
        lambda: Attachment(author_link="https://x.example").to_dict(),
        "attachment.author_link",
        "without author_name",
    )


@pytest.mark.parametrize(
    "name", ["author_icon", "image_url", "thumb_url", "footer_icon", "title_link"]
)
def test_urls_must_be_http(name: str) -> None:
    kwargs: dict[str, Any] = {name: "ftp://files.example/x.png"}
    attachment = Attachment(title="t", **kwargs)
    _fails(attachment.to_dict, f"attachment.{name}", "http")


def test_field_value_type() -> None:
    bad = AttachmentField(title="n", value=1.5)  # type: ignore[arg-type]
    _fails(
        lambda: Attachment(fields=[AttachmentField(title="ok"), bad]).to_dict(),
        "attachment.fields[1].value",
        "string or an int",
    )
    _fails(lambda: AttachmentField().to_dict(), "field", "title or a value")


def test_ts_type() -> None:
    _fails(lambda: Attachment(text="x", ts=1.5).to_dict(), "attachment.ts", "int or a string")  # type: ignore[arg-type]


def test_post_body_rules() -> None:
    _fails(lambda: post_body(channel_id="town-square", message="x"), "channel_id", "26")
    _fails(lambda: post_body(channel_id=CHANNEL), "message", "message or at least one")
    _fails(
        lambda: post_body(
            channel_id=CHANNEL,
            message="x",
            attachments=[Attachment(text="a")],
            props={"attachments": []},
        ),
        "props.attachments",
        "not both",
    )


def test_error_is_picklable_and_readable() -> None:
    err = BuilderError("attachments[0].color", "invalid color 'x'")
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.reason, str(again)) == (err.path, err.reason, str(err))
    assert str(err) == "attachments[0].color: invalid color 'x'"
