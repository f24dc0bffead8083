"""The built documentation site, opened in headless Chromium (Debian's package).

Checks that the quick start and one operation's reference section render with their content,
and keeps screenshots as build artefacts (their paths are printed). Builds the site first when
build/docs/site is missing. Skips without chromium or the docs extra unless
MM_REQUIRE_DOCS=1 (CI), where that is a failure.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "docs" / "site"
SHOTS = ROOT / "build" / "docs" / "screenshots"
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--virtual-time-budget=8000"]  # fmt: skip


def _missing(what: str) -> None:
    if os.environ.get("MM_REQUIRE_DOCS") == "1":
        pytest.fail(
            f"{what} (MM_REQUIRE_DOCS=1; install with MM_SETUP_DOCS=1 bash scripts/setup.sh)"
        )
    pytest.skip(what)


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        _missing("chromium is not installed (apt-get install chromium)")
    return str(exe)


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        if importlib.util.find_spec("mkdocs") is None:
            _missing("the docs extra is not installed (pip install -e '.[docs]')")
        subprocess.run([sys.executable, str(ROOT / "docs" / "build.py")], check=True)
    return SITE


def rendered_text(chromium: str, page: Path) -> str:
    """The page's DOM after Chromium ran it, as text (tags dropped, entities decoded)."""
    proc = subprocess.run(
        [chromium, *BROWSER_FLAGS, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", proc.stdout, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def screenshot(chromium: str, page: Path, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / name
    target.unlink(missing_ok=True)
    subprocess.run(
        [chromium, *BROWSER_FLAGS, "--window-size=1280,1400", f"--screenshot={target}",
         page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    return target


def test_quick_start_renders(chromium: str, site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = site / "guide" / "quickstart" / "index.html"
    text = rendered_text(chromium, page)
    assert "Quick start" in text
    assert 'me = mm.users.get_user("me")' in text
    assert "from mattermost_ext import Mattermost, NotFoundError" in text
    assert "MM_TOKEN" in text and "AsyncMattermost" in text
    shot = screenshot(chromium, page, "quickstart.png")
    assert shot.stat().st_size > 50_000, "the screenshot looks blank"
    with capsys.disabled():
        print(f"\ndocs screenshot: {shot}")


def test_operation_reference_renders(
    chromium: str, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = site / "reference" / "api" / "users" / "index.html"
    assert 'id="get_user"' in page.read_text(), "no anchor for get_user"
    text = rendered_text(chromium, page)
    section = text[text.index("GET /api/v4/users/{user_id} · Get a user") :][:2000]
    assert "mm.users.get_user(user_id: str) -> User" in section
    assert "User GUID" in section  # the parameter's description from the spec
    assert "Returns" in section and "the call returns User" in section
    assert "NotFoundError: the server answers 404" in section
    assert "UnauthorizedError: the server answers 401" in section
    shot = screenshot(chromium, page, "operation-users.png")
    assert shot.stat().st_size > 50_000, "the screenshot looks blank"
    with capsys.disabled():
        print(f"\ndocs screenshot: {shot}")
