"""The committed event-name enum follows the spec's release (its facts file), and holds
every name of the pinned server's Go source."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_event_names", ROOT / "scripts" / "gen_event_names.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_event_names"] = module
    spec.loader.exec_module(module)
    return module


def test_event_names_follow_the_spec_release() -> None:
    gen = _generator()
    try:
        text = gen.generate(source="release")
    except gen.SourceNotFoundError as exc:
        pytest.skip(f"release facts not available: {exc}")
    committed = (ROOT / "mattermost_ext" / "event_names.py").read_text(encoding="utf-8")
    assert committed == text, "event_names.py drifted: run scripts/gen_event_names.py"
    assert "# v11.6.0 websocket-events.txt" in committed.splitlines()[1]  # says which source


def test_enum_holds_every_name_of_the_pinned_server_source() -> None:
    gen = _generator()
    try:
        text = gen.generate(offline=True, source="go")
    except gen.SourceNotFoundError as exc:
        pytest.skip(f"Go module source not available: {exc}")
    from mattermost_ext.event_names import EventName

    go_names = set(re.findall(r'^    \w+ = "([^"]*)"', text, re.M))
    assert len(go_names) >= 86 and "server/public@v0.1.22" in text.splitlines()[1]
    assert go_names <= {e.value for e in EventName}
    assert {e.value for e in EventName} - go_names == {"show_toast", "file_download_rejected"}


def test_parser_handles_both_const_forms() -> None:
    gen = _generator()
    source = """
const (
    WebsocketEventPosted        WebsocketEventType = "posted"
    WebsocketPresenceIndicator  WebsocketEventType = "presence"
    WebSocketMsgTypeResponse = "response"
)
var X = WebsocketEventType("x_y")
"""
    consts = gen.parse_constants(source)
    assert [(c.go_name, c.value, c.member) for c in consts] == [
        ("WebsocketEventPosted", "posted", "POSTED"),
        ("WebsocketPresenceIndicator", "presence", "PRESENCE"),
        ("X", "x_y", "X_Y"),
    ]


def test_enum_content() -> None:
    from mattermost_ext.event_names import EVENT_NAME_COUNT, EventName

    assert len(EventName) == EVENT_NAME_COUNT == 91  # v11.6
    assert EventName.SHOW_TOAST == "show_toast"
    assert EventName.FILE_DOWNLOAD_REJECTED == "file_download_rejected"
    assert EventName.POSTED.value == "posted" and isinstance(EventName.POSTED, str)
    assert EventName("presence") is EventName.PRESENCE
    assert EventName.POST_ACKNOWLEDGEMENT_ADDED.value == "post_acknowledgement_added"
