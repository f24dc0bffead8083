"""The core models declare every field the server sends, and take null where it may send null.

The field lists are facts from the pinned server's Go structs (server/public/model, module
server/public v0.1.22: the `json` tag names; `password` and `mfa_secret` are cleared by
User.Sanitize before any answer). Nullable: Go pointers, slices and maps without omitempty,
plus User.notify_props / User.props (a user decoded without them has null)."""

from __future__ import annotations

import importlib
import json
from typing import Any

import attrs
import pytest

from tests.unit._spec import REPO

FIELDS: dict[str, list[str]] = {
    "User": [
        "id",
        "create_at",
        "update_at",
        "delete_at",
        "username",
        "auth_data",
        "auth_service",
        "email",
        "email_verified",
        "nickname",
        "first_name",
        "last_name",
        "position",
        "roles",
        "allow_marketing",
        "props",
        "notify_props",
        "last_password_update",
        "last_picture_update",
        "failed_attempts",
        "locale",
        "timezone",
        "mfa_active",
        "remote_id",
        "last_activity_at",
        "is_bot",
        "bot_description",
        "bot_last_icon_update",
        "terms_of_service_id",
        "terms_of_service_create_at",
        "disable_welcome_email",
        "last_login",
        "mfa_used_timestamps",
    ],
    "Post": [
        "id",
        "create_at",
        "update_at",
        "edit_at",
        "delete_at",
        "is_pinned",
        "user_id",
        "channel_id",
        "root_id",
        "original_id",
        "message",
        "message_source",
        "type",
        "props",
        "hashtags",
        "file_ids",
        "pending_post_id",
        "has_reactions",
        "remote_id",
        "reply_count",
        "last_reply_at",
        "participants",
        "is_following",
        "metadata",
    ],
    "PostMetadata": [
        "embeds",
        "emojis",
        "files",
        "images",
        "reactions",
        "priority",
        "acknowledgements",
        "translations",
        "expire_at",
        "recipients",
    ],
    "Channel": [
        "id",
        "create_at",
        "update_at",
        "delete_at",
        "team_id",
        "type",
        "display_name",
        "name",
        "header",
        "purpose",
        "last_post_at",
        "total_msg_count",
        "extra_update_at",
        "creator_id",
        "scheme_id",
        "props",
        "group_constrained",
        "autotranslation",
        "shared",
        "total_msg_count_root",
        "policy_id",
        "last_root_post_at",
        "banner_info",
        "policy_enforced",
        "policy_is_active",
        "default_category_name",
    ],
    "ChannelMember": [
        "channel_id",
        "user_id",
        "roles",
        "last_viewed_at",
        "msg_count",
        "mention_count",
        "mention_count_root",
        "urgent_mention_count",
        "msg_count_root",
        "notify_props",
        "last_update_at",
        "scheme_guest",
        "scheme_user",
        "scheme_admin",
        "explicit_roles",
    ],
    "Team": [
        "id",
        "create_at",
        "update_at",
        "delete_at",
        "display_name",
        "name",
        "description",
        "email",
        "type",
        "company_name",
        "allowed_domains",
        "invite_id",
        "allow_open_invite",
        "last_team_icon_update",
        "scheme_id",
        "group_constrained",
        "policy_id",
        "cloud_limits_archived",
    ],
    "TeamMember": [
        "team_id",
        "user_id",
        "roles",
        "delete_at",
        "scheme_guest",
        "scheme_user",
        "scheme_admin",
        "explicit_roles",
    ],
    "FileInfo": [
        "id",
        "user_id",
        "post_id",
        "channel_id",
        "create_at",
        "update_at",
        "delete_at",
        "name",
        "extension",
        "size",
        "mime_type",
        "width",
        "height",
        "has_preview_image",
        "mini_preview",
        "remote_id",
        "archived",
    ],
    "Reaction": [
        "user_id",
        "post_id",
        "emoji_name",
        "create_at",
        "update_at",
        "delete_at",
        "remote_id",
        "channel_id",
    ],
    "Emoji": ["id", "create_at", "update_at", "delete_at", "creator_id", "name"],
    "Bot": [
        "user_id",
        "username",
        "display_name",
        "description",
        "owner_id",
        "last_icon_update",
        "create_at",
        "update_at",
        "delete_at",
    ],
    "IncomingWebhook": [
        "id",
        "create_at",
        "update_at",
        "delete_at",
        "user_id",
        "channel_id",
        "team_id",
        "display_name",
        "description",
        "username",
        "icon_url",
        "channel_locked",
    ],
    "OutgoingWebhook": [
        "id",
        "token",
        "create_at",
        "update_at",
        "delete_at",
        "creator_id",
        "channel_id",
        "team_id",
        "trigger_words",
        "trigger_when",
        "callback_urls",
        "display_name",
        "description",
        "content_type",
        "username",
        "icon_url",
    ],
    "Command": [
        "id",
        "token",
        "create_at",
        "update_at",
        "delete_at",
        "creator_id",
        "team_id",
        "trigger",
        "method",
        "username",
        "icon_url",
        "auto_complete",
        "auto_complete_desc",
        "auto_complete_hint",
        "display_name",
        "description",
        "url",
        "plugin_id",
        "autocomplete_data",
        "autocomplete_icon_data",
    ],
    "CommandResponse": [
        "response_type",
        "text",
        "username",
        "channel_id",
        "icon_url",
        "type",
        "props",
        "goto_location",
        "trigger_id",
        "skip_slack_parsing",
        "attachments",
        "extra_responses",
    ],
    "UserAccessToken": ["id", "token", "user_id", "description", "is_active"],
    "Preference": ["user_id", "category", "name", "value"],
}

NULLABLE: dict[str, list[str]] = {
    "User": ["props", "notify_props", "timezone"],
    "Post": ["props", "file_ids", "participants"],
    "Channel": ["scheme_id", "props", "group_constrained", "shared", "policy_id", "banner_info"],
    "ChannelMember": ["notify_props"],
    "Team": ["scheme_id", "group_constrained", "policy_id"],
    "FileInfo": ["mini_preview", "remote_id"],
    "Reaction": ["remote_id"],
    "OutgoingWebhook": ["trigger_words", "callback_urls"],
}

SAMPLE = {"string": "x", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}


def model(name: str) -> Any:
    return getattr(importlib.import_module("mattermost_api.models"), name)


def json_names(cls: Any) -> set[str]:
    return {field.name.removesuffix("_") for field in attrs.fields(cls)} - {"additional_properties"}


def minimal(name: str) -> dict[str, Any]:
    """The model's required fields with a value of their JSON type."""
    spec = json.loads((REPO / "generated" / "openapi.json").read_text())
    schema = spec["components"]["schemas"][name]
    props = schema.get("properties", {})
    return {
        key: SAMPLE.get(props.get(key, {}).get("type", "string"), "x")
        for key in schema.get("required", [])
    }


# the Go file (server/public/model) of each struct whose json tags FIELDS lists
GO_FILES = {
    "User": "user.go",
    "Post": "post.go",
    "PostMetadata": "post_metadata.go",
    "Channel": "channel.go",
    "ChannelMember": "channel_member.go",
    "Team": "team.go",
    "TeamMember": "team_member.go",
    "FileInfo": "file_info.go",
    "Reaction": "reaction.go",
    "Emoji": "emoji.go",
    "Bot": "bot.go",
    "IncomingWebhook": "incoming_webhook.go",
    "OutgoingWebhook": "outgoing_webhook.go",
    "Command": "command.go",
    "CommandResponse": "command_response.go",
    "UserAccessToken": "user_access_token.go",
    "Preference": "preference.go",
}
NEVER_SENT = {"User": {"password", "mfa_secret"}}  # cleared by User.Sanitize


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_lists_are_the_server_structs(name: str) -> None:
    """FIELDS are facts: the json tags of the pinned server's structs, read from its source."""
    from tests.unit.test_source_truth import go_module_root, go_struct_fields

    source = (go_module_root(public=True) / "model" / GO_FILES[name]).read_text()
    sent = set(go_struct_fields(source, name)) - {"-"} - NEVER_SENT.get(name, set())
    assert sorted(FIELDS[name]) == sorted(sent)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_core_models_declare_every_field(name: str) -> None:
    missing = sorted(set(FIELDS[name]) - json_names(model(name)))
    assert not missing, f"{name} lacks fields the server sends: {missing}"


@pytest.mark.parametrize("name", sorted(NULLABLE))
def test_null_where_the_server_may_send_null(name: str) -> None:
    cls = model(name)
    for key in NULLABLE[name]:
        payload = {**minimal(name), key: None}
        parsed = cls.from_dict(payload)
        attribute = key if key in {f.name for f in attrs.fields(cls)} else key + "_"
        assert getattr(parsed, attribute) is None, f"{name}.{key}"
        assert parsed.to_dict()[key] is None, f"{name}.{key}"
        assert key not in parsed.additional_properties


def test_plugin_status_state_is_the_servers_integer() -> None:
    # model.PluginStatus.State is an int: PluginStateNotRunning = 0 ... PluginStateStopping = 5
    from mattermost_api.models import plugin_status_state
    from mattermost_api.types import UnknownEnumInt

    assert {0, 1, 2, 3, 4, 5} == plugin_status_state.PLUGIN_STATUS_STATE_VALUES
    status = model("PluginStatus").from_dict({"plugin_id": "p", "state": 2})
    assert status.state == 2 and not isinstance(status.state, UnknownEnumInt)
    assert isinstance(model("PluginStatus").from_dict({"state": 9}).state, UnknownEnumInt)
