"""Exercises: webhooks, slash commands, bots, OAuth apps, outgoing OAuth connections."""

from __future__ import annotations

from typing import Any

from .harness import Ctx, SetupError, exercise, png_file

# ----------------------------------------------------------------- webhooks


def _incoming(c: Ctx) -> dict[str, Any]:
    return c.http(
        "POST",
        "/hooks/incoming",
        {"channel_id": c.channel["id"], "display_name": "conf", "description": "d"},
    )


def _outgoing(c: Ctx) -> dict[str, Any]:
    return c.http(
        "POST",
        "/hooks/outgoing",
        {
            "team_id": c.team["id"],
            "channel_id": c.channel["id"],
            "display_name": "conf",
            "trigger_words": ["conftrigger" + c.uid()],
            "callback_urls": ["http://127.0.0.1:9/x"],
        },
    )


@exercise("CreateIncomingWebhook")
def create_incoming_webhook(c: Ctx) -> Any:
    return c.call(
        "CreateIncomingWebhook", body={"channel_id": c.channel["id"], "display_name": "conf"}
    )


@exercise("GetIncomingWebhooks")
def get_incoming_webhooks(c: Ctx) -> Any:
    c.cached("incoming", lambda: _incoming(c))
    return c.call("GetIncomingWebhooks", team_id=c.team["id"])


@exercise("GetIncomingWebhook")
def get_incoming_webhook(c: Ctx) -> Any:
    return c.call("GetIncomingWebhook", hook_id=c.cached("incoming", lambda: _incoming(c))["id"])


@exercise("DeleteIncomingWebhook")
def delete_incoming_webhook(c: Ctx) -> Any:
    return c.call("DeleteIncomingWebhook", hook_id=_incoming(c)["id"])


@exercise("UpdateIncomingWebhook")
def update_incoming_webhook(c: Ctx) -> Any:
    h = _incoming(c)
    return c.call(
        "UpdateIncomingWebhook",
        hook_id=h["id"],
        body={
            "id": h["id"],
            "channel_id": h["channel_id"],
            "display_name": "renamed",
            "description": "d2",
        },
    )


@exercise("CreateOutgoingWebhook")
def create_outgoing_webhook(c: Ctx) -> Any:
    return c.call(
        "CreateOutgoingWebhook",
        body={
            "team_id": c.team["id"],
            "channel_id": c.channel["id"],
            "display_name": "conf",
            "trigger_words": ["conftrig" + c.uid()],
            "callback_urls": ["http://127.0.0.1:9/x"],
        },
    )


@exercise("GetOutgoingWebhooks")
def get_outgoing_webhooks(c: Ctx) -> Any:
    c.cached("outgoing", lambda: _outgoing(c))
    return c.call("GetOutgoingWebhooks", team_id=c.team["id"])


@exercise("GetOutgoingWebhook")
def get_outgoing_webhook(c: Ctx) -> Any:
    return c.call("GetOutgoingWebhook", hook_id=c.cached("outgoing", lambda: _outgoing(c))["id"])


@exercise("DeleteOutgoingWebhook")
def delete_outgoing_webhook(c: Ctx) -> Any:
    return c.call("DeleteOutgoingWebhook", hook_id=_outgoing(c)["id"])


@exercise("UpdateOutgoingWebhook")
def update_outgoing_webhook(c: Ctx) -> Any:
    h = _outgoing(c)
    return c.call(
        "UpdateOutgoingWebhook",
        hook_id=h["id"],
        body={
            "id": h["id"],
            "channel_id": h["channel_id"],
            "display_name": "renamed",
            "description": "d2",
        },
    )


@exercise("RegenOutgoingHookToken")
def regen_outgoing_hook_token(c: Ctx) -> Any:
    return c.call("RegenOutgoingHookToken", hook_id=_outgoing(c)["id"])


# ----------------------------------------------------------------- commands


def _command(c: Ctx, team_id: str | None = None) -> dict[str, Any]:
    return c.http(
        "POST",
        "/commands",
        {
            "team_id": team_id or c.team["id"],
            "method": "P",
            "trigger": c.uid("cmd"),
            "url": "http://127.0.0.1:9/cmd",
            "auto_complete": True,
        },
    )


@exercise("CreateCommand")
def create_command(c: Ctx) -> Any:
    return c.call(
        "CreateCommand",
        body={
            "team_id": c.team["id"],
            "method": "P",
            "trigger": c.uid("cmd"),
            "url": "http://127.0.0.1:9/cmd",
        },
    )


@exercise("ListCommands")
def list_commands(c: Ctx) -> Any:
    c.cached("command", lambda: _command(c))
    return c.call("ListCommands", team_id=c.team["id"], custom_only=True)


@exercise("ListAutocompleteCommands")
def list_autocomplete_commands(c: Ctx) -> Any:
    return c.call("ListAutocompleteCommands", team_id=c.team["id"])


@exercise("ListCommandAutocompleteSuggestions")
def list_command_autocomplete_suggestions(c: Ctx) -> Any:
    return c.call("ListCommandAutocompleteSuggestions", team_id=c.team["id"], user_input="/ec")


@exercise("GetCommandById")
def get_command_by_id(c: Ctx) -> Any:
    return c.call("GetCommandById", command_id=c.cached("command", lambda: _command(c))["id"])


@exercise("UpdateCommand")
def update_command(c: Ctx) -> Any:
    cmd = _command(c)
    cmd["display_name"] = "renamed"
    return c.call("UpdateCommand", command_id=cmd["id"], body=cmd)


@exercise("DeleteCommand")
def delete_command(c: Ctx) -> Any:
    return c.call("DeleteCommand", command_id=_command(c)["id"])


@exercise("MoveCommand")
def move_command(c: Ctx) -> Any:
    return c.call("MoveCommand", command_id=_command(c)["id"], body={"team_id": c.new_team()["id"]})


@exercise("RegenCommandToken")
def regen_command_token(c: Ctx) -> Any:
    return c.call("RegenCommandToken", command_id=_command(c)["id"])


@exercise("ExecuteCommand")
def execute_command(c: Ctx) -> Any:
    return c.call(
        "ExecuteCommand", body={"channel_id": c.channel["id"], "command": "/echo conformance"}
    )


# ----------------------------------------------------------------- bots


def _bot(c: Ctx) -> dict[str, Any]:
    return c.http("POST", "/bots", {"username": c.uid("bot"), "display_name": "Conf bot"})


@exercise("ConvertUserToBot")
def convert_user_to_bot(c: Ctx) -> Any:
    return c.call("ConvertUserToBot", user_id=c.new_user()["id"])


@exercise("CreateBot")
def create_bot(c: Ctx) -> Any:
    return c.call("CreateBot", body={"username": c.uid("bot"), "display_name": "Conf"})


@exercise("GetBots")
def get_bots(c: Ctx) -> Any:
    c.cached("bot", lambda: _bot(c))
    return c.call("GetBots")


@exercise("PatchBot")
def patch_bot(c: Ctx) -> Any:
    b = _bot(c)
    return c.call(
        "PatchBot",
        bot_user_id=b["user_id"],
        body={"username": b["username"], "description": "patched"},
    )


@exercise("GetBot")
def get_bot(c: Ctx) -> Any:
    return c.call("GetBot", bot_user_id=c.cached("bot", lambda: _bot(c))["user_id"])


@exercise("DisableBot")
def disable_bot(c: Ctx) -> Any:
    return c.call("DisableBot", bot_user_id=_bot(c)["user_id"])


@exercise("EnableBot")
def enable_bot(c: Ctx) -> Any:
    b = _bot(c)
    c.http("POST", f"/bots/{b['user_id']}/disable")
    return c.call("EnableBot", bot_user_id=b["user_id"])


@exercise("AssignBot")
def assign_bot(c: Ctx) -> Any:
    return c.call("AssignBot", bot_user_id=_bot(c)["user_id"], user_id=c.new_user()["id"])


def _bot_with_icon(c: Ctx) -> dict[str, Any]:
    b = _bot(c)
    c.call("SetBotIconImage", bot_user_id=b["user_id"], body={"image": png_file()})
    return b


@exercise("ConvertBotToUser")
def convert_bot_to_user(c: Ctx) -> Any:
    b = _bot(c)
    return c.call(
        "ConvertBotToUser",
        bot_user_id=b["user_id"],
        body={"email": b["username"] + "@example.com", "password": "Passw0rd!" + b["username"]},
    )


# ----------------------------------------------------------------- OAuth apps


def _oauth_ready(c: Ctx) -> None:
    """This server's system_admin role lacks manage_oauth (seen on 11.4): grant it once."""

    def grant() -> None:
        role = c.http("GET", "/roles/name/system_admin")
        if "manage_oauth" not in role["permissions"]:
            c.http(
                "PUT",
                f"/roles/{role['id']}/patch",
                {"permissions": [*role["permissions"], "manage_oauth"]},
            )

    c.cached("oauth-ready", grant)


def _oauth_app(c: Ctx) -> dict[str, Any]:
    _oauth_ready(c)
    return c.http(
        "POST",
        "/oauth/apps",
        {
            "name": c.uid("app"),
            "description": "conf",
            "callback_urls": ["http://127.0.0.1/cb"],
            "homepage": "http://127.0.0.1/",
        },
    )


@exercise("CreateOAuthApp")
def create_oauth_app(c: Ctx) -> Any:
    _oauth_ready(c)
    return c.call(
        "CreateOAuthApp",
        body={
            "name": c.uid("app"),
            "description": "conf",
            "callback_urls": ["http://127.0.0.1/cb"],
            "homepage": "http://127.0.0.1/",
        },
    )


@exercise("GetOAuthApps")
def get_oauth_apps(c: Ctx) -> Any:
    c.cached("oauth", lambda: _oauth_app(c))
    return c.call("GetOAuthApps")


@exercise("GetOAuthApp")
def get_oauth_app(c: Ctx) -> Any:
    return c.call("GetOAuthApp", app_id=c.cached("oauth", lambda: _oauth_app(c))["id"])


@exercise("UpdateOAuthApp")
def update_oauth_app(c: Ctx) -> Any:
    a = _oauth_app(c)
    return c.call(
        "UpdateOAuthApp",
        app_id=a["id"],
        body={
            "id": a["id"],
            "name": "renamed",
            "description": "d2",
            "callback_urls": a["callback_urls"],
            "homepage": a["homepage"],
        },
    )


@exercise("DeleteOAuthApp")
def delete_oauth_app(c: Ctx) -> Any:
    return c.call("DeleteOAuthApp", app_id=_oauth_app(c)["id"])


@exercise("RegenerateOAuthAppSecret")
def regenerate_oauth_app_secret(c: Ctx) -> Any:
    return c.call("RegenerateOAuthAppSecret", app_id=_oauth_app(c)["id"])


@exercise("GetOAuthAppInfo")
def get_oauth_app_info(c: Ctx) -> Any:
    return c.call("GetOAuthAppInfo", app_id=c.cached("oauth", lambda: _oauth_app(c))["id"])


@exercise("GetAuthorizationServerMetadata")
def get_authorization_server_metadata(c: Ctx) -> Any:
    return c.call("GetAuthorizationServerMetadata")


@exercise("RegisterOAuthClient")
def register_oauth_client(c: Ctx) -> Any:
    c.cached(
        "dcr",
        lambda: c.http(
            "PUT", "/config/patch", {"ServiceSettings": {"EnableDynamicClientRegistration": True}}
        ),
    )
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        return c.call(
            "RegisterOAuthClient",
            client=anon,
            body={"redirect_uris": ["http://127.0.0.1/cb"], "client_name": c.uid("dcr")},
        )


@exercise("GetAuthorizedOAuthAppsForUser")
def get_authorized_oauth_apps_for_user(c: Ctx) -> Any:
    # the consent step of the OAuth flow: POST /oauth/authorize takes any API session
    app = c.cached("oauth", lambda: _oauth_app(c))
    httpx_client = c.admin.get_httpx_client()
    answer = httpx_client.post(
        c.url + "/oauth/authorize",
        json={
            "response_type": "code",
            "client_id": app["id"],
            "redirect_uri": app["callback_urls"][0],
            "state": c.uid("s"),
            "scope": "",
        },
    )
    if answer.status_code != 200:
        raise SetupError(
            f"set-up POST /oauth/authorize answered {answer.status_code}: " f"{answer.text[:200]}"
        )
    return c.call("GetAuthorizedOAuthAppsForUser", user_id=c.s.admin_id)
