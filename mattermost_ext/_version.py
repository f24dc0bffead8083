"""The package version, and the version of Mattermost's spec the generated client came from.

``__version__`` is the one place the version is written (pyproject.toml reads it from here).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

__version__ = "0.1.0"

UNKNOWN = "unknown"
_HEADER = re.compile(r"from Mattermost's OpenAPI spec (\S+?)[ (]")


@cache
def spec_version() -> str:
    """The spec release ``mattermost_api`` was generated from (e.g. ``"v11.6.0"``), or "unknown".

    Read from, in order: ``mattermost_api._spec.SPEC_VERSION``, ``generated/summary.json`` beside
    the package (a source tree), the "generated from" header of ``mattermost_api/__init__.py``.
    """
    try:
        from mattermost_api import _spec  # type: ignore[attr-defined, unused-ignore]

        version = getattr(_spec, "SPEC_VERSION", None)
        if isinstance(version, str) and version:
            return version
    except ImportError:
        pass
    try:
        import mattermost_api
    except ImportError:
        return UNKNOWN
    package_dir = Path(mattermost_api.__file__).resolve().parent
    return _from_summary(package_dir.parent / "summary.json") or _from_header(
        package_dir / "__init__.py"
    )


def _from_summary(path: Path) -> str | None:
    try:
        source = json.loads(path.read_text()).get("source")
    except (OSError, ValueError, AttributeError):
        return None
    return source if isinstance(source, str) and source else None


def _from_header(path: Path) -> str:
    try:
        with path.open() as file:
            head = file.read(400)
    except OSError:
        return UNKNOWN
    match = _HEADER.search(head)
    return match.group(1) if match else UNKNOWN
