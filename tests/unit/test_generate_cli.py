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
    assert_one_line_error(proc, "nowhere", "source not found", "a bundled spec file")
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


# --- every input form, default overrides, corrections' life cycle (issue 11) ---------------

BUNDLES = SHARED_API / "bundles"


def summary_of(out: Path) -> dict[str, object]:
    return json.loads((out / "summary.json").read_text())  # type: ignore[no-any-return]


def obsolete_names(stdout: str) -> list[str]:
    return [line.split(" (", 1)[0].removeprefix("obsolete: ")
            for line in stdout.splitlines() if line.startswith("obsolete: ")]  # fmt: skip


def test_older_release_with_the_default_overrides(tmp_path: Path) -> None:
    proc = run("--quiet", "--source", SHARED_API / "2023-06" / "source", "--output", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    summary = summary_of(tmp_path / "o")
    assert summary["operations"] == summary["functions"] == 425
    assert summary["skipped"] == [] and summary["degraded"] == []
    names = obsolete_names(proc.stdout)
    assert "content-flagging-config-indentation" in names  # 2023-06 has no content flagging
    assert "conflict 'paths /api/v4/sharedchannels/{channel_id}/remotes get'" in names


@pytest.fixture(scope="module")
def bundle_2026_05(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The 2026-05-28 published bundle generated with the default overrides: (tree, stdout)."""
    bundle = BUNDLES / "2026-05-28.yaml"
    if not bundle.is_file():
        pytest.skip(f"{bundle} not found")
    out = tmp_path_factory.mktemp("b0528") / "out"
    proc = run("--quiet", "--source", bundle, "--output", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_published_bundle_generates_completely(bundle_2026_05: tuple[Path, str]) -> None:
    out, stdout = bundle_2026_05
    summary = summary_of(out)
    assert summary["operations"] == summary["functions"] == 627
    assert summary["skipped"] == [] and summary["degraded"] == []
    assert summary["plugins"] == {
        "playbooks": {
            "operations": 44,
            "packages": ["playbooks_autofollows", "playbooks_conditions", "playbooks_core",
                         "playbooks_internal", "playbooks_runs", "playbooks_timeline"],
            "tested_against_server": False,
        }
    }  # fmt: skip
    assert obsolete_names(stdout) == [
        "conflict 'paths /api/v4/sharedchannels/{channel_id}/remotes get'",
        "content-flagging-config-indentation",
    ]
    assert summary["spec"] == {
        "version": "2026-05-28",
        "source": str((BUNDLES / "2026-05-28.yaml").resolve()),
        "sha256": "61e6c20fbecbbee2558f2632a05b62832f7979819bb1f8fad20d374ab02d7c1b",
        "kind": "bundle",
    }


def test_published_bundle_twice_gives_identical_trees(
    bundle_2026_05: tuple[Path, str], tmp_path: Path
) -> None:
    first, _ = bundle_2026_05
    proc = run("--quiet", "--source", BUNDLES / "2026-05-28.yaml", "--output", tmp_path / "again")
    assert proc.returncode == 0, proc.stderr
    assert tree_hash(first) == tree_hash(tmp_path / "again")


def run_in_tree(tree: Path, code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tree, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_non_json_bodies_are_raw_results(bundle_2026_05: tuple[Path, str]) -> None:
    out, _ = bundle_2026_05
    answer = run_in_tree(
        out,
        """
import httpx
from mattermost_api.client import Client
from mattermost_api.api.channels import set_channel_members
from mattermost_api.api.content_flagging import generate_cf_post_report
client = Client("http://127.0.0.1:9")
lines = set_channel_members._parse_response(client=client, response=httpx.Response(
    200, content=b'{"added":["a"],"removed":[]}\\n\\n{"added":[],"removed":["b"]}\\n'))
print(list(lines))
report = generate_cf_post_report._parse_response(client=client, response=httpx.Response(
    200, content=b"PK\\x03\\x04zip"))
print(report.payload.read())
""",
    )
    assert answer.splitlines() == [
        "[{'added': ['a'], 'removed': []}, {'added': [], 'removed': ['b']}]",
        "b'PK\\x03\\x04zip'",
    ]


def test_generated_package_knows_its_spec(bundle_2026_05: tuple[Path, str]) -> None:
    out, _ = bundle_2026_05
    answer = run_in_tree(
        out,
        """
from mattermost_api import _spec
from mattermost_api.api.users import get_user_access_tokens, get_user
from mattermost_api.api import playbooks_runs
print(_spec.SPEC_VERSION, _spec.SPEC_KIND, _spec.SPEC_SHA256[:12])
print(_spec.minimum_server_version(get_user_access_tokens.sync),
      _spec.minimum_server_version(get_user), _spec.NEWEST_MINIMUM_SERVER_VERSION)
print(_spec.PLUGIN_NAMESPACES["playbooks"][0])
""",
    )
    assert answer.splitlines() == [
        "2026-05-28 bundle 61e6c20fbecb",
        "4.7 None 11.10",
        "playbooks_autofollows",
    ]


def test_bundle_from_a_url(tmp_path: Path) -> None:
    """The docs site serves the bundle over HTTP: a real local HTTP server stands in for it."""
    import functools
    import http.server
    import threading

    bundle = BUNDLES / "2026-01-13.yaml"
    if not bundle.is_file():
        pytest.skip(f"{bundle} not found")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(BUNDLES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/mattermost-openapi-v4.yaml"
        proc = run("--quiet", "--source", url, "--output", tmp_path / "missing")
        assert_one_line_error(proc, url, "cannot fetch", "404")
        url = f"http://127.0.0.1:{server.server_address[1]}/2026-01-13.yaml"
        proc = run("--quiet", "--source", url, "--output", tmp_path / "out")
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, proc.stderr
    summary = summary_of(tmp_path / "out")
    assert summary["operations"] == summary["functions"] == 561
    assert summary["skipped"] == [] and summary["degraded"] == []
    assert summary["spec"]["sha256"] == (  # type: ignore[index]
        "50671f4293c76f5e65e77c8bfc6fb6bc9b83417c6a5e9ff691f52f61fc5896bd"
    )
    assert summary["spec"]["version"] == "2026-01-13"  # type: ignore[index]


def test_strict_fails_on_an_obsolete_correction(tmp_path: Path) -> None:
    out = sentinel_output(tmp_path)
    proc = run("--strict", "--source", BUNDLES / "2026-01-13.yaml", "--output", out)
    assert_one_line_error(
        proc, "--strict: 2 obsolete correction(s) in spec/overrides.yaml",
        "obsolete: content-flagging-config-indentation (upstream fixed schema",
    )  # fmt: skip
    assert (out / "keep.txt").read_text() == "untouched"


def test_strict_passes_on_the_pinned_release(tmp_path: Path) -> None:
    """CI's guarantee: the pinned overrides carry no dead entry (checked without generating)."""
    sys.path.insert(0, str(REPO / "scripts"))
    import generate

    args = generate.parse_args(["--strict"])
    overrides = generate.load_overrides(REPO / "spec" / "overrides.yaml")
    built = generate.build_document(args, overrides)
    assert [o.line() for o in built.outcomes if o.kind == "obsolete"] == []


def test_moved_target_names_the_overrides_file_in_use(tmp_path: Path) -> None:
    text = (REPO / "spec" / "overrides.yaml").read_text()
    moved = text.replace(
        'from: "/paths/~1api~1v4~1users~1login/post/responses/201"',
        'from: "/paths/~1api~1v4~1users~1login/post/responses/299"',
    )
    assert moved != text
    mine = tmp_path / "my-overrides.yaml"
    mine.write_text(moved)
    out = sentinel_output(tmp_path)
    proc = run("--overrides", mine, "--output", out)
    assert_one_line_error(
        proc, f"{mine}: correction 'login-status-200' op 0 (move): ",
        "at /paths/~1api~1v4~1users~1login/post/responses/299 (source file users.yaml): "
        "expected the move's source '299', found a mapping with 201, 400",
        "the target moved or changed shape upstream",
    )  # fmt: skip
    assert "spec/overrides.yaml" not in proc.stderr
    assert (out / "keep.txt").read_text() == "untouched"


def test_invalid_spec_names_the_source_file(tmp_path: Path) -> None:
    text = (REPO / "spec" / "overrides.yaml").read_text()
    without = text.replace("  - rule: undeclared-path-parameters\n", "  - rule: ref-siblings\n")
    assert without != text
    mine = tmp_path / "o.yaml"
    mine.write_text(without)
    proc = run("--overrides", mine, "--output", sentinel_output(tmp_path))
    assert_one_line_error(proc, "not valid OpenAPI at /paths/", "(source file ", "was not resolved")
