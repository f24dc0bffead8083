#!/usr/bin/env python3
"""What changed between two Mattermost spec versions: read this before upgrading.

    python scripts/spec_diff.py OLD NEW

OLD and NEW are each a directory of upstream source files (bundled here, with
the generic normalisations; where two files define the same thing the later
one wins, as in upstream's own build), or a bundled spec file (JSON or YAML,
e.g. generated/openapi.json). Prints operations added and removed, and for
operations in both: parameters, request body and response changes; then the
schemas (components) that changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from specbuild.bundle import HTTP_METHODS, bundle
from specbuild.errors import SpecError
from specbuild.normalize import RULES
from specbuild.pin import load_pin
from specbuild.sources import read_directory

Document = dict[str, Any]


def load(path: Path) -> Document:
    if path.is_file():
        text = path.read_text()
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    directory = path / "source" if (path / "source").is_dir() else path
    sources = read_directory(directory, load_pin(), check_hashes=False)
    document = bundle(sources, {}, later_wins=True).document
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
        return schema["$ref"].rsplit("/", 1)[-1]
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


def diff(old: Document, new: Document) -> list[str]:
    old_ops, new_ops = operations(old), operations(new)
    added = sorted(set(new_ops) - set(old_ops))
    removed = sorted(set(old_ops) - set(new_ops))
    out = [f"operations: {len(old_ops)} -> {len(new_ops)} "
           f"(+{len(added)} added, -{len(removed)} removed)"]  # fmt: skip
    out += ["", f"Added ({len(added)}):"]
    out += [f"  + {k}  [{new_ops[k].get('operationId')}]" for k in added]
    out += ["", f"Removed ({len(removed)}):"]
    out += [f"  - {k}  [{old_ops[k].get('operationId')}]" for k in removed]
    changed = []
    for key in sorted(set(old_ops) & set(new_ops)):
        a, b = old_ops[key], new_ops[key]
        lines = compare("param", _params(a), _params(b))
        lines += compare("body", _body(a), _body(b))
        lines += compare("response", _responses(a), _responses(b))
        if a.get("operationId") != b.get("operationId"):
            lines.append(f"    ~ operationId {a.get('operationId')} -> {b.get('operationId')}")
        if lines:
            changed.append(f"  ~ {key}")
            changed += lines
    count = sum(1 for line in changed if line.startswith("  ~"))
    out += ["", f"Changed ({count}):", *changed]
    old_s = (old.get("components") or {}).get("schemas") or {}
    new_s = (new.get("components") or {}).get("schemas") or {}
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
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
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
