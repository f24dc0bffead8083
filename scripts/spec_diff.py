#!/usr/bin/env python3
"""What changed between two Mattermost spec versions: read this before upgrading.

    python scripts/spec_diff.py OLD NEW

OLD and NEW take the forms `generate.py --source` takes: a directory of
upstream source files (or a release folder holding `source/`; bundled here,
where two files define the same thing the later one wins, as in upstream's own
build), or one bundled spec file (YAML or JSON, path or http(s) URL: upstream's
published bundle, or generated/openapi.json). Both sides get the generic
normalisations. Prints a summary line, operations added and removed, and for
operations in both: parameters, request body and response changes; then the
schemas (components) that changed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specbuild.bundle import HTTP_METHODS, bundle
from specbuild.errors import SpecError
from specbuild.normalize import RULES
from specbuild.pin import load_pin
from specbuild.sources import read_input

Document = dict[str, Any]


def load(where: str) -> Document:
    path = Path(where)
    if path.is_dir() and (path / "source").is_dir():
        where = str(path / "source")
    spec = read_input(where, None, load_pin())
    document = bundle(list(spec.files), {}, later_wins=True).document
    for rule in RULES.values():
        rule(document)
    return document


def operations(document: Document) -> dict[str, dict[str, Any]]:
    found = {}
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance((item or {}).get(method), dict):
                op = dict(item[method])
                op["parameters"] = (item.get("parameters") or []) + (op.get("parameters") or [])
                found[f"{method.upper()} {path}"] = op
    return found


def shape(schema: Any) -> str:
    """A compact, comparable rendering of a schema (references by name, no descriptions)."""
    if not isinstance(schema, dict):
        return repr(schema)
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = schema.get("type", "any")
    if kind == "array":
        return f"[{shape(schema.get('items'))}]"
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        inner = ", ".join(f"{k}: {shape(v)}" for k, v in sorted(props.items()))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            inner += (", " if inner else "") + f"*: {shape(extra)}"
        return "{" + inner + "}"
    for combo in ("allOf", "oneOf", "anyOf"):
        if combo in schema:
            return f"{combo}(" + " | ".join(shape(s) for s in schema[combo]) + ")"
    fmt = schema.get("format")
    return f"{kind}({fmt})" if fmt else str(kind)


def _params(op: dict[str, Any]) -> dict[str, str]:
    params = {}
    for p in op.get("parameters") or []:
        if "$ref" in p:
            params[p["$ref"].rsplit("/", 1)[-1]] = "ref"
            continue
        required = " required" if p.get("required") else ""
        params[f"{p.get('in')}:{p.get('name')}"] = shape(p.get("schema")) + required
    return params


def _body(op: dict[str, Any]) -> dict[str, str]:
    content = (op.get("requestBody") or {}).get("content") or {}
    return {ct: shape((m or {}).get("schema")) for ct, m in content.items()}


def _responses(op: dict[str, Any]) -> dict[str, str]:
    found = {}
    for code, response in (op.get("responses") or {}).items():
        if not isinstance(response, dict):
            continue
        if "$ref" in response:
            found[str(code)] = response["$ref"].rsplit("/", 1)[-1]
            continue
        content = response.get("content") or {}
        found[str(code)] = (
            "; ".join(f"{ct} {shape((m or {}).get('schema'))}" for ct, m in content.items())
            or "(no body)"
        )
    return found


def compare(label: str, old: dict[str, str], new: dict[str, str]) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            lines.append(f"    + {label} {key}: {new[key]}")
        elif key not in new:
            lines.append(f"    - {label} {key}: {old[key]}")
        elif old[key] != new[key]:
            lines.append(f"    ~ {label} {key}: {old[key]}  ->  {new[key]}")
    return lines


def by_shape(ops: dict[str, dict[str, Any]]) -> dict[str, str]:
    """ "GET /a/{}" -> "GET /a/{name}": an operation is the same when only a path
    variable was renamed (upstream's `{name}` -> `{team_name}`)."""
    return {re.sub(r"{[^}]*}", "{}", key): key for key in ops}


def diff(old: Document, new: Document) -> list[str]:
    old_ops, new_ops = operations(old), operations(new)
    old_keys, new_keys = by_shape(old_ops), by_shape(new_ops)
    added = sorted(new_keys[k] for k in set(new_keys) - set(old_keys))
    removed = sorted(old_keys[k] for k in set(old_keys) - set(new_keys))
    old_schemas = (old.get("components") or {}).get("schemas") or {}
    new_schemas = (new.get("components") or {}).get("schemas") or {}
    out = [f"operations: {len(old_ops)} -> {len(new_ops)} "
           f"(+{len(added)} added, -{len(removed)} removed)"]  # fmt: skip
    plugins = [sum(1 for k in ops if k.split(" ", 1)[1].startswith("/plugins/"))
               for ops in (old_ops, new_ops)]  # fmt: skip
    out.append(f"of them plugins' (/plugins/...): {plugins[0]} -> {plugins[1]}")
    out += ["", f"Added ({len(added)}):"]
    out += [f"  + {k}  [{new_ops[k].get('operationId')}]" for k in added]
    out += ["", f"Removed ({len(removed)}):"]
    out += [f"  - {k}  [{old_ops[k].get('operationId')}]" for k in removed]
    changed = []
    for shape_key in sorted(set(old_keys) & set(new_keys)):
        a, b = old_ops[old_keys[shape_key]], new_ops[new_keys[shape_key]]
        key = new_keys[shape_key]
        lines = []
        if old_keys[shape_key] != key:
            lines.append(
                f"    ~ path {old_keys[shape_key].split(' ', 1)[1]} -> {key.split(' ', 1)[1]}"
            )
        lines += compare("param", _params(a), _params(b))
        lines += compare("body", _body(a), _body(b))
        lines += compare("response", _responses(a), _responses(b))
        if a.get("operationId") != b.get("operationId"):
            lines.append(f"    ~ operationId {a.get('operationId')} -> {b.get('operationId')}")
        if lines:
            changed.append(f"  ~ {key}")
            changed += lines
    count = sum(1 for line in changed if line.startswith("  ~"))
    out += ["", f"Changed ({count}):", *changed]
    old_s, new_s = old_schemas, new_schemas
    schema_lines = []
    for name in sorted(set(old_s) | set(new_s)):
        if name not in old_s:
            schema_lines.append(f"  + {name}")
        elif name not in new_s:
            schema_lines.append(f"  - {name}")
        elif shape(old_s[name]) != shape(new_s[name]):
            a_props = (old_s[name].get("properties") or {}) if isinstance(old_s[name], dict) else {}
            b_props = (new_s[name].get("properties") or {}) if isinstance(new_s[name], dict) else {}
            schema_lines.append(f"  ~ {name}")
            schema_lines += compare(
                "field", {k: shape(v) for k, v in a_props.items()},
                {k: shape(v) for k, v in b_props.items()},
            )  # fmt: skip
    out += ["", f"Schemas: {len(old_s)} -> {len(new_s)}", *schema_lines]
    schema_counts = {sign: sum(1 for line in schema_lines if line.startswith(f"  {sign} "))
                     for sign in "+-~"}  # fmt: skip
    out.insert(1, f"changed {count}; schemas: {len(old_s)} -> {len(new_s)} "
               f"(+{schema_counts['+']} added, -{schema_counts['-']} removed, "
               f"~{schema_counts['~']} changed)")  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="directory of source files, or a bundled file / URL")
    parser.add_argument("new", help="directory of source files, or a bundled file / URL")
    args = parser.parse_args(argv)
    try:
        old, new = load(args.old), load(args.new)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(diff(old, new)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
