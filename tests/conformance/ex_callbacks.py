"""Exercises that need a live counterpart: the local integration and SMTP stubs of the harness.

`c.stub` is an HTTP server on 127.0.0.1 standing in for an integration (post actions, dialogs),
an image host, an S3 bucket and a push proxy; `c.smtp` an SMTP server that keeps the mails, so
tokens that only travel by e-mail (password reset, e-mail verification) can be read back.
Config changed for an exercise is put back by `c.config_patched`.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from typing import Any

from .harness import Ctx, SetupError, exercise

# ----------------------------------------------------------------- post actions and dialogs


def _action_post(c: Ctx, path: str = "/action") -> tuple[dict[str, Any], str]:
    """A post with a button whose integration is the stub; answers (post, action id)."""
    post = c.new_post(message="conformance action post", props={"attachments": [{
        "text": "press", "actions": [{
            "id": "confaction", "name": "Press", "type": "button",
            "integration": {"url": c.stub.url + path, "context": {"k": "v"}}}]}]})
    return post, post["props"]["attachments"][0]["actions"][0]["id"]


@exercise("DoPostAction")
def do_post_action(c: Ctx) -> Any:
    post, action_id = _action_post(c)
    return c.call("DoPostAction", post_id=post["id"], action_id=action_id)


def _trigger_id(c: Ctx) -> str:
    """A fresh trigger id: the server signs one into every post action it forwards."""
    path = "/action/" + c.uid()
    post, action_id = _action_post(c, path)
    c.http("POST", f"/posts/{post['id']}/actions/{action_id}", {})
    request = json.loads(c.stub.received(path)[2])
    if not request.get("trigger_id"):
        raise SetupError(f"the post action request carried no trigger_id: {request}")
    return str(request["trigger_id"])


@exercise("OpenInteractiveDialog")
def open_interactive_dialog(c: Ctx) -> Any:
    return c.call("OpenInteractiveDialog", body={
        "trigger_id": _trigger_id(c), "url": c.stub.url + "/dialog",
        "dialog": {"callback_id": "conf", "title": "Conformance", "submit_label": "OK",
                   "elements": [{"display_name": "Name", "name": "name", "type": "text"}]}})


def _dialog_request(c: Ctx, path: str) -> dict[str, Any]:
    return {"url": c.stub.url + path, "channel_id": c.channel["id"], "team_id": c.team["id"],
            "submission": {"name": "conformance"}, "callback_id": "conf", "state": "s"}


@exercise("SubmitInteractiveDialog")
def submit_interactive_dialog(c: Ctx) -> Any:
    # the integration answers field errors, which the server passes on
    return c.call("SubmitInteractiveDialog", body=_dialog_request(c, "/dialog-errors"))


@exercise("LookupInteractiveDialog")
def lookup_interactive_dialog(c: Ctx) -> Any:
    return c.call("LookupInteractiveDialog", body=_dialog_request(c, "/lookup"))


# ----------------------------------------------------------------- image proxy, S3, push proxy


@exercise("GetImageByUrl")
def get_image_by_url(c: Ctx) -> Any:
    with c.config_patched({"ImageProxySettings": {"Enable": True, "ImageProxyType": "local"}}):
        return c.call("GetImageByUrl", url_query=c.stub.url + "/pixel.png")


@exercise("TestS3Connection")
def test_s3_connection(c: Ctx) -> Any:
    cfg = c.http("GET", "/config")
    cfg["FileSettings"].update({
        "DriverName": "amazons3", "AmazonS3Bucket": "conformance",
        "AmazonS3Endpoint": c.stub.url.removeprefix("http://"),
        "AmazonS3SSL": False, "AmazonS3Region": "us-east-1", "AmazonS3PathPrefix": "",
        "AmazonS3AccessKeyId": "conformance", "AmazonS3SecretAccessKey": "conformance"})
    return c.call("TestS3Connection", body=cfg)


# ----------------------------------------------------------------- e-mail


def _smtp_settings(c: Ctx) -> dict[str, Any]:
    return {"SendEmailNotifications": True, "SMTPServer": "127.0.0.1",
            "SMTPPort": str(c.smtp.port), "ConnectionSecurity": "", "EnableSMTPAuth": False}


@exercise("TestEmail")
def test_email(c: Ctx) -> Any:
    # 11.4 tests the server's own mail settings, not the posted ones: point both at the stub.
    with c.config_patched({"EmailSettings": _smtp_settings(c)}):
        cfg = c.http("GET", "/config")
        answer = c.call("TestEmail", body=cfg)
        c.smtp.mail_to(c.http("GET", "/users/me")["email"])
        return answer


def _mailed_token(c: Ctx, send: str, user: dict[str, Any]) -> str:
    """Has the server mail `user` (POST `send`) through the SMTP stub; the link's token."""
    from mattermost_api import Client

    with c.config_patched({"EmailSettings": _smtp_settings(c)}):
        with Client(base_url=c.url) as anon:
            answer = anon.get_httpx_client().post("/api/v4" + send, json={"email": user["email"]})
        if answer.status_code != 200:
            raise SetupError(f"set-up POST {send} answered {answer.status_code}: {answer.text}")
        text = c.smtp.mail_to(user["email"])
    found = re.search(r"token=([A-Za-z0-9]+)", text)
    if not found:
        raise SetupError(f"no token in the mail to {user['email']}")
    return found.group(1)


@exercise("ResetPassword")
def reset_password(c: Ctx) -> Any:
    u = c.new_user()
    token = _mailed_token(c, "/users/password/reset/send", u)
    return c.call("ResetPassword",
                  body={"token": token, "new_password": "Reset!Passw0rd" + u["id"]})


@exercise("VerifyUserEmail")
def verify_user_email(c: Ctx) -> Any:
    u = c.new_user()
    token = _mailed_token(c, "/users/email/verify/send", u)
    return c.call("VerifyUserEmail", body={"token": token})


# ----------------------------------------------------------------- accounts and teams


@exercise("AddTeamMemberFromInvite")
def add_team_member_from_invite(c: Ctx) -> Any:
    team = c.new_team()
    invite_id = c.http("GET", f"/teams/{team['id']}")["invite_id"]
    client = c.new_user_client(c.new_user())
    return c.call("AddTeamMemberFromInvite", client=client, invite_id=invite_id)


@exercise("SwitchAccountType")
def switch_account_type(c: Ctx) -> Any:
    # A throwaway GitLab (OAuth) account switches to e-mail sign-in: no provider involved.
    u = c.new_user()
    client = c.new_user_client(u)
    c.http("PUT", f"/users/{u['id']}/auth", {"auth_data": c.uid("gl"), "auth_service": "gitlab"})
    return c.call("SwitchAccountType", client=client, body={
        "current_service": "gitlab", "new_service": "email", "email": u["email"],
        "new_password": "Switched!Passw0rd" + u["id"]})


@exercise("ImportTeam")
def import_team(c: Ctx) -> Any:
    from mattermost_api.types import File

    # The smallest Slack export: no users, one channel (created in a throwaway team).
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("users.json", "[]")
        z.writestr("channels.json", '[{"id": "C0CONF", "name": "conf-import", "creator": "",'
                                    ' "members": [], "topic": {"value": ""},'
                                    ' "purpose": {"value": ""}, "is_archived": false}]')
    data = archive.getvalue()
    return c.call("ImportTeam", team_id=c.new_team()["id"], body={
        "file": File(payload=io.BytesIO(data), file_name="slack.zip",
                     mime_type="application/zip"),
        "filesize": len(data), "import_from": "slack"})


@exercise("AcknowledgeNotification")
def acknowledge_notification(c: Ctx) -> Any:
    # The server forwards the ack to its push proxy: the stub stands in for it.
    with c.config_patched({"EmailSettings": {"SendPushNotifications": True,
                                             "PushNotificationServer": c.stub.url}}):
        answer = c.call("AcknowledgeNotification", body={
            "id": c.uid("ack"), "platform": "android", "type": "message",
            "received_at": int(time.time() * 1000)})
        c.stub.received("/api/v1/ack")
        return answer


@exercise("GetUsersWithInvalidEmails")
def get_users_with_invalid_emails(c: Ctx) -> Any:
    # Answers 400 while the server is open (EnableOpenServer): closed for this one call.
    with c.config_patched({"TeamSettings": {"EnableOpenServer": False}}):
        return c.call("GetUsersWithInvalidEmails", page=0, per_page=10)


# ----------------------------------------------------------------- plugins (none installed)


def _with_plugins(op_id: str) -> Any:
    def run(c: Ctx) -> Any:
        # Plugins are off on the shared server (501): on for this one read-only call.  Its
        # plugin directory is empty, so no plugin process starts; the webapp bundles go to
        # that (existing) directory too, as the configured client directory may not exist.
        plugin_dir = c.http("GET", "/config")["PluginSettings"]["Directory"]
        with c.config_patched({"PluginSettings": {"Enable": True,
                                                  "ClientDirectory": plugin_dir}}):
            deadline = time.monotonic() + 10
            while True:
                answer = c.call(op_id)
                if answer.status_code != 501 or time.monotonic() > deadline:
                    return answer
                time.sleep(0.2)  # the plugin environment is still starting

    return exercise(op_id)(run)


for _op in ("GetPlugins", "GetPluginStatuses", "GetWebappPlugins"):
    _with_plugins(_op)
