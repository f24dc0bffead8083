"""The integration builders against a real Mattermost server.

A small HTTP integration runs in a thread on 127.0.0.1 (the test server allows
untrusted internal connections to it); Mattermost POSTs button clicks, slash commands
and dialog submissions there, the parsers type them, the builders answer.

Only the ``mm_server`` fixture contract is used (url, admin_token, user_token, team_id)
and plain httpx; each test module works in a channel of its own.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from mattermost_ext.attachments import (
    ActionDataSource,
    ActionOption,
    ActionStyle,
    Attachment,
    AttachmentField,
    Button,
    Integration,
    Menu,
    post_body,
)
from mattermost_ext.dialogs import (
    BoolElement,
    Dialog,
    DialogSubmissionResponse,
    OpenDialogRequest,
    SelectElement,
    TextElement,
)
from mattermost_ext.integrations import (
    ActionRequest,
    ActionResponse,
    DialogSubmission,
    PostUpdate,
    SlashCommandRequest,
    SlashResponse,
)
from mattermost_ext.webhooks import WebhookError, WebhookPayload, post_webhook

pytestmark = pytest.mark.integration

# --------------------------------------------------------------------------- helpers


class Api:
    """Just enough REST: JSON in, JSON out, a clear assertion on failure."""

    def __init__(self, base_url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v4",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60.0,
        )

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.client.request(method, path, json=body)
        assert (
            response.status_code == expect
        ), f"{method} {path}: HTTP {response.status_code}: {response.text[:1000]}"
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        return self.call("POST", path, body, expect)

    def close(self) -> None:
        self.client.close()


Handler = Callable[[bytes, dict[str, str]], tuple[int, Any]]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class FakeIntegration:
    """An HTTP server on 127.0.0.1 answering Mattermost's integration requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer._lock:
                    outer.received.append(Received(self.path, headers, body))
                    route = outer.routes.get(self.path)
                status, answer = route(body, headers) if route else (404, {"error": "no route"})
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def _normalise(value: Any) -> Any:
    """Attachments as read back: drop what Mattermost fills in (empty fields, the
    attachment ``id`` 0, action cookies) so they compare with what was built."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "cookie" or (key == "id" and item == 0):
                continue
            item = _normalise(item)
            if item is None or item is False or item in ("", [], {}):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _without_integrations(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(json.dumps(attachments))
    for attachment in out:
        for action in attachment.get("actions", []):
            action.pop("integration", None)
    return out


def assert_same_attachments(read: Any, built: list[dict[str, Any]]) -> None:
    got = _normalise(read)
    # GET /posts/{id} strips integrations (URL, context) from the actions it returns.
    if any("integration" in a for att in got for a in att.get("actions", [])):
        assert got == built
    else:
        assert got == _without_integrations(built)


def _wait_for_post(api: Api, channel_id: str, match: Callable[[dict[str, Any]], bool]) -> Any:
    deadline = time.monotonic() + 15
    while True:
        posts = api.get(f"/channels/{channel_id}/posts?per_page=30")
        for post_id in posts["order"]:
            post = posts["posts"][post_id]
            if match(post):
                return post
        assert time.monotonic() < deadline, "post did not appear"
        time.sleep(0.3)


# --------------------------------------------------------------------------- fixtures


@dataclass
class Env:
    url: str
    admin: Api
    user: Api
    team_id: str
    team_name: str
    channel_id: str
    user_id: str
    user_name: str


@pytest.fixture(scope="module")
def env(mm_server: Any) -> Iterator[Env]:
    admin = Api(mm_server.url, mm_server.admin_token)
    user = Api(mm_server.url, mm_server.user_token or mm_server.admin_token)
    try:
        me = user.get("/users/me")
        team = admin.get(f"/teams/{mm_server.team_id}")
        name = _unique("integ-")
        channel = admin.post(
            "/channels",
            {"team_id": team["id"], "name": name, "display_name": name, "type": "O"},
            expect=201,
        )
        if me["id"] != admin.get("/users/me")["id"]:
            admin.post(f"/channels/{channel['id']}/members", {"user_id": me["id"]}, expect=201)
        yield Env(
            url=mm_server.url.rstrip("/"),
            admin=admin,
            user=user,
            team_id=team["id"],
            team_name=team["name"],
            channel_id=channel["id"],
            user_id=me["id"],
            user_name=me["username"],
        )
        admin.call("DELETE", f"/channels/{channel['id']}")
    finally:
        admin.close()
        user.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeIntegration]:
    integration = FakeIntegration()
    yield integration
    integration.close()


def _rich_attachments(fake: FakeIntegration) -> list[Attachment]:
    return [
        Attachment(
            fallback="Build 42 passed",
            color="#36a64f",
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
                    integration=Integration(url=f"{fake.url}/action", context={"build": 42}),
                ),
                Menu(
                    id="promote",
                    name="Promote",
                    options=[ActionOption(text="Staging", value="staging")],
                    integration=Integration(url=f"{fake.url}/action"),
                ),
                Menu(
                    id="assign",
                    name="Assign",
                    data_source=ActionDataSource.USERS,
                    integration=Integration(url=f"{fake.url}/action"),
                ),
            ],
        ),
        Attachment(text="second", color="warning"),
    ]


# --------------------------------------------------------------------------- tests


def test_attachment_post_via_rest(env: Env, fake: FakeIntegration) -> None:
    body = post_body(
        channel_id=env.channel_id,
        message="rich post",
        attachments=_rich_attachments(fake),
        props={"ci_run": "42"},
    ).to_dict()
    created = env.user.post("/posts", body, expect=201)
    read = env.user.get(f"/posts/{created['id']}")
    assert read["message"] == "rich post"
    assert read["props"]["ci_run"] == "42"
    assert_same_attachments(read["props"]["attachments"], body["props"]["attachments"])


def test_attachment_post_via_incoming_webhook(env: Env, fake: FakeIntegration) -> None:
    hook = env.admin.post(
        "/hooks/incoming",
        {"channel_id": env.channel_id, "display_name": "itest hook"},
        expect=201,
    )
    text = _unique("webhook message ")
    payload = WebhookPayload(
        text=text,
        username="ci-bot",
        icon_emoji=":rocket:",
        attachments=_rich_attachments(fake),
        props={"card": "more **details**"},
    )
    try:
        post_webhook(f"{env.url}/hooks/{hook['id']}", payload)
        post = _wait_for_post(env.user, env.channel_id, lambda p: p["message"] == text)
    finally:
        env.admin.call("DELETE", f"/hooks/incoming/{hook['id']}")
    assert post["props"]["card"] == "more **details**"
    assert post["props"]["from_webhook"] == "true"
    assert post["props"]["override_username"] == "ci-bot"
    assert_same_attachments(post["props"]["attachments"], payload.to_dict()["attachments"])


def test_incoming_webhook_error_is_redacted(env: Env) -> None:
    bad_id = "x" * 26
    with pytest.raises(WebhookError) as info:
        post_webhook(f"{env.url}/hooks/{bad_id}", WebhookPayload(text="nobody hears"))
    assert info.value.status_code is not None and info.value.status_code >= 400
    assert bad_id not in str(info.value)
    assert "/hooks/***" in str(info.value)


def test_button_click_end_to_end(env: Env, fake: FakeIntegration) -> None:
    parsed: list[ActionRequest] = []

    def on_action(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        request = ActionRequest.from_json(body)
        parsed.append(request)
        answer = ActionResponse(
            update=PostUpdate(message=f"Approved by @{request.user_name}", attachments=[]),
            ephemeral_text="Thanks!",
        )
        return 200, answer.to_dict()

    fake.routes["/approve"] = on_action
    body = post_body(
        channel_id=env.channel_id,
        message="Approve ticket 7?",
        attachments=[
            Attachment(
                text="ticket 7",
                actions=[
                    Button(
                        id="approve",
                        name="Approve",
                        style="good",
                        integration=Integration(
                            url=f"{fake.url}/approve", context={"ticket": 7, "tags": ["a"]}
                        ),
                    )
                ],
            )
        ],
    ).to_dict()
    post = env.user.post("/posts", body, expect=201)
    answer = env.user.post(f"/posts/{post['id']}/actions/approve", {})
    assert answer["status"] == "OK"

    assert len(parsed) == 1
    request = parsed[0]
    assert request.post_id == post["id"]
    assert request.channel_id == env.channel_id
    assert request.team_id == env.team_id
    assert request.team_domain == env.team_name
    assert request.user_id == env.user_id
    assert request.user_name == env.user_name
    assert request.type == "button"
    assert request.context == {"ticket": 7, "tags": ["a"]}
    assert request.selected_option is None
    assert request.trigger_id
    assert fake.requests_to("/approve")[0].headers["content-type"] == "application/json"

    updated = env.user.get(f"/posts/{post['id']}")
    assert updated["message"] == f"Approved by @{env.user_name}"
    assert not updated.get("props", {}).get("attachments")


def test_menu_selection_end_to_end(env: Env, fake: FakeIntegration) -> None:
    parsed: list[ActionRequest] = []

    def on_choice(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        parsed.append(ActionRequest.from_json(body))
        return 200, ActionResponse(ephemeral_text="noted").to_dict()

    fake.routes["/choose"] = on_choice
    body = post_body(
        channel_id=env.channel_id,
        message="Where to?",
        attachments=[
            Attachment(
                actions=[
                    Menu(
                        id="target",
                        name="Target",
                        options=[
                            ActionOption(text="Staging", value="staging"),
                            ActionOption(text="Production", value="prod"),
                        ],
                        integration=Integration(url=f"{fake.url}/choose", context={"k": "v"}),
                    )
                ]
            )
        ],
    ).to_dict()
    post = env.user.post("/posts", body, expect=201)
    env.user.post(f"/posts/{post['id']}/actions/target", {"selected_option": "prod"})
    assert len(parsed) == 1
    assert parsed[0].type == "select"
    assert parsed[0].selected_option == "prod"
    assert parsed[0].context["k"] == "v"
    # No update: the post is unchanged.
    assert env.user.get(f"/posts/{post['id']}")["message"] == "Where to?"


@pytest.fixture(scope="module")
def slash(env: Env, fake: FakeIntegration) -> Iterator[dict[str, Any]]:
    trigger = _unique("itest")
    command = env.admin.post(
        "/commands",
        {
            "team_id": env.team_id,
            "trigger": trigger,
            "method": "P",
            "url": f"{fake.url}/slash",
            "display_name": "itest",
            "description": "integration test command",
        },
        expect=201,
    )
    yield command
    env.admin.call("DELETE", f"/commands/{command['id']}")


def test_slash_command_end_to_end(env: Env, fake: FakeIntegration, slash: dict[str, Any]) -> None:
    parsed: list[SlashCommandRequest] = []
    marker = _unique("deploying ")

    def on_slash(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        request = SlashCommandRequest.from_form(body)
        parsed.append(request)
        answer = SlashResponse(
            response_type="in_channel",
            text=f"{marker} {request.text}",
            attachments=[
                Attachment(
                    text="details",
                    color="good",
                    fields=[AttachmentField(title="By", value=request.user_name)],
                )
            ],
            props={"deploy_target": request.text},
        )
        return 200, answer.to_dict()

    fake.routes["/slash"] = on_slash
    env.user.post(
        "/commands/execute",
        {"channel_id": env.channel_id, "command": f"/{slash['trigger']} prod now"},
    )
    assert len(parsed) == 1
    request = parsed[0]
    assert request.command == f"/{slash['trigger']}"
    assert request.trigger == slash["trigger"]
    assert request.text == "prod now"
    assert request.token == slash["token"]
    assert request.channel_id == env.channel_id
    assert request.team_id == env.team_id
    assert request.team_domain == env.team_name
    assert request.user_id == env.user_id
    assert request.user_name == env.user_name
    assert request.trigger_id
    # Built from the server's SiteURL, which may name the host differently.
    assert "/hooks/commands/" in request.response_url
    received = fake.requests_to("/slash")[-1]
    assert received.headers["content-type"].startswith("application/x-www-form-urlencoded")

    post = _wait_for_post(env.user, env.channel_id, lambda p: p["message"] == f"{marker} prod now")
    assert post["props"]["deploy_target"] == "prod now"
    assert _normalise(post["props"]["attachments"]) == [
        {"text": "details", "color": "good", "fields": [{"title": "By", "value": env.user_name}]}
    ]

    # A delayed answer through response_url, with the same builder.
    later = _unique("later ")
    post_webhook(request.response_url, SlashResponse(response_type="in_channel", text=later))
    _wait_for_post(env.user, env.channel_id, lambda p: p["message"] == later)


def test_dialog_open_and_submit(env: Env, fake: FakeIntegration, slash: dict[str, Any]) -> None:
    slash_requests: list[SlashCommandRequest] = []
    submissions: list[DialogSubmission] = []

    def on_slash(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        slash_requests.append(SlashCommandRequest.from_form(body))
        return 200, SlashResponse(text="opening a dialog").to_dict()

    def on_dialog(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        submission = DialogSubmission.from_json(body)
        submissions.append(submission)
        if len(str(submission.submission.get("summary") or "")) < 5:
            return 200, DialogSubmissionResponse(errors={"summary": "Too short"}).to_dict()
        return 200, DialogSubmissionResponse().to_dict()

    fake.routes["/slash"] = on_slash
    fake.routes["/dialog"] = on_dialog
    env.user.post(
        "/commands/execute",
        {"channel_id": env.channel_id, "command": f"/{slash['trigger']} dialog"},
    )
    assert len(slash_requests) == 1
    dialog = Dialog(
        callback_id="ticket",
        title="New ticket",
        introduction_text="Tell us what broke",
        submit_label="Create",
        notify_on_cancel=True,
        state="s1",
        elements=[
            TextElement(display_name="Summary", name="summary", max_length=100),
            SelectElement(
                display_name="Priority",
                name="prio",
                options=[ActionOption(text="Low", value="low")],
                default="low",
            ),
            BoolElement(display_name="Urgent", name="urgent", optional=True),
        ],
    )
    open_body = OpenDialogRequest(
        trigger_id=slash_requests[0].trigger_id, url=f"{fake.url}/dialog", dialog=dialog
    ).to_dict()
    opened = env.user.post("/actions/dialogs/open", open_body)
    assert opened == {"status": "OK"}

    # What the web app does when the user presses "Create": the server relays the
    # submission to the dialog URL and returns the integration's answer.
    submit = {
        "url": f"{fake.url}/dialog",
        "callback_id": "ticket",
        "state": "s1",
        "channel_id": env.channel_id,
        "team_id": env.team_id,
        "submission": {"summary": "bad", "prio": "low", "urgent": True},
        "cancelled": False,
    }
    answer = env.user.post("/actions/dialogs/submit", submit)
    assert answer == {"errors": {"summary": "Too short"}}
    submit["submission"] = {"summary": "The build is broken", "prio": "low", "urgent": False}
    assert env.user.post("/actions/dialogs/submit", submit) in ({}, None)

    assert len(submissions) == 2
    first = submissions[0]
    assert first.type == "dialog_submission"
    assert first.callback_id == "ticket"
    assert first.state == "s1"
    assert first.user_id == env.user_id
    assert first.channel_id == env.channel_id
    assert first.team_id == env.team_id
    assert first.submission == {"summary": "bad", "prio": "low", "urgent": True}
    assert first.cancelled is False
