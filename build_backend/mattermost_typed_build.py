"""PEP 517 build backend: setuptools, plus the generated client when ``generated/`` is missing.

A source tree fresh from git has no ``generated/mattermost_api`` (it is build output). Building a
wheel or an sdist from such a tree first runs ``scripts/generate.py``, taking the spec from, in
order:

1. ``MM_SPEC`` (a spec source directory, bundle file or URL: passed as ``--source``);
2. the pinned offline copy beside the checkout (``../shared/mattermost-api``, see spec/pin.json);
3. the pinned release online (``--tag``).

If none is reachable the build stops with one line saying what to set, so no path ends in a
package that cannot import ``mattermost_api``. An sdist carries the generated client, so building
from it never runs the generator. The generator's own requirements are asked for only when it
has to run (``[tool.mattermost-typed] generator-requires`` in pyproject.toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "generated" / "mattermost_api"
GENERATOR = ROOT / "scripts" / "generate.py"
PIN = ROOT / "spec" / "pin.json"


class SpecUnreachable(SystemExit):
    """The build cannot go on: raised with the one line that tells the user what to set."""


def _needs_generation() -> bool:
    return not (PACKAGE_DIR / "__init__.py").is_file()


def _generator_requires() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requires: list[str] = config["tool"]["mattermost-typed"]["generator-requires"]
    return list(requires)


def _pin() -> tuple[str, Path]:
    """The pinned release and the offline copy's directory (relative to the checkout)."""
    raw = json.loads(PIN.read_text())
    return raw["release"], (ROOT / raw["source_dir"]).resolve()


def generator_arguments(environ: dict[str, str], release: str, offline: Path) -> list[list[str]]:
    """The generator runs to try, in order (pure: decides from the environment and the pin)."""
    spec = environ.get("MM_SPEC", "").strip()
    if spec:
        return [["--source", spec]]
    runs: list[list[str]] = []
    if offline.is_dir():
        runs.append([])
    runs.append(["--tag", release])
    return runs


def unreachable_message(environ: dict[str, str], release: str, offline: Path) -> str:
    spec = environ.get("MM_SPEC", "").strip()
    if spec:
        tried = f"MM_SPEC={spec} could not be read"
    else:
        tried = f"MM_SPEC is unset, {offline} does not exist and {release} could not be downloaded"
    return (
        f"error: mattermost-typed: no Mattermost OpenAPI spec reachable to generate "
        f"mattermost_api ({tried}); set MM_SPEC to a spec source directory, bundle file or URL"
    )


def _generate() -> None:
    if not _needs_generation():
        return
    if not GENERATOR.is_file():
        raise SpecUnreachable(
            f"error: mattermost-typed: {PACKAGE_DIR} is missing and this tree has no "
            "scripts/generate.py; build from a git checkout or an sdist"
        )
    release, offline = _pin()
    environ = dict(os.environ)
    last = ""
    for arguments in generator_arguments(environ, release, offline):
        proc = subprocess.run(
            [sys.executable, str(GENERATOR), "--quiet", *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0 and not _needs_generation():
            return
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        if "cannot fetch" not in last and "not found" not in last:
            # The spec was there but generating from it failed: that is the error to show.
            raise SpecUnreachable(f"error: mattermost-typed: generating mattermost_api: {last}")
    raise SpecUnreachable(unreachable_message(environ, release, offline))


# --- PEP 517 hooks: setuptools' own, after the generator where it has to run ----------------


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    extra = _generator_requires() if _needs_generation() else []
    return [*_setuptools.get_requires_for_build_wheel(config_settings), *extra]


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    extra = _generator_requires() if _needs_generation() else []
    return [*_setuptools.get_requires_for_build_sdist(config_settings), *extra]


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    extra = _generator_requires() if _needs_generation() else []
    return [*_setuptools.get_requires_for_build_editable(config_settings), *extra]


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _generate()
    return str(_setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _generate()
    return str(_setuptools.prepare_metadata_for_build_editable(metadata_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _generate()
    return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _generate()
    return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    _generate()
    return str(_setuptools.build_sdist(sdist_directory, config_settings))
