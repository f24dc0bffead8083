"""Plugins' operations in a published bundle get their own namespace in the same package.

Upstream's bundle merges the Playbooks plugin's paths into the server's. Their tags
(`Playbooks`, `PlaybookRuns`, `Timeline`, ...) become `playbooks_<tag>` so that the
generated modules sit in `mattermost_api.api.playbooks_*`, apart from the server's, and
are counted apart. The plugin is not installed on the test server: these are untested.
"""

from __future__ import annotations

import re
from typing import Any

from .bundle import operations

PLUGINS = {"playbooks": "/plugins/playbooks/"}  # namespace -> path prefix


def _snake(tag: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", tag)
    return re.sub(r"[^0-9a-zA-Z]+", "_", words).strip("_").lower()


def namespace_tag(namespace: str, tag: str) -> str:
    """`PlaybookRuns` -> `playbooks_runs`, `Timeline` -> `playbooks_timeline`."""
    name = _snake(tag)
    singular = namespace.rstrip("s")
    for prefix in (namespace + "_", singular + "_"):
        if name.startswith(prefix) and name != prefix:
            name = name[len(prefix) :]
            break
    return f"{namespace}_{name}" if name not in (namespace, singular) else f"{namespace}_core"


def namespace_plugins(document: dict[str, Any]) -> dict[str, list[str]]:
    """Retag plugin operations; returns namespace -> "METHOD /path" of its operations."""
    found: dict[str, list[str]] = {}
    for method, path, op in operations(document):
        for namespace, prefix in PLUGINS.items():
            if path.startswith(prefix):
                tags = op.get("tags") or [namespace]
                op["tags"] = [namespace_tag(namespace, str(tags[0]))]
                found.setdefault(namespace, []).append(f"{method.upper()} {path}")
    return found


def packages(document: dict[str, Any], namespace: str) -> tuple[str, ...]:
    """The endpoint packages (tags) a namespace's operations were generated into."""
    prefix = PLUGINS[namespace]
    tags = {
        str((op.get("tags") or [""])[0])
        for _, path, op in operations(document)
        if path.startswith(prefix)
    }
    return tuple(sorted(tags))
