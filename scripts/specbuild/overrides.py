"""The project's corrections to upstream's spec, read from spec/overrides*.yaml.

Sections (each entry carries a one-line `reason`):
- `conflicts`: which file wins where two source files define the same thing;
- `normalize`: generic rules (normalize.py) to run, in order;
- `patches`: JSON Patch operations (RFC 6902, plus `merge`: an RFC 7386 merge
  patch at `path`), each with a `name` and the `test` that proves it;
- `exclusions`: operations allowed to be missing from the generated client.

Life cycle. Each correction states the defect it expects to find, and each
application has one of three outcomes (`Outcome.kind`):
- `applied`: the defect is there; the correction is applied;
- `obsolete`: the defect is gone because upstream fixed it (or no longer has
  the operation or schema the correction is about); the correction is
  skipped with one line, `obsolete: <name> (upstream fixed <what>)`, and
  generation goes on (`--strict` makes it a failure);
- `moved`: neither; the target moved or changed shape. A `PatchMoved` error
  names the correction, the overrides file, the JSON path, what was expected
  and what was found, and what to do.

What a patch expects: its `test` ops (the defect, as JSON-patch tests) and
what each op needs (a `move`'s source, a `replace`'s target, an `add`'s
parent). What "upstream fixed it" looks like: the state the ops would have
produced (a `move`'s destination holds a value and its source is gone, an
`add`'s or `replace`'s value is there, a `merge` changes nothing; a list entry
already there, e.g. a parameter of the same name and location, is not added
again), or the optional `fixed` list of `test` ops (`{op: test, path, value}`;
`{op: test, path, absent: true}`; all must hold) for a fix of another shape.
Ops are grouped by what they correct (one operation or one schema); a group
whose operation or schema the spec does not have at all is obsolete too
("upstream has no ..."). A conflict resolution that
matches no conflict is obsolete in the same way (bundle.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from .errors import SpecError
from .normalize import RULES


@dataclass(frozen=True)
class Patch:
    name: str
    reason: str
    test: str
    ops: tuple[dict[str, Any], ...]
    fixed: tuple[dict[str, Any], ...] = ()  # what "upstream fixed it" looks like (test ops)


@dataclass(frozen=True)
class Overrides:
    path: Path
    conflicts: dict[str, tuple[str, str]] = field(default_factory=dict)  # location -> (keep, why)
    rules: tuple[tuple[str, str], ...] = ()  # (rule, reason)
    patches: tuple[Patch, ...] = ()
    exclusions: dict[str, str] = field(default_factory=dict)  # "METHOD /path" -> reason

    @property
    def shown(self) -> str:
        """The file's path as messages show it: relative to the working directory if inside."""
        try:
            return str(self.path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)


@dataclass(frozen=True)
class Outcome:
    """What happened to one correction on this spec."""

    name: str
    kind: str  # "applied" | "obsolete"
    what: str = ""  # why obsolete: "upstream fixed ..." / "upstream has no ..."

    def line(self) -> str:
        return f"obsolete: {self.name} ({self.what})" if self.kind == "obsolete" else ""


class PatchMoved(SpecError):
    """A correction found neither its defect nor upstream's fix: the target moved."""


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
        fixed = tuple(entry.get("fixed") or ())
        for j, check in enumerate(fixed):
            if not isinstance(check, dict) or check.get("op") != "test" or "path" not in check:
                raise SpecError(
                    f"{path}: patch {name!r} fixed[{j}]: expected a test op "
                    "({op: test, path: ..., value: ...} or {op: test, path: ..., absent: true})"
                )
        patches.append(
            Patch(
                name=name,
                reason=need(entry, "reason", f"patch {name!r}"),
                test=need(entry, "test", f"patch {name!r}"),
                ops=tuple(need(entry, "ops", f"patch {name!r}")),
                fixed=fixed,
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


Origin = Callable[[str], "str | None"]  # JSON pointer -> the source file that defined it


def apply_patches(
    document: dict[str, Any], overrides: Overrides, origin: Origin | None = None
) -> list[Outcome]:
    """Apply every patch whose defect is present; returns one outcome per patch.

    Raises PatchMoved (a SpecError) for a patch that finds neither its defect nor the fix.
    """
    return [_apply_patch(document, patch, overrides, origin) for patch in overrides.patches]


def conflict_outcomes(stale: list[str], single_file: bool) -> list[Outcome]:
    """Conflict resolutions that matched no conflict: upstream's files now agree."""
    what = (
        "upstream's bundle holds one definition"
        if single_file
        else "upstream fixed it: defined once"
    )
    return [Outcome(f"conflict '{location}'", "obsolete", what) for location in stale]


# --- one patch, grouped by what it corrects --------------------------------------------------

_MISSING = object()


def _anchor(pointer: str) -> tuple[str, ...]:
    """What a pointer corrects: one operation (`paths P method`), one component, or a key."""
    parts = _split_lenient(pointer)
    if parts[:1] == ["paths"]:
        return tuple(parts[:3])
    if parts[:1] == ["components"]:
        return tuple(parts[:3])
    return tuple(parts[:1])


def _split_lenient(pointer: str) -> list[str]:
    try:
        return _split(pointer)
    except _PatchError:
        return [pointer]


def _describe(anchor: tuple[str, ...]) -> str:
    if anchor[:1] == ("paths",) and len(anchor) == 3:
        return f"{anchor[2].upper()} {anchor[1]}"
    if anchor[:1] == ("paths",) and len(anchor) == 2:
        return anchor[1]
    if anchor[:2] == ("components", "schemas") and len(anchor) == 3:
        return f"schema {anchor[2]}"
    return " ".join(anchor) or "the document root"


def _lookup(document: Any, keys: tuple[str, ...]) -> Any:
    node = document
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def _apply_patch(
    document: dict[str, Any], patch: Patch, overrides: Overrides, origin: Origin | None
) -> Outcome:
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for index, op in enumerate(patch.ops):
        groups.setdefault(_anchor(str(op.get("path", ""))), []).append((index, op))
    creating = {a for a, ops in groups.items() if _creates_anchor(a, ops, document)}
    results: list[tuple[tuple[str, ...], str]] = []  # (anchor, "" applied | why obsolete)
    for anchor, ops in groups.items():
        if anchor not in creating:
            results.append((anchor, _apply_group(document, patch, anchor, ops, overrides, origin)))
    if results and all(why for _, why in results):
        return Outcome(patch.name, "obsolete", _why(results))
    for anchor in (a for a in groups if a in creating):  # new schemas, in the patch's order
        _apply_group(document, patch, anchor, groups[anchor], overrides, origin)
    dead = [(a, why) for a, why in results if why]
    if dead:
        return Outcome(patch.name, "obsolete", "partly: " + _why(dead))
    return Outcome(patch.name, "applied")


def _why(results: list[tuple[tuple[str, ...], str]]) -> str:
    reasons = [why for _, why in results]
    text = reasons[0] if len(set(reasons)) == 1 else "; ".join(reasons)
    return text if len(text) <= 300 else text[:297] + "…"


def _creates_anchor(
    anchor: tuple[str, ...], ops: list[tuple[int, dict[str, Any]]], document: dict[str, Any]
) -> bool:
    """A group that only adds a new operation/schema (it exists to support the others)."""
    whole = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in anchor)
    return all(op.get("op") == "add" and op.get("path") == whole for _, op in ops) and (
        _lookup(document, anchor) is _MISSING
    )


def _apply_group(
    document: dict[str, Any],
    patch: Patch,
    anchor: tuple[str, ...],
    ops: list[tuple[int, dict[str, Any]]],
    overrides: Overrides,
    origin: Origin | None,
) -> str:
    """Apply the group's ops; '' when applied, else why it is obsolete (or raise PatchMoved)."""
    absent = _absent_schemas(document, patch, [op for _, op in ops])
    if absent:  # written for a release that has these schemas (e.g. an older spec lacks them)
        return f"upstream has no schema {', '.join(absent)} (the correction refers to it)"
    touched = {_anchor(str(op[key])) for _, op in ops for key in ("path", "from") if key in op}
    saved = {keys: _snapshot(_lookup(document, keys)) for keys in touched}
    try:
        for index, op in ops:
            try:
                _apply(document, op)
            except _PatchError as exc:
                raise _Failed(index, op, exc) from None
        if all(_lookup(document, keys) == value for keys, value in saved.items()):
            return f"upstream fixed {_describe(anchor)}: the correction changes nothing"
        return ""
    except _Failed as failed:
        for keys, value in saved.items():
            _restore(document, keys, value)
        if _lookup(document, anchor) is _MISSING:
            return f"upstream has no {_describe(anchor)}"
        fixed = _fixed_state(document, patch, anchor, [op for _, op in ops])
        if fixed is not None:
            return f"upstream fixed {_describe(anchor)}: {fixed}"
        raise _moved(patch, failed, overrides, origin) from None


_SCHEMA_REF = "#/components/schemas/"


def _absent_schemas(document: dict[str, Any], patch: Patch, ops: list[dict[str, Any]]) -> list[str]:
    """Schemas the ops' values refer to that neither the spec nor the patch itself defines."""
    schemas = document.get("components", {}).get("schemas", {})
    made = {
        str(op["path"]).removeprefix("/components/schemas/")
        for op in patch.ops
        if op.get("op") == "add"
        and str(op.get("path", "")).count("/") == 3
        and str(op.get("path", "")).startswith("/components/schemas/")
    }
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                names.add(ref.removeprefix(_SCHEMA_REF).split("/")[0])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for op in ops:
        walk(op.get("value"))
    return sorted(n for n in names if n not in schemas and n not in made)


def _snapshot(value: Any) -> Any:
    return value if value is _MISSING else copy.deepcopy(value)


class _Failed(Exception):
    def __init__(self, index: int, op: dict[str, Any], error: _PatchError) -> None:
        super().__init__(str(error))
        self.index, self.op, self.error = index, op, error


def _restore(document: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    parent = _lookup(document, keys[:-1])
    if not keys or parent is _MISSING or not isinstance(parent, dict | list):
        return
    last = keys[-1]
    if isinstance(parent, list):
        if value is not _MISSING:
            parent[int(last)] = value
    elif value is _MISSING:
        parent.pop(last, None)
    else:
        parent[last] = value


def _moved(
    patch: Patch, failed: _Failed, overrides: Overrides, origin: Origin | None
) -> PatchMoved:
    op, error = failed.op, failed.error
    source = origin(error.pointer) if origin and error.pointer else None
    where = f" (source file {source})" if source else ""
    return PatchMoved(
        f"{overrides.shown}: correction {patch.name!r} op {failed.index} ({op.get('op')}): "
        f"at {error.pointer or op.get('path')}{where}: expected {error.expected}, "
        f"found {error.found}; the spec has neither the defect nor its fix: the target moved "
        "or changed shape upstream. Look at that place in the spec, then update the op's paths "
        "(or state `fixed:` for a different fix), or delete the correction"
    )


def _fixed_state(
    document: dict[str, Any], patch: Patch, anchor: tuple[str, ...], ops: list[dict[str, Any]]
) -> str | None:
    """How the spec shows upstream's fix for this group, or None when it does not.

    The fix is the state the ops would produce, or the patch's own `fixed` checks.
    """
    stated = [c for c in patch.fixed if _anchor(str(c["path"])) == anchor]
    for checks in (_implied_fix(ops), stated):
        shown = _holds(document, checks, anchor) if checks else None
        if shown is not None:
            return shown
    return None


def _holds(
    document: dict[str, Any], checks: list[dict[str, Any]], anchor: tuple[str, ...]
) -> str | None:
    """All checks hold: their description; else None."""
    shown = []
    for check in checks:
        value = _lookup(document, tuple(_split_lenient(str(check["path"]))))
        rest = _relative(str(check["path"]), anchor)
        if check.get("absent"):
            if value is not _MISSING:
                return None
            shown.append(f"no {rest}")
        elif check.get("present"):
            if value is _MISSING:
                return None
            shown.append("defined" if rest == "it" else f"{rest} present")
        elif "merge" in check:
            if not isinstance(value, dict) or _merged(value, check["merge"]) != value:
                return None
            shown.append(f"{rest} already {_short(check['merge'])}")
        elif "contains" in check:
            if not isinstance(value, list) or not any(
                _same_item(v, check["contains"]) for v in value
            ):
                return None
            shown.append(f"{rest} lists {_short(check['contains'])}")
        else:
            if value is _MISSING or not _equal(value, check.get("value")):
                return None
            shown.append(f"{rest} = {_short(check.get('value'))}")
    return ", ".join(shown)


def _implied_fix(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The state the ops would produce, as checks (test ops describe the defect: skipped)."""
    checks: list[dict[str, Any]] = []
    for i, op in enumerate(ops):
        kind, path = op.get("op"), str(op.get("path", ""))
        written_below = any(
            str(later.get("path", "")).startswith(path + "/") for later in ops[i + 1 :]
        )
        if kind == "move":
            checks += [
                {"path": path, "present": True},
                {"path": op.get("from", ""), "absent": True},
            ]
        elif kind == "copy":
            checks.append({"path": path, "present": True})
        elif kind == "remove":
            checks.append({"path": path, "absent": True})
        elif kind == "replace":
            checks.append({"path": path, "present": True} if written_below else
                          {"path": path, "value": op.get("value")})  # fmt: skip
        elif kind == "add":
            if path.endswith("/-"):
                checks.append({"path": path[:-2], "contains": op.get("value")})
            else:
                checks.append({"path": path, "present": True})
        elif kind == "merge":
            checks.append({"path": path, "merge": op.get("value")})
    return checks


def _same_item(item: Any, wanted: Any) -> bool:
    """List entries are the same parameter when name and location agree."""
    if isinstance(item, dict) and isinstance(wanted, dict) and "name" in wanted:
        return bool(item.get("name") == wanted.get("name") and item.get("in") == wanted.get("in"))
    return bool(item == wanted)


def _relative(pointer: str, anchor: tuple[str, ...]) -> str:
    parts = _split_lenient(pointer)
    rest = parts[len(anchor) :] if tuple(parts[: len(anchor)]) == anchor else parts
    return "/".join(rest) or "it"


def _short(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


# --- JSON Patch (+ merge) ---------------------------------------------------------------------


class _PatchError(Exception):
    def __init__(self, pointer: str, expected: str, found: str) -> None:
        super().__init__(f"at {pointer}: expected {expected}, found {found}")
        self.pointer, self.expected, self.found = pointer, expected, found


def _split(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _PatchError(pointer, "a JSON pointer (starting with /)", repr(pointer))
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def _join(parts: list[str]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _parent(document: Any, pointer: str, role: str = "target") -> tuple[Any, str]:
    parts = _split(pointer)
    if not parts:
        raise _PatchError(pointer, f"a {role} below the document root", "the root")
    node = document
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, _join(parts[: depth + 1]), role)
    return node, parts[-1]


def _child(node: Any, part: str, pointer: str, role: str = "target") -> Any:
    try:
        if isinstance(node, list):
            return node[int(part)]
        return node[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise _PatchError(pointer, f"the {role} {part!r}", _contents(node)) from None


def _contents(node: Any) -> str:
    """What is there instead, in a few words."""
    if isinstance(node, dict):
        keys = [str(k) for k in node]
        shown = ", ".join(keys[:8]) + (", …" if len(keys) > 8 else "")
        return f"a mapping with {shown}" if keys else "an empty mapping"
    if isinstance(node, list):
        return f"a list of {len(node)}"
    return _short(node)


def _get(document: Any, pointer: str, role: str = "target") -> Any:
    parent, last = _parent(document, pointer, role)
    return _child(parent, last, pointer, role)


def _apply(document: dict[str, Any], op: dict[str, Any]) -> None:
    kind, pointer = op.get("op"), op.get("path", "")
    if kind == "test":
        found = _get(document, pointer, "tested value")
        if not _equal(found, op.get("value")):
            raise _PatchError(pointer, f"the defect {_short(op.get('value'))}", _short(found))
    elif kind in ("replace", "remove"):
        parent, last = _parent(document, pointer)
        _child(parent, last, pointer)  # must exist
        if kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            parent[int(last) if isinstance(parent, list) else last] = copy.deepcopy(op["value"])
    elif kind == "add":
        parent, last = _parent(document, pointer, "parent")
        if isinstance(parent, list):
            if last == "-" and any(_same_item(item, op["value"]) for item in parent):
                return  # already listed (a parameter: same name and in): nothing to add
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
        elif isinstance(parent, dict):
            if last in parent:
                raise _PatchError(pointer, f"no {last!r} yet (add)", _short(parent[last]))
            parent[last] = copy.deepcopy(op["value"])
        else:
            raise _PatchError(pointer, "a mapping or list to add to", _short(parent))
    elif kind in ("move", "copy"):
        source = op.get("from", "")
        value = _get(document, source, f"{kind}'s source")
        parent, last = _parent(document, pointer, f"{kind}'s destination")
        if not isinstance(parent, dict | list):
            raise _PatchError(
                pointer, f"a mapping or list as the {kind}'s destination", _short(parent)
            )
        if kind == "move":
            src_parent, src_last = _parent(document, source)
            del src_parent[int(src_last) if isinstance(src_parent, list) else src_last]
        if isinstance(parent, list):
            parent.insert(int(last), copy.deepcopy(value))
        else:
            parent[last] = copy.deepcopy(value)
    elif kind == "merge":
        target = _get(document, pointer, "merge target")
        if not isinstance(target, dict):
            raise _PatchError(pointer, "a mapping to merge into", _short(target))
        _merge(target, op["value"])
    else:
        raise _PatchError(pointer, "op test, add, remove, replace, move, copy or merge", repr(kind))


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: `false` is not `0` (as in RFC 6902's test)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _merged(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(target)
    _merge(result, patch)
    return result


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
