"""Corrections to operations the local Team Edition server cannot answer (licence-gated) are
checked against the pinned server's source instead: the handler's status and the shape it
encodes. The source is read from the Go module cache (the module of spec/server.json, which
the local server is built from); nothing of it is copied into the repository."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit._spec import REPO

STATUS = {"OK": "200", "Created": "201", "Accepted": "202", "NoContent": "204"}


def go_module_root(public: bool = False) -> Path:
    """The pinned server module (or its server/public module) in the Go module cache."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from gen_event_names import go_mod_cache
    finally:
        sys.path.pop(0)
    pin = json.loads((REPO / "spec" / "server.json").read_text())
    module = pin["module"].replace("M", "!m")  # Go's module-cache case encoding (none here)
    version = pin["version"]
    if public:
        module = module.rsplit("/", 1)[0] + "/public"
        version = pin["public_module"]["version"]
    root = go_mod_cache() / f"{module}@{version}"
    if not root.is_dir():
        pytest.fail(
            f"the pinned server's source is not in the Go module cache ({root}): "
            "build the server once (python scripts/mmserver.py up)"
        )
    return root


def server_source() -> Path:
    return go_module_root() / "channels" / "api4"


def go_struct_fields(source: str, struct: str) -> dict[str, str]:
    """json name -> Go type of one struct's fields (facts read from the source)."""
    match = re.search(rf"^type {struct} struct {{\n(.*?)^}}", source, re.S | re.M)
    assert match, f"struct {struct} not found in the server source"
    fields = re.findall(r'^\s*\w+\s+(\S+)\s+`[^`\n]*json:"([^",]+)', match.group(1), re.M)
    return {name: kind for kind, name in fields}


def handler(source: str, name: str) -> str:
    match = re.search(rf"^func {name}\(.*?^}}", source, re.S | re.M)
    assert match, f"handler {name} not found in the server source"
    return match.group(0)


def answers(body: str) -> tuple[str, str]:
    """(status, shape) of a handler: its WriteHeader status (200 without one) and whether
    what it encodes is built as a map ("map") or is one value ("one")."""
    status = re.findall(r"w\.WriteHeader\(http\.Status(\w+)\)", body)
    encoded = re.findall(r"json\.NewEncoder\(w\)\.Encode\((\w+)\)", body)
    assert len(encoded) == 1, f"expected one encoded answer, found {encoded}"
    built_as_map = re.search(rf"{encoded[0]}\s*:?=\s*(make\()?map\[", body)
    return STATUS[status[-1]] if status else "200", "map" if built_as_map else "one"


@pytest.fixture(scope="module")
def corrected() -> dict[str, Any]:
    path = REPO / "generated" / "openapi.json"
    assert path.exists(), "generated/ is missing: run `bash scripts/setup.sh`"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def documented(spec: dict[str, Any], path: str, method: str) -> tuple[str, str]:
    responses = spec["paths"][path][method]["responses"]
    (status,) = [code for code in responses if code.startswith("2")]
    schema = responses[status]["content"]["application/json"]["schema"]
    is_map = schema.get("type") == "object" and "additionalProperties" in schema
    return status, "map" if is_map else "one"


@pytest.mark.parametrize(
    ("handler_name", "path", "method"),
    [
        ("createSchedulePost", "/api/v4/posts/schedule", "post"),
        ("updateScheduledPost", "/api/v4/posts/schedule/{scheduled_post_id}", "put"),
        ("deleteScheduledPost", "/api/v4/posts/schedule/{scheduled_post_id}", "delete"),
        ("getTeamScheduledPosts", "/api/v4/posts/scheduled/team/{team_id}", "get"),
    ],
)
def test_scheduled_post_answers_match_the_server_source(
    corrected: dict[str, Any], handler_name: str, path: str, method: str
) -> None:
    source = (server_source() / "scheduled_post.go").read_text()
    assert answers(handler(source, handler_name)) == documented(corrected, path, method)
    if documented(corrected, path, method)[1] == "one":
        content = corrected["paths"][path][method]["responses"]["201"]["content"]
        ref = {"$ref": "#/components/schemas/ScheduledPost"}
        assert content["application/json"]["schema"] == ref


def test_cpa_values_match_the_server_source(corrected: dict[str, Any]) -> None:
    source = (server_source() / "custom_profile_attributes.go").read_text()
    body = handler(source, "listCPAValues")
    assert answers(body) == ("200", "map")
    assert "map[string]json.RawMessage" in body  # keyed by field id, any JSON value
    path = "/api/v4/users/{user_id}/custom_profile_attributes"
    assert documented(corrected, path, "get") == ("200", "map")
    schema = corrected["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["additionalProperties"] is True


def test_plugin_status_state_matches_the_server_source(corrected: dict[str, Any]) -> None:
    # no plugin runs on the local server, so GET /plugins/statuses answers []: the state's
    # type and values are checked against model.PluginStatus and its PluginState* constants
    source = (go_module_root(public=True) / "model" / "plugin_status.go").read_text()
    assert go_struct_fields(source, "PluginStatus")["state"] == "int"
    states = {int(v) for v in re.findall(r"^\s*PluginState\w+\s*=\s*(\d+)", source, re.M)}
    assert states, "no PluginState constants in the server source"
    schema = corrected["components"]["schemas"]["PluginStatus"]["properties"]["state"]
    assert schema["type"] == "integer"
    assert set(schema["enum"]) == states
