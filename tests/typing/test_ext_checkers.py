"""The handwritten layer itself: ``mattermost_ext/`` passes mypy --strict (the project's
configuration) and pyright (its standard mode, with the generated package on the path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_mypy_strict_passes_mattermost_ext() -> None:
    cmd = [sys.executable, "-m", "mypy", "--strict", "--config-file", "pyproject.toml"]
    result = subprocess.run(
        [*cmd, "mattermost_ext"], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyright_passes_mattermost_ext(tmp_path: Path) -> None:
    def rel(path: Path) -> str:  # pyright ignores absolute paths in "include"
        return os.path.relpath(path, tmp_path)

    config = {
        "include": [rel(REPO / "mattermost_ext")],
        "pythonVersion": "3.11",
        "typeCheckingMode": "standard",
        "extraPaths": [rel(REPO / "generated"), rel(REPO)],
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    cmd = [str(BIN / "pyright"), "-p", str(tmp_path), "--pythonpath", sys.executable]
    result = subprocess.run(
        [*cmd, "--outputjson"], capture_output=True, text=True, cwd=REPO, check=False
    )
    report = json.loads(result.stdout)
    errors = [
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert not errors, "\n".join(errors)
    assert report["summary"]["filesAnalyzed"] >= 20
