"""scripts/generate.py end to end: complete, deterministic, and clear about bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit._spec import REPO, SHARED_API

GENERATE = [sys.executable, str(REPO / "scripts" / "generate.py")]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GENERATE, *map(str, args)], capture_output=True, text=True, check=False)


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def pinned_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A private copy of the pinned sources and a pin describing it: (pin, source dir)."""
    if not (SHARED_API / "v11.6" / "source").is_dir():
        pytest.skip("shared spec sources not found")
    root = tmp_path_factory.mktemp("pinned")
    source = root / "source"
    shutil.copytree(SHARED_API / "v11.6" / "source", source)
    pin = json.loads((REPO / "spec" / "pin.json").read_text())
    pin["source_dir"] = str(source)  # absolute: the pin's REPO-relative join keeps it
    (root / "pin.json").write_text(json.dumps(pin))
    return root / "pin.json", source


def sentinel_output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("untouched")
    return out


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_two_runs_give_identical_trees(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("--quiet", "--output", first).returncode == 0
    assert run("--quiet", "--output", second).returncode == 0
    assert tree_hash(first) == tree_hash(second)
    assert (first / "mattermost_api" / "py.typed").exists()


def test_older_release_generates_completely(tmp_path: Path) -> None:
    proc = run(
        "--quiet", "--source", SHARED_API / "2023-06" / "source",
        "--overrides", REPO / "spec" / "overrides-2023-06.yaml", "--output", tmp_path / "old",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "old" / "summary.json").read_text())
    assert summary["operations"] == summary["functions"] == 425
    assert summary["skipped"] == [] and summary["degraded"] == []


def test_missing_source_dir(tmp_path: Path) -> None:
    out = sentinel_output(tmp_path)
    proc = run("--source", tmp_path / "nowhere", "--output", out)
    assert_one_line_error(proc, "nowhere", "source directory not found")
    assert (out / "keep.txt").read_text() == "untouched"


def pinned_variant(tmp_path: Path, pinned_copy: tuple[Path, Path]) -> tuple[Path, Path]:
    """A copy of the pinned sources to spoil, and a pin describing it: (pin, source dir)."""
    pin, source = pinned_copy
    variant = tmp_path / "source"
    shutil.copytree(source, variant)
    data = json.loads(pin.read_text())
    data["source_dir"] = str(variant)
    (tmp_path / "pin.json").write_text(json.dumps(data))
    return tmp_path / "pin.json", variant


def test_pinned_file_missing(tmp_path: Path, pinned_copy: tuple[Path, Path]) -> None:
    pin, source = pinned_variant(tmp_path, pinned_copy)
    (source / "bots.yaml").unlink()
    out = sentinel_output(tmp_path)
    proc = run("--pin", pin, "--output", out)
    assert_one_line_error(proc, "bots.yaml", "missing")
    assert (out / "keep.txt").read_text() == "untouched"


def test_hash_mismatch(tmp_path: Path, pinned_copy: tuple[Path, Path]) -> None:
    pin, source = pinned_variant(tmp_path, pinned_copy)
    with (source / "emoji.yaml").open("a") as f:
        f.write("\n")
    out = sentinel_output(tmp_path)
    proc = run("--pin", pin, "--output", out)
    assert_one_line_error(proc, "emoji.yaml", "does not match the pin")
    assert (out / "keep.txt").read_text() == "untouched"


def test_invalid_yaml(tmp_path: Path, pinned_copy: tuple[Path, Path]) -> None:
    _, source = pinned_copy
    broken = tmp_path / "source"
    shutil.copytree(source, broken)
    (tmp_path / "bundle-order.txt").write_text(
        (SHARED_API / "v11.6" / "bundle-order.txt").read_text()
    )
    (broken / "brand.yaml").write_text("  /api/v4/brand/image:\n    get: [unclosed\n")
    out = sentinel_output(tmp_path)
    proc = run("--source", broken, "--output", out)
    assert_one_line_error(proc, "brand.yaml", "invalid YAML")
    assert (out / "keep.txt").read_text() == "untouched"


def test_spec_diff_between_the_shared_versions() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "spec_diff.py"),
         str(SHARED_API / "2023-06"), str(SHARED_API / "v11.6")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = proc.stdout
    assert out.splitlines()[0] == "operations: 425 -> 528 (+120 added, -17 removed)"
    assert "  + POST /api/v4/channels/{channel_id}/bookmarks" in out  # bookmarks came in 9.x
    assert "Changed (" in out and "Schemas: 139 -> 182" in out
