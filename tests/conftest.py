"""Session-wide test set-up: the real Mattermost server for integration tests.

`mm_server` gives the bootstrap facts (URL, tokens, users, team, channel) of one server per
test session:

* from the environment when ``MM_URL`` and ``MM_ADMIN_TOKEN`` are set (``MM_USER_TOKEN``,
  ``MM_TEAM_ID``, ``MM_CHANNEL_ID``, ... fill in the rest when given);
* otherwise from ``scripts/mmserver.py``: a server that already runs (``.mmserver/server.json``)
  is reused and kept; else one is built/started once for the session and stopped at its end
  (unless ``MM_KEEP_SERVER=1``, which keeps it for fast reruns: stop it with
  ``python3 scripts/mmserver.py down``).

Tests marked ``@pytest.mark.integration`` skip with the reason when no server can be had;
with ``MM_REQUIRE_SERVER=1`` they fail instead.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def load_mmserver() -> ModuleType:
    """scripts/mmserver.py as a module (scripts/ is not a package)."""
    name = "mmserver"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "mmserver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclasses.dataclass(frozen=True)
class MMServer:
    """What the tests know about the server. Tokens are personal access tokens."""

    url: str
    admin_token: str
    user_token: str = ""
    admin_id: str = ""
    user_id: str = ""
    admin_username: str = ""
    user_username: str = ""
    admin_password: str = ""
    user_password: str = ""
    team_id: str = ""
    team_name: str = ""
    channel_id: str = ""
    channel_name: str = ""
    server_version: str = ""
    managed: bool = False  # True: started/stopped by scripts/mmserver.py (restart possible)
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def api_url(self) -> str:
        return self.url.rstrip("/") + "/api/v4"

    @classmethod
    def from_state(cls, state: dict[str, Any], managed: bool) -> MMServer:
        names = {f.name for f in dataclasses.fields(cls)} - {"managed", "raw"}
        kwargs = {k: str(state[k]) for k in names if state.get(k) is not None}
        return cls(**kwargs, managed=managed, raw=dict(state))

    @classmethod
    def from_env(cls) -> MMServer | None:
        url = os.environ.get("MM_URL", "").strip()
        token = os.environ.get("MM_ADMIN_TOKEN", "").strip()
        if not (url and token):
            return None
        state: dict[str, Any] = {"url": url.rstrip("/"), "admin_token": token}
        for f in dataclasses.fields(cls):
            value = os.environ.get("MM_" + f.name.upper())
            if value and f.name not in ("url", "admin_token", "managed", "raw"):
                state[f.name] = value
        return cls.from_state(state, managed=False)


class _ServerSource:
    """Gets the server at most once per session; remembers a failure as the skip reason."""

    def __init__(self) -> None:
        self.server: MMServer | None = None
        self.error: str | None = None
        self.started_here = False
        self._tried = False

    def get(self) -> MMServer | None:
        if self._tried:
            return self.server
        self._tried = True
        from_env = MMServer.from_env()
        if from_env is not None:
            self.server = from_env
            return self.server
        try:
            mmserver = load_mmserver()
            state, started = mmserver.up()
        except Exception as exc:  # MMServerError, missing tools, anything: reason for skip
            self.error = f"no Mattermost server: {exc}"
            return None
        self.started_here = bool(started)
        self.server = MMServer.from_state(state, managed=True)
        return self.server

    def close(self) -> None:
        if not self.started_here:
            return
        self.started_here = False
        if _flag("MM_KEEP_SERVER"):
            load_mmserver().release_children()
        else:
            load_mmserver().down()


_SOURCE = _ServerSource()
_RAN = {"integration": 0}


@pytest.fixture(scope="session")
def mm_server() -> Iterator[MMServer]:
    server = _SOURCE.get()
    if server is None:
        reason = _SOURCE.error or "no Mattermost server"
        if _flag("MM_REQUIRE_SERVER"):
            pytest.fail(f"{reason} (MM_REQUIRE_SERVER=1)", pytrace=False)
        pytest.skip(reason)
    yield server


@pytest.fixture
def mm_rate_limited(mm_server: MMServer) -> Any:
    """Context-manager factory for a rate-limited Mattermost on the same database:

        with mm_rate_limited(per_sec=1, max_burst=2, vary_by_user=True) as limited:
            limited["url"]  # a second server process; same users, tokens, teams, channels
            ...  # requests beyond the burst answer 429 with X-Ratelimit-* and Retry-After

    Mattermost applies RateLimitSettings only when it starts, so this starts a second process
    (about a second) rather than touching the shared server.  Needs the server managed by
    scripts/mmserver.py (skips with MM_URL).
    """
    if not mm_server.managed:
        pytest.skip("rate limiting needs the server started by scripts/mmserver.py, not MM_URL")
    return load_mmserver().rate_limited_server


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked `integration` needs the server even if it does not use `mm_server`."""
    if item.get_closest_marker("integration") is None:
        return
    if _SOURCE.get() is None:
        reason = _SOURCE.error or "no Mattermost server"
        if _flag("MM_REQUIRE_SERVER"):
            pytest.fail(f"{reason} (MM_REQUIRE_SERVER=1)", pytrace=False)
        pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _SOURCE.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and "integration" in report.keywords and not report.skipped:
        _RAN["integration"] += 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    ran = _RAN["integration"]
    line = f"integration tests run against a real server: {ran}"
    if _SOURCE.server is not None:
        srv = _SOURCE.server
        line += f" ({srv.url}, Mattermost {srv.server_version or '?'})"
    elif _SOURCE.error:
        line += f" [{_SOURCE.error}]"
    terminalreporter.write_sep("-", line)
