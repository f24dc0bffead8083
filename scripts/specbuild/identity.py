"""The spec's identity and per-operation release data, written into the generated package.

`mattermost_api/_spec.py` holds SPEC_VERSION (release tag or bundle date), SPEC_SOURCE,
SPEC_SHA256, the plugin namespaces (generated, not tested against a server), and each
operation's "Minimum server version" where upstream states it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .bundle import operations
from .report import generated_endpoints, template_shape
from .sources import SpecInput

_MINIMUM = re.compile(r"Minimum server version[_*:\s]*(\d+(?:\.\d+)*)", re.I)


def minimum_server_versions(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(method, path) -> the "Minimum server version" upstream states in the description."""
    found = {}
    for method, path, op in operations(document):
        match = _MINIMUM.search(str(op.get("description") or ""))
        if match:
            found[(method, path)] = match.group(1)
    return found


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def newest(versions: list[str]) -> str:
    return max(versions, key=_version_key) if versions else ""


def by_module(document: dict[str, Any], package_dir: Path) -> dict[str, str]:
    """Endpoint module (`users.get_user`) -> minimum server version."""
    versions = {
        (m, template_shape(p)): v for (m, p), v in minimum_server_versions(document).items()
    }
    found = {}
    for key, module in generated_endpoints(package_dir).items():
        if key in versions:
            relative = module.relative_to(package_dir / "api").with_suffix("")
            found[".".join(relative.parts)] = versions[key]
    return dict(sorted(found.items()))


SPEC_MODULE = '''"""Which spec this package was generated from, and what each operation needs.

`minimum_server_version(get_user_access_tokens.sync)` (mattermost_api.api.users) answers
"4.7": the "Minimum server version" upstream states, or None where it states none.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

SPEC_VERSION = {version}
"""The release tag (e.g. v11.6.0) or the published bundle's date (e.g. 2026-05-28)."""
SPEC_SOURCE = {source}
"""Where the spec was read: the pinned release, a directory, a bundled file or a URL."""
SPEC_SHA256 = {sha256}
"""sha256 of the bundled file, or of the source files' names and hashes in bundle order."""
SPEC_KIND = {kind}
""""sources" (upstream's source files, bundled by this project) or "bundle" (upstream's)."""
NEWEST_MINIMUM_SERVER_VERSION = {newest}
"""The newest "Minimum server version" any operation of this spec states."""
PLUGIN_NAMESPACES: dict[str, tuple[str, ...]] = {{
{plugins}}}
"""Plugin -> its endpoint packages under mattermost_api.api (generated, not tested against a
server: the plugin is not installed where this project's tests run)."""
MINIMUM_SERVER_VERSION: dict[str, str] = {{
{minimum}}}
"""Endpoint module (relative to mattermost_api.api) -> upstream's "Minimum server version"."""


def minimum_server_version(operation: Callable[..., Any] | ModuleType) -> str | None:
    """The minimum server version of a generated operation (function or module), if stated."""
    name = operation.__name__ if isinstance(operation, ModuleType) else operation.__module__
    return MINIMUM_SERVER_VERSION.get(name.removeprefix("mattermost_api.api."))
'''


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a Python string literal, double-quoted


def spec_module(
    spec: SpecInput, modules: dict[str, str], plugins: dict[str, tuple[str, ...]]
) -> str:
    minimum = "".join(
        f"    {_text(name)}: {_text(version)},\n" for name, version in modules.items()
    )
    plugin_text = "".join(
        f"    {_text(name)}: (\n" + "".join(f"        {_text(p)},\n" for p in packages) + "    ),\n"
        for name, packages in sorted(plugins.items())
    )
    return SPEC_MODULE.format(
        version=_text(spec.version),
        source=_text(spec.source),
        sha256=_text(spec.sha256),
        kind=_text(spec.kind),
        newest=_text(newest(list(modules.values()))),
        plugins=plugin_text,
        minimum=minimum,
    )
