"""The user's program passes mypy --strict and pyright (strict) with 0 errors, and every
deliberate mistake in mistakes.py is reported by both checkers.

Two ways of proving the second: the file as written passes (its ``# type: ignore[code]``
comments are all needed: mypy's ``warn_unused_ignores``, pyright's
``reportUnnecessaryTypeIgnoreComment``), and a copy without those comments gets an error
from each checker on every marked line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
MARK = re.compile(r"\s*# type: ignore\[[a-z-]+\]\s*$")
FILES = ["user_program.py", "five_tasks.py", "mistakes.py"]


def mypy(*files: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(REPO / "pyproject.toml")]
    cmd += ["--show-error-codes", *map(str, files)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)


def pyright(config: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(BIN / "pyright"), "-p", str(config), "--pythonpath", sys.executable, "--outputjson"]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)


def marked_lines(path: Path) -> list[int]:
    return [n for n, line in enumerate(path.read_text().splitlines(), 1) if MARK.search(line)]


@pytest.fixture(scope="module")
def bare_mistakes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mistakes.py without its ignore comments, with a pyright config beside it."""
    where = tmp_path_factory.mktemp("typing")
    source = (HERE / "mistakes.py").read_text().splitlines()
    (where / "mistakes.py").write_text("\n".join(MARK.sub("", line) for line in source) + "\n")
    config = json.loads((HERE / "pyrightconfig.json").read_text())
    config["include"] = ["mistakes.py"]
    config["extraPaths"] = [str(REPO / "generated"), str(REPO)]
    (where / "pyrightconfig.json").write_text(json.dumps(config))
    return where


def test_five_tasks_take_one_import_statement() -> None:
    import ast

    tree = ast.parse((HERE / "five_tasks.py").read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert len(imports) == 1


def test_mypy_strict_passes_all_files() -> None:
    result = mypy(*(HERE / f for f in FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 3 source files" in result.stdout


def test_pyright_strict_passes_all_files() -> None:
    result = pyright(HERE / "pyrightconfig.json")
    summary = json.loads(result.stdout)["summary"]
    assert (summary["errorCount"], summary["filesAnalyzed"]) == (0, 3), result.stdout
    assert result.returncode == 0


def test_every_mistake_is_reported_by_mypy(bare_mistakes: Path) -> None:
    expected = marked_lines(HERE / "mistakes.py")
    assert len(expected) >= 9
    out = mypy(bare_mistakes / "mistakes.py").stdout
    reported = {int(m) for m in re.findall(r"mistakes\.py:(\d+): error", out)}
    assert set(expected) <= reported, out


def test_every_mistake_is_reported_by_pyright(bare_mistakes: Path) -> None:
    expected = marked_lines(HERE / "mistakes.py")
    diagnostics = json.loads(pyright(bare_mistakes / "pyrightconfig.json").stdout)[
        "generalDiagnostics"
    ]
    reported = {d["range"]["start"]["line"] + 1 for d in diagnostics if d["severity"] == "error"}
    assert set(expected) <= reported, diagnostics
