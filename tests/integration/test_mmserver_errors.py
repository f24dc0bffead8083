"""scripts/mmserver.py on bad input: one clear line, a non-zero exit, nothing left running.

Each case runs the script with its own state and build directories
(MMSERVER_STATE_DIR, MMSERVER_CACHE_DIR), so the shared server is not touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mmserver.py"


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=timeout, check=False,
    )  # fmt: skip


def assert_one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, proc.stderr
    assert needle in errors[0], errors[0]


def processes(marker: str) -> set[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return {line.strip() for line in out.stdout.splitlines() if marker in line}


def leftovers(marker: Path) -> list[str]:
    """Processes whose command line mentions the marker directory."""
    return sorted(processes(str(marker)))


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run("up", "--port", str(port), env={"MMSERVER_STATE_DIR": str(tmp_path / "s")})
    assert_one_line_error(proc, f"port {port} on 127.0.0.1 is already in use")
    assert leftovers(tmp_path) == []


def test_missing_go_toolchain(tmp_path: Path) -> None:
    env = {"MMSERVER_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    proc = run("build", env=env)
    assert_one_line_error(proc, "Go toolchain not found")


def test_failed_build(tmp_path: Path) -> None:
    pin = json.loads((ROOT / "spec" / "server.json").read_text())
    pin["version"] = "v8.0.0-20990101000000-000000000000"  # no such module version
    (tmp_path / "pin.json").write_text(json.dumps(pin))
    env = {
        "MMSERVER_CACHE_DIR": str(tmp_path / "cache"),
        "MMSERVER_PIN_FILE": str(tmp_path / "pin.json"),
    }
    proc = run("build", env=env)
    assert proc.returncode != 0
    assert "v8.0.0-20990101000000-000000000000" in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if "error" in line]) == 1, proc.stderr


@pytest.mark.integration
def test_server_that_never_gets_ready(tmp_path: Path, mm_server: Any) -> None:
    # mm_server guarantees a built binary in the default cache; this server gets 0.2 s.
    state = tmp_path / "state"
    postgres_before = processes("mmserver-pg-")  # other servers' PostgreSQL clusters
    proc = run("up", "--timeout", "0.2", env={"MMSERVER_STATE_DIR": str(state)})
    assert_one_line_error(proc, "not ready")
    assert leftovers(state) == []
    assert processes("mmserver-pg-") <= postgres_before
    assert not (state / "server.json").exists()
