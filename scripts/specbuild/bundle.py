"""Bundle upstream's source files into one OpenAPI document.

Upstream concatenates its files under a single `paths:` key, which loses data:
repeated top-level keys and a path defined in two files silently overwrite
each other. Here each file is parsed on its own (duplicate keys inside a file
are an error), then merged: mappings key by key, path items method by method.
Two different values for the same key are a conflict; a conflict must be
resolved by a `conflicts` entry of the overrides file (which file to keep, and
why), otherwise bundling fails and lists them all. A resolution that matches no
conflict is reported as stale (upstream fixed it: the files now agree), not an
error; the caller decides (generate.py: `obsolete`, a failure with --strict).

A bundled file (upstream's own single-file build) is one source: nothing to
merge, so no conflicts; the bundle still knows which file set each key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]

from .errors import SpecError
from .sources import SourceFile

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: bundles are large


class _StrictLoader(_Base):  # type: ignore[misc,valid-type]
    """A safe YAML loader that refuses duplicate keys instead of keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_fragment(source: SourceFile) -> dict[str, Any]:
    """Parse one source file. A file whose first line is indented is a fragment of `paths:`."""
    text = source.text
    first = next((line for line in text.splitlines() if line.strip()), "")
    shift = 0
    if first[:1].isspace():
        text, shift = "paths:\n" + text, 1
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1 - shift}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"{source.origin}{where}: invalid YAML ({problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SpecError(f"{source.origin}: expected a mapping at the top level")
    return data


@dataclass
class Conflict:
    location: str  # e.g. "paths./api/v4/x.get" or "components.schemas.User"
    files: tuple[str, str]

    def __str__(self) -> str:
        return f"{self.location} defined differently in {self.files[0]} and {self.files[1]}"


@dataclass
class Bundle:
    document: dict[str, Any]
    # (method, path) -> file that defined the operation
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    resolved: list[tuple[Conflict, str, str]] = field(default_factory=list)  # conflict, kept, why
    repeated: list[str] = field(default_factory=list)  # identical repeats merged silently
    stale: list[str] = field(default_factory=list)  # resolutions that matched no conflict
    owners: dict[tuple[str, ...], str] = field(default_factory=dict)  # keys -> file that set them
    single_file: bool = False  # one bundled file: conflicts cannot occur here

    def origin_of(self, pointer: str) -> str | None:
        """The source file that defined what a JSON pointer names (nearest ancestor), if known."""
        keys = tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])
        owner = _owner(self.owners, keys)
        return None if owner == "?" else owner


def bundle(
    sources: list[SourceFile],
    resolutions: dict[str, tuple[str, str]],
    *,
    later_wins: bool = False,
    overrides_name: str = "spec/overrides.yaml",
) -> Bundle:
    """Merge the files; `resolutions` maps a conflict location to (file to keep, reason).

    `later_wins` resolves every other conflict as upstream's concatenation does
    (for reading, e.g. spec_diff; the generator never uses it).

    A location is the keys from the document root joined by spaces, e.g.
    `paths /api/v4/users get` or `components schemas User`.
    """
    result = Bundle(document={}, single_file=len(sources) == 1)
    owners = result.owners
    unresolved: list[Conflict] = []

    def merge(
        target: dict[str, Any], incoming: dict[str, Any], keys: tuple[str, ...], name: str
    ) -> None:
        for key, value in incoming.items():
            here = (*keys, str(key))
            if value is None and key in target:
                continue  # an empty key (introduction.yaml's bare `paths:`) adds nothing
            if target.get(key) is None:
                target[key] = value
                owners[here] = name
                continue
            current = target[key]
            whole = len(keys) == 2 and keys[0] == "paths" and key in HTTP_METHODS
            if isinstance(current, dict) and isinstance(value, dict) and not whole:
                merge(current, value, here, name)
                continue
            location = " ".join(here)
            if current == value:
                result.repeated.append(location)
                continue
            conflict = Conflict(location, (_owner(owners, here), name))
            resolution = resolutions.get(location)
            if resolution is None and later_wins:
                resolution = (name, "later file wins, as in upstream's build")
            if resolution is None:
                unresolved.append(conflict)
                continue
            keep, reason = resolution
            if keep not in conflict.files:
                raise SpecError(
                    f"{overrides_name}: conflict '{location}' is between {conflict.files[0]} "
                    f"and {conflict.files[1]}, not {keep}"
                )
            if keep == name:
                target[key] = value
                owners[here] = name
            result.resolved.append((conflict, keep, reason))

    for source in sources:
        merge(result.document, parse_fragment(source), (), source.name)

    if unresolved:
        listed = "; ".join(str(c) for c in unresolved)
        raise SpecError(
            f"bundle: {len(unresolved)} unresolved conflict(s): {listed}; say which file to keep "
            f"with a `conflicts` entry in {overrides_name}"
        )
    result.stale = sorted(set(resolutions) - {c.location for c, _, _ in result.resolved})
    for method, path, _ in operations(result.document):
        result.origins[(method, path)] = _owner(owners, ("paths", path, method))
    return result


def _owner(owners: dict[tuple[str, ...], str], keys: tuple[str, ...]) -> str:
    """The file that set these keys, or the nearest ancestor that did."""
    while keys:
        if keys in owners:
            return owners[keys]
        keys = keys[:-1]
    return "?"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation, in document order."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict):
                found.append((method, path, op))
    return found
