"""The `required` lists the overrides give the core models hold on the real server.

Patch core-models-required-fields (spec/overrides.yaml) marks the fields the server always sends
as required, so the generated attrs classes have them as plain attributes (no default, not
Unset).  Here: each listed field is present in real answers (as admin and as a regular user),
and the generated class really has no default for it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import yaml

from . import harness


def _required_lists() -> dict[str, list[str]]:
    raw = yaml.safe_load(harness.OVERRIDES_PATH.read_text())
    patch = next((p for p in raw["patches"] if p["name"] == "core-models-required-fields"), None)
    if patch is None:
        return {}
    return {op["path"].rsplit("/", 1)[1]: op["value"]["required"] for op in patch["ops"]}


REQUIRED = _required_lists()
# No skip without the patch: its tests must fail then (scripts/check_overrides.py, issue 12).
CORE = ["User", "Post", "Channel", "Team", "TeamMember", "ChannelMember", "PostList", "FileInfo",
        "Reaction", "Emoji", "IncomingWebhook", "Bot", "UserAccessToken"]


def _model(name: str) -> Any:
    module = importlib.import_module("mattermost_api.models")
    return getattr(module, name)


def test_core_models_have_required_lists() -> None:
    assert sorted(REQUIRED) == sorted(CORE)


@pytest.mark.parametrize("name", CORE)
def test_required_fields_have_no_default(name: str) -> None:
    fields = {f.name: f for f in attrs.fields(_model(name))}
    assert REQUIRED.get(name), f"patch core-models-required-fields has no list for {name}"
    for wire in REQUIRED[name]:
        attr = wire if wire in fields else wire + "_"  # the generator renames e.g. type -> type_
        assert attr in fields, f"{name}.{wire} is not a generated attribute"
        assert fields[attr].default is attrs.NOTHING, f"{name}.{wire} still has a default"


@pytest.fixture(scope="module")
def samples(mm_server: Any) -> Iterator[dict[str, list[dict[str, Any]]]]:
    ctx = harness.Ctx(harness.ServerInfo.from_obj(mm_server))
    try:
        yield _collect(ctx)
    finally:
        ctx.close()


def _collect(c: harness.Ctx) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in CORE}

    def add(name: str, value: Any) -> None:
        out[name].extend(value if isinstance(value, list) else [value])

    post, info, channel, team = c.post, c.file, c.channel, c.team
    c.http("POST", "/hooks/incoming", {"channel_id": channel["id"]})
    c.http("POST", "/bots", {"username": c.uid("bot")})
    emoji = json.dumps({"name": c.uid("emo"), "creator_id": c.s.admin_id}).encode()
    c.http("POST", "/emoji", files={"image": ("e.png", harness.PNG_1PX, "image/png"),
                                    "emoji": (None, emoji)})
    for client in (c.admin, c.user):

        def get(path: str, client: Any = client) -> Any:
            return c.http("GET", path, client=client)

        add("User", get(f"/users/{c.s.user_id}"))
        add("User", get(f"/users?per_page=50&in_team={team['id']}"))
        add("Post", get(f"/posts/{post['id']}"))
        page = get(f"/channels/{channel['id']}/posts")
        add("PostList", page)
        add("Post", list(page["posts"].values()))
        add("Channel", get(f"/users/{c.s.user_id}/teams/{team['id']}/channels"))
        add("Team", get(f"/users/{c.s.user_id}/teams"))
        add("TeamMember", get(f"/teams/{team['id']}/members"))
        add("ChannelMember", get(f"/channels/{channel['id']}/members"))
        add("FileInfo", get(f"/files/{info['id']}/info"))
        add("Reaction", get(f"/posts/{post['id']}/reactions"))
        add("Emoji", get("/emoji"))
    add("IncomingWebhook", c.http("GET", "/hooks/incoming"))
    add("Bot", c.http("GET", "/bots"))
    add("UserAccessToken", c.http("GET", f"/users/{c.s.user_id}/tokens"))
    return out


@pytest.mark.integration
@pytest.mark.parametrize("name", CORE)
def test_required_fields_always_sent(samples: dict[str, list[dict[str, Any]]], name: str) -> None:
    objects = samples[name]
    assert objects, f"no {name} sampled"
    assert REQUIRED.get(name), f"patch core-models-required-fields has no list for {name}"
    for obj in objects:
        missing = [f for f in REQUIRED[name] if f not in obj]
        assert not missing, f"{name} {obj.get('id', '')} lacks {missing}"
        _model(name).from_dict(obj)  # and the generated model parses it
