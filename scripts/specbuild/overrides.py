"""The project's corrections to upstream's spec, read from spec/overrides*.yaml.

Sections (each entry carries a one-line `reason`):
- `conflicts`: which file wins where two source files define the same thing;
- `normalize`: generic rules (normalize.py) to run, in order;
- `patches`: JSON Patch operations (RFC 6902, plus `merge`: an RFC 7386 merge
  patch at `path`), each with a `name` and the `test` that proves it;
- `exclusions`: operations allowed to be missing from the generated client.
A patch whose target is missing fails loudly with its name: on a new release
an outdated correction must be looked at, not silently skipped.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError
from .normalize import RULES


@dataclass(frozen=True)
class Patch:
    name: str
    reason: str
    test: str
    ops: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Overrides:
    path: Path
    conflicts: dict[str, tuple[str, str]] = field(default_factory=dict)  # location -> (keep, why)
    rules: tuple[tuple[str, str], ...] = ()  # (rule, reason)
    patches: tuple[Patch, ...] = ()
    exclusions: dict[str, str] = field(default_factory=dict)  # "METHOD /path" -> reason


def load_overrides(path: Path) -> Overrides:
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise SpecError(f"{path}: overrides file not found") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from None

    def need(entry: dict[str, Any], key: str, where: str) -> Any:
        if not entry.get(key):
            raise SpecError(f"{path}: {where} has no `{key}`")
        return entry[key]

    conflicts = {}
    for i, entry in enumerate(raw.get("conflicts") or []):
        where = f"conflicts[{i}]"
        conflicts[need(entry, "location", where)] = (
            need(entry, "keep", where),
            need(entry, "reason", where),
        )
    rules = []
    for i, entry in enumerate(raw.get("normalize") or []):
        rule = need(entry, "rule", f"normalize[{i}]")
        if rule not in RULES:
            raise SpecError(f"{path}: normalize[{i}]: unknown rule {rule!r}")
        rules.append((rule, need(entry, "reason", f"normalize[{i}]")))
    patches = []
    for i, entry in enumerate(raw.get("patches") or []):
        name = need(entry, "name", f"patches[{i}]")
        patches.append(
            Patch(
                name=name,
                reason=need(entry, "reason", f"patch {name!r}"),
                test=need(entry, "test", f"patch {name!r}"),
                ops=tuple(need(entry, "ops", f"patch {name!r}")),
            )
        )
    names = [p.name for p in patches]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(f"{path}: patch names used twice: {dupes}")
    exclusions = {
        need(e, "operation", f"exclusions[{i}]"): need(e, "reason", f"exclusions[{i}]")
        for i, e in enumerate(raw.get("exclusions") or [])
    }
    return Overrides(path, conflicts, tuple(rules), tuple(patches), exclusions)


def apply_rules(document: dict[str, Any], overrides: Overrides) -> dict[str, list[str]]:
    """Run the listed generic rules in order; returns rule -> changed locations."""
    return {rule: RULES[rule](document) for rule, _ in overrides.rules}


def apply_patches(document: dict[str, Any], overrides: Overrides) -> None:
    for patch in overrides.patches:
        for index, op in enumerate(patch.ops):
            try:
                _apply(document, op)
            except _PatchError as exc:
                raise SpecError(
                    f"{overrides.path.name}: patch {patch.name!r} op {index} "
                    f"({op.get('op')} {op.get('path')}): {exc}"
                ) from None


class _PatchError(Exception):
    pass


def _split(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _PatchError(f"not a JSON pointer: {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    parts = _split(pointer)
    if not parts:
        raise _PatchError("cannot target the document root")
    node = document
    for part in parts[:-1]:
        node = _child(node, part)
    return node, parts[-1]


def _child(node: Any, part: str) -> Any:
    try:
        if isinstance(node, list):
            return node[int(part)]
        return node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise _PatchError(f"target missing at {part!r}") from None


def _get(document: Any, pointer: str) -> Any:
    parent, last = _parent(document, pointer)
    return _child(parent, last)


def _apply(document: dict[str, Any], op: dict[str, Any]) -> None:
    kind, pointer = op.get("op"), op.get("path", "")
    if kind == "test":
        if _get(document, pointer) != op.get("value"):
            raise _PatchError("value differs from the expected one (upstream changed?)")
    elif kind in ("replace", "remove"):
        parent, last = _parent(document, pointer)
        _child(parent, last)  # must exist
        if kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            parent[int(last) if isinstance(parent, list) else last] = copy.deepcopy(op["value"])
    elif kind == "add":
        parent, last = _parent(document, pointer)
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
        elif isinstance(parent, dict):
            if last in parent:
                raise _PatchError(f"{last!r} already exists (use replace or merge)")
            parent[last] = copy.deepcopy(op["value"])
        else:
            raise _PatchError("parent is not a container")
    elif kind in ("move", "copy"):
        value = _get(document, op.get("from", ""))
        if kind == "move":
            src_parent, src_last = _parent(document, op["from"])
            del src_parent[int(src_last) if isinstance(src_parent, list) else src_last]
        parent, last = _parent(document, pointer)
        if isinstance(parent, list):
            parent.insert(int(last), copy.deepcopy(value))
        elif isinstance(parent, dict):
            parent[last] = copy.deepcopy(value)
        else:
            raise _PatchError("destination parent is not a container")
    elif kind == "merge":
        target = _get(document, pointer)
        if not isinstance(target, dict):
            raise _PatchError("merge target is not a mapping")
        _merge(target, op["value"])
    else:
        raise _PatchError(f"unknown op {kind!r}")


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
