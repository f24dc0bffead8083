"""The operation reference: one Markdown page per tag, an anchored section per operation.

Built from what was generated, so new operations and tags appear on their own:
``generated/openapi.json`` (the bundled, corrected spec: summaries, descriptions, parameters,
responses) joined to the modules of ``generated/mattermost_api/api/`` (their Python names and
signatures), matched on method + path. Pure functions of that input; ``docs/build.py`` writes
the pages.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
MIN_VERSION = re.compile(r"Minimum server version\W*\s*v?(\d+(?:\.\d+)+)", re.IGNORECASE)
URL_IN_MODULE = re.compile(r'"method": "(\w+)",\s*"url": "([^"]+)"')
PATH_PARAMETER = re.compile(r"\{[^}]*\}")  # the generator renames some ({type} -> {type_})


def route_key(method: str, path: str) -> tuple[str, str]:
    return method, PATH_PARAMETER.sub("{}", path)


# What the namespaced call raises for a documented error status (mattermost_ext.errors).
ERRORS_BY_STATUS = {
    "400": "BadRequestError",
    "401": "UnauthorizedError",
    "403": "ForbiddenError",
    "404": "NotFoundError",
    "429": "RateLimitError",
}


@dataclass(frozen=True)
class Operation:
    tag: str  # the generated subpackage, e.g. "users"
    name: str  # the generated module, e.g. "get_user"
    operation_id: str
    method: str
    path: str
    spec: dict[str, Any]
    signature: str  # keyword arguments of the call, without ``client``
    returns: str  # the success type of the namespaced call


def modules_by_route(api_dir: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(method, path) -> (tag subpackage, module name), read from the generated modules."""
    routes: dict[tuple[str, str], tuple[str, str]] = {}
    for module in sorted(api_dir.glob("*/*.py")):
        if module.name == "__init__.py":
            continue
        match = URL_IN_MODULE.search(module.read_text())
        if match:
            routes[route_key(match.group(1), match.group(2))] = (module.parent.name, module.stem)
    return routes


QUALIFIED = re.compile(r"\b(?:mattermost_api|httpx)(?:\.\w+)*\.(\w+)\b")


def _short(text: str) -> str:
    """Type names without their modules: ``mattermost_api.models.user.User`` -> ``User``."""
    return QUALIFIED.sub(r"\1", text)


def call_shape(package: str, tag: str, name: str) -> tuple[str, str]:
    """The call's parameters (without ``client``) and its success type, from the generated code."""
    module = importlib.import_module(f"{package}.api.{tag}.{name}")
    function = getattr(module, "sync", None) or module.sync_detailed
    signature = inspect.signature(function)
    parameters = [p for p in signature.parameters.values() if p.name != "client"]
    text = str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))
    if not hasattr(module, "sync"):
        return _short(text), "httpx.Response (the spec gives no schema for the success body)"
    returned = signature.return_annotation
    returned = returned if isinstance(returned, str) else inspect.formatannotation(returned)
    kept = [t.strip() for t in _short(returned).split("|") if t.strip() not in ("None", "AppError")]
    return _short(text), " | ".join(kept) or "None"


def operations(document: dict[str, Any], api_dir: Path, package: str) -> Iterator[Operation]:
    routes = modules_by_route(api_dir)
    for path, item in document["paths"].items():
        for method in METHODS:
            spec = item.get(method)
            if not isinstance(spec, dict) or route_key(method, path) not in routes:
                continue
            tag, name = routes[route_key(method, path)]
            signature, returns = call_shape(package, tag, name)
            yield Operation(tag, name, spec.get("operationId", name), method, path, spec,
                            signature, returns)  # fmt: skip


def _cell(text: object) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _description(text: str) -> str:
    """Upstream's description with its headings turned into bold lines (keeps the page's TOC)."""
    lines = []
    for line in text.strip().splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        lines.append(f"\n**{heading.group(1).strip()}**\n" if heading else line)
    return "\n".join(lines)


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_schema_name(schema.get('items') or {})}"
    return str(schema.get("type") or "object")


def minimum_version(spec: dict[str, Any]) -> str | None:
    match = MIN_VERSION.search(spec.get("description") or "")
    return match.group(1) if match else None


def raises(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(error class, when) for each documented error status, then the ones any call raises."""
    found = []
    for status in sorted(spec.get("responses") or {}):
        if status in ERRORS_BY_STATUS:
            found.append((ERRORS_BY_STATUS[status], f"the server answers {status}"))
        elif status.startswith("5"):
            found.append(("ServerError", f"the server answers {status}"))
    found.append(("ApiError", "any other error status (the base of the classes above)"))
    found.append(("TransportError", "the request could not be sent or answered (after retries)"))
    return found


def render_operation(document: dict[str, Any], op: Operation) -> str:
    spec = op.spec
    out = [f"## {op.name} {{ #{op.name} }}", ""]
    out.append(
        f"`{op.method.upper()} {op.path}`"
        + (f" · {spec['summary']}" if spec.get("summary") else "")
    )
    out.append("")
    version = minimum_version(spec)
    if version:
        out += [f"**Minimum server version:** {version}", ""]
    out += [
        "```python",
        f"mm.{op.tag}.{op.name}{op.signature} -> {op.returns}",
        f"# generated function: mattermost_api.api.{op.tag}.{op.name}.sync(client=mm.api, ...)",
        "```",
        "",
    ]
    if spec.get("description"):
        out += [_description(spec["description"]), ""]
    params = [_resolve(document, p) for p in spec.get("parameters") or []]
    if params:
        out += ["**Parameters**", "", "| name | in | type | required | description |",
                "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for p in params:
            schema = p.get("schema") or {}
            out.append(
                f"| `{p.get('name')}` | {p.get('in')} | {_cell(_schema_name(schema))} | "
                f"{'yes' if p.get('required') else 'no'} | "
                f"{_cell(p.get('description') or schema.get('description'))} |"
            )
        out.append("")
    body = spec.get("requestBody")
    if body:
        body = _resolve(document, body)
        kinds = [f"{ctype}: {_schema_name(c.get('schema') or {})}"
                 for ctype, c in (body.get("content") or {}).items()]  # fmt: skip
        required = " (required)" if body.get("required") else ""
        out += [f"**Request body**{required}: " + _cell("; ".join(kinds)), ""]
        if body.get("description"):
            out += [_cell(body["description"]), ""]
    out += ["**Returns**", ""]
    for status, response in sorted((spec.get("responses") or {}).items()):
        if status.startswith("2"):
            response = _resolve(document, response)
            out.append(f"- {status}: {_cell(response.get('description'))}")
    out += [f"- the call returns `{op.returns}`", "", "**Raises** (`mattermost_ext.errors`)", ""]
    out += [f"- `{name}`: {when}" for name, when in raises(spec)]
    out.append("")
    return "\n".join(out)


def render_tag_page(document: dict[str, Any], tag: str, ops: list[Operation]) -> str:
    title = tag.replace("_", " ").capitalize()
    out = [
        f"# {title}",
        "",
        f"{len(ops)} operations, called as `mm.{tag}.<operation>(...)` on a `Mattermost` "
        f"(`await` them on an `AsyncMattermost`); each is also the generated module "
        f"`mattermost_api.api.{tag}.<operation>`.",
        "",
        "| operation | route | summary |",
        "| --- | --- | --- |",
    ]
    for op in ops:
        out.append(f"| [`{op.name}`](#{op.name}) | `{op.method.upper()} {_cell(op.path)}` | "
                   f"{_cell(op.spec.get('summary'))} |")  # fmt: skip
    out.append("")
    out += [render_operation(document, op) for op in ops]
    return "\n".join(out)


def render_index(by_tag: dict[str, list[Operation]]) -> str:
    total = sum(len(ops) for ops in by_tag.values())
    out = [
        "# Operations",
        "",
        f"Every operation of the spec the client was generated from: {total} operations in "
        f"{len(by_tag)} groups (one page per tag, one section per operation). Each section gives "
        "the route, the call's signature, the parameters with the spec's descriptions, what it "
        "returns and raises, and the minimum server version where the spec states it.",
        "",
        "| group | operations |",
        "| --- | --- |",
    ]
    out += [f"| [{tag}]({tag}.md) | {len(ops)} |" for tag, ops in by_tag.items()]
    out.append("")
    return "\n".join(out)
