"""Shared validation helpers for the integration builders.

Every builder in :mod:`mattermost_ext.attachments`, :mod:`mattermost_ext.integrations`,
:mod:`mattermost_ext.dialogs` and :mod:`mattermost_ext.webhooks` checks its input before
anything is sent and raises :class:`BuilderError` naming the offending field by its path
(``attachments[0].actions[1].integration.url``) and the reason.

The rules mirror Mattermost's own model validation (server module
``github.com/mattermost/mattermost/server/public`` v0.1.20, package ``model``); each limit
is a class constant whose comment names the Mattermost constant or function it follows.
Note that Mattermost measures some limits in runes (code points, like Python's ``len``)
and others with Go's ``len`` on a string, i.e. in UTF-8 bytes; :func:`check_max_bytes`
and :func:`check_max_runes` keep the two apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["BuilderError"]


class BuilderError(ValueError):
    """A builder was given input Mattermost would reject or mis-handle.

    ``path`` names the field (``attachments[0].actions[1].integration.url``), ``reason``
    says what is wrong with it. ``str(error)`` is ``"<path>: <reason>"``.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason))


# model.hexColorRegex (slack_attachment.go): exactly six hex digits after '#'.
HEX_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

# Route of POST /api/v4/posts/{post_id}/actions/{action_id:[A-Za-z0-9]+}
# (server/channels/api4/integration_action.go): an action id that is not ASCII
# alphanumeric can never be triggered.
ACTION_ID_RE = re.compile(r"^[A-Za-z0-9]+$")


def join(path: str, name: str) -> str:
    """``join("a", "b") == "a.b"``; ``join("", "b") == "b"``."""
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def is_http_url(value: str) -> bool:
    """Mirror of ``model.IsValidHTTPURL``: an absolute http(s) URL with a host."""
    if not (value.startswith("http://") or value.startswith("https://")):
        return False
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc)


def check_http_url(path: str, value: str | None) -> None:
    if value and not is_http_url(value):
        raise BuilderError(path, f"must be an absolute http:// or https:// URL, got {value!r}")


def check_required(path: str, value: object) -> None:
    if value is None or value == "":
        raise BuilderError(path, "is required")


def check_max_runes(path: str, value: str | None, limit: int, mirrors: str) -> None:
    """Length in runes (code points), as Go's ``utf8.RuneCountInString``."""
    if value is not None and len(value) > limit:
        raise BuilderError(
            path, f"is {len(value)} characters long, over the limit of {limit} ({mirrors})"
        )


def check_max_bytes(path: str, value: str | None, limit: int, mirrors: str) -> None:
    """Length in UTF-8 bytes, as Go's ``len(string)`` that Mattermost uses for dialogs."""
    if value is None:
        return
    size = len(value.encode("utf-8"))
    if size > limit:
        unit = "bytes" if size != len(value) else "characters"
        raise BuilderError(
            path, f"is {size} {unit} long, over the limit of {limit} ({mirrors}, UTF-8 bytes)"
        )


def check_choice(path: str, value: str | None, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise BuilderError(path, f"must be one of {', '.join(allowed)}; got {value!r}")


def check_json_mapping(path: str, value: Mapping[str, Any] | None) -> None:
    """Props and contexts travel as JSON objects: keys must be strings, values encodable."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise BuilderError(path, f"must be a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise BuilderError(path, f"keys must be strings, got {key!r}")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise BuilderError(path, f"is not JSON-serialisable: {exc}") from None


def json_runes(value: Any) -> int:
    """Length of the compact JSON form in runes, as Mattermost counts props."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def compact(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Build a dict from ``items``, dropping ``None``, ``""``, ``False``, and empty lists/dicts.

    Only the top level of one object is compacted: user-supplied mappings (props,
    contexts) are kept as given.
    """
    out: dict[str, Any] = {}
    for key, value in items:
        if value is None or value is False or value == "":
            continue
        if isinstance(value, list | tuple | dict) and len(value) == 0:
            continue
        out[key] = value
    return out
