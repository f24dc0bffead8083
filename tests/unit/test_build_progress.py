"""The server build's progress lines (scripts/mmserver.py) and the package build backend's
choice of spec source (build_backend/), without building anything."""

from __future__ import annotations

import sys
from pathlib import Path

import mmserver

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build_backend"))
import mattermost_typed_build as backend


def test_progress_counts_package_lines_only() -> None:
    progress = mmserver.BuildProgress(total=4, started=100.0)
    for line in [
        "$ go build -v -o bin/mattermost\n",
        "internal/goarch\n",
        "github.com/mattermost/mattermost/server/v8/channels/app\n",
        "# github.com/x/y\n",
        "server/x.go:12:3: undefined: y\n",
        "\tCommand being timed: go build\n",
    ]:
        progress.feed(line)
    assert progress.compiled == 2
    assert progress.due(110.0) is None  # not yet 30 s
    assert progress.due(131.0) == "building: 2 of 4 packages compiled, 31 s"
    assert progress.due(140.0) is None  # the next report is 30 s later
    assert (
        progress.final(150.0)
        == "compiled: 2 of 4 packages compiled, 50 s (the other 2 were cached)"
    )


def test_progress_without_a_total() -> None:
    progress = mmserver.BuildProgress(total=None, started=0.0)
    progress.feed("fmt\n")
    assert progress.final(5.0) == "compiled: 1 packages compiled, 5 s"


def test_backend_prefers_mm_spec_then_offline_copy_then_pinned_release(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    assert backend.generator_arguments({"MM_SPEC": "/x.yaml"}, "v1", tmp_path) == [
        ["--source", "/x.yaml"]
    ]
    assert backend.generator_arguments({}, "v1", tmp_path) == [[], ["--tag", "v1"]]
    assert backend.generator_arguments({"MM_SPEC": " "}, "v1", missing) == [["--tag", "v1"]]


def test_backend_error_is_one_line_naming_what_to_set(tmp_path: Path) -> None:
    message = backend.unreachable_message({}, "v11.6.0", tmp_path / "absent")
    assert "\n" not in message
    assert "set MM_SPEC" in message and "v11.6.0" in message and str(tmp_path) in message
