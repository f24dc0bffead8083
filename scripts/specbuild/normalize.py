"""Generic corrections for defects that recur across Mattermost releases.

Each rule rewrites every place a defect occurs, whatever the release, and
returns the JSON-pointer locations it changed, so the summary can list them.
Which rules run, and why, is data: the `normalize` list of spec/overrides.yaml.
Specific, one-place corrections are JSON patches there instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from .bundle import HTTP_METHODS

Rule = Callable[[dict[str, Any]], list[str]]


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every mapping in the document, with its JSON pointer, parents before children."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in list(node.items()):
            yield from _walk(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Mappings that are schemas (they carry a type)."""
    for pointer, node in _walk(document):
        if isinstance(node.get("type"), str) and "/examples" not in pointer:
            yield pointer, node


def array_items_under_properties(document: dict[str, Any]) -> list[str]:
    """`type: array` whose item schema was written as `properties: {items: ...}`."""
    changed = []
    for pointer, schema in _schemas(document):
        props = schema.get("properties")
        is_array = schema["type"] == "array" and "items" not in schema
        if is_array and isinstance(props, dict) and set(props) == {"items"}:
            schema["items"] = schema.pop("properties")["items"]
            changed.append(pointer)
    return changed


def array_without_items(document: dict[str, Any]) -> list[str]:
    """`type: array` without `items` (invalid in OpenAPI 3.0): items of any type."""
    changed = []
    for pointer, schema in _schemas(document):
        if schema["type"] == "array" and "items" not in schema and "$ref" not in schema:
            schema["items"] = {}
            changed.append(pointer)
    return changed


def object_with_items(document: dict[str, Any]) -> list[str]:
    """`type: object` with `items`: a map whose values are the items."""
    changed = []
    for pointer, schema in _schemas(document):
        if schema["type"] == "object" and "items" in schema and not schema.get("properties"):
            schema["additionalProperties"] = schema.pop("items")
            changed.append(pointer)
    return changed


def ref_siblings(document: dict[str, Any]) -> list[str]:
    """`$ref` with siblings (ignored by OpenAPI 3.0): keep the reference; `nullable` via allOf."""
    changed = []
    for pointer, node in _walk(document):
        if "$ref" in node and len(node) > 1:
            nullable = node.get("nullable") is True
            ref = node["$ref"]
            node.clear()
            if nullable:
                node.update({"allOf": [{"$ref": ref}], "nullable": True})
            else:
                node["$ref"] = ref
            changed.append(pointer)
    return changed


_TEMPLATE = re.compile(r"{([^}/]+)}")


def undeclared_path_parameters(document: dict[str, Any]) -> list[str]:
    """Path template variables that no parameter declares: declare them (required strings)."""
    changed = []
    for path, item in (document.get("paths") or {}).items():
        names = _TEMPLATE.findall(path)
        shared = _param_names(item.get("parameters"), document)
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            declared = shared | _param_names(op.get("parameters"), document)
            missing = [n for n in names if n not in declared]
            for name in missing:
                op.setdefault("parameters", []).append(
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                )
            if missing:
                changed.append(f"/paths/{_escape(path)}/{method}")
    return changed


def _param_names(params: Any, document: dict[str, Any]) -> set[str]:
    names = set()
    for param in params or []:
        if "$ref" in param:
            param = _resolve(document, param["$ref"])
        if param.get("in") == "path":
            names.add(param["name"])
    return names


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node  # type: ignore[no-any-return]


RULES: dict[str, Rule] = {
    "array-items-under-properties": array_items_under_properties,
    "array-without-items": array_without_items,
    "object-with-items": object_with_items,
    "ref-siblings": ref_siblings,
    "undeclared-path-parameters": undeclared_path_parameters,
}


_OPERATION_KEYS = {
    "tags", "summary", "description", "externalDocs", "operationId", "parameters",
    "requestBody", "responses", "callbacks", "deprecated", "security", "servers",
}  # fmt: skip


def stray_operation_keys(document: dict[str, Any]) -> list[str]:
    """Empty keys that OpenAPI does not know inside an operation (e.g. a leftover `body:`)."""
    changed = []
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            for key in [k for k in op if k not in _OPERATION_KEYS and not str(k).startswith("x-")]:
                if op[key] in (None, "", {}, []):
                    del op[key]
                    changed.append(f"/paths/{_escape(path)}/{method}/{_escape(str(key))}")
    return changed


RULES["stray-operation-keys"] = stray_operation_keys


_VERBS = {"get": "Get", "post": "Create", "put": "Update", "patch": "Patch", "delete": "Delete",
          "head": "Head", "options": "Options", "trace": "Trace"}  # fmt: skip


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", text) if w)


def _taken(document: dict[str, Any]) -> set[str]:
    return {
        str(op["operationId"])
        for item in (document.get("paths") or {}).values()
        for method in HTTP_METHODS
        if isinstance(op := (item or {}).get(method), dict) and op.get("operationId")
    }


def _unique(name: str, method: str, taken: set[str]) -> str:
    candidate, n = name, 2
    if candidate in taken:
        candidate = name + _VERBS.get(method, method.title())
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def missing_operation_ids(document: dict[str, Any]) -> list[str]:
    """An operation without operationId gets one from its method and path
    (`GET /api/v4/content_flagging/flag/config` -> `GetContentFlaggingFlagConfig`)."""
    changed = []
    taken = _taken(document)
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = (item or {}).get(method)
            if isinstance(op, dict) and not op.get("operationId"):
                words = [p for p in path.split("/") if p and not p.startswith("{")]
                words = words[2:] if words[:2] == ["api", "v4"] else words
                name = _VERBS.get(method, method.title()) + _camel(" ".join(words))
                op["operationId"] = _unique(name, method, taken)
                changed.append(f"/paths/{_escape(path)}/{method}/operationId")
    return changed


def same_path_operation_ids(document: dict[str, Any]) -> list[str]:
    """Two methods of one path sharing an operationId (one module would overwrite the other):
    the later one's leading verb becomes its method's (`SaveX` on DELETE -> `DeleteX`)."""
    changed = []
    taken = _taken(document)
    for path, item in (document.get("paths") or {}).items():
        seen: set[str] = set()
        for method in HTTP_METHODS:
            op = (item or {}).get(method)
            if not isinstance(op, dict) or not op.get("operationId"):
                continue
            name = str(op["operationId"])
            if name in seen:
                verb = _VERBS.get(method, method.title())
                renamed = re.sub(r"^[A-Z][a-z]+", verb, name) if name[:1].isupper() else verb + name
                op["operationId"] = _unique(renamed, method, taken)
                changed.append(f"/paths/{_escape(path)}/{method}/operationId")
            seen.add(name)
    return changed


RULES["missing-operation-ids"] = missing_operation_ids
RULES["same-path-operation-ids"] = same_path_operation_ids
