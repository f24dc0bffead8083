"""What the generator made of the spec: counts, and what it skipped or degraded."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bundle import operations

_WARNING = re.compile(r"^WARNING parsing (\w+) (\S+) within ([^.]+)\.(.*)$")
_SCHEMA = re.compile(r"^Unable to (?:parse|process) schema (\S+?):?$")


@dataclass
class Issue:
    target: str  # "GET /api/v4/x" or "/components/schemas/X"
    kind: str  # skipped | degraded
    reason: str


@dataclass
class Summary:
    operations: int = 0
    functions: int = 0
    models: int = 0
    skipped: list[Issue] = field(default_factory=list)
    degraded: list[Issue] = field(default_factory=list)
    untyped: list[str] = field(default_factory=list)  # 2xx responses without a schema


def parse_generator_output(output: str) -> list[Issue]:
    """Split the generator's warnings into skipped endpoints and degraded parts."""
    issues: list[Issue] = []
    blocks = re.split(r"\n\s*\n", output)
    for i, block in enumerate(blocks):
        first = block.strip().splitlines()[0] if block.strip() else ""
        detail = blocks[i + 1].strip().splitlines()[0] if i + 1 < len(blocks) else ""
        match = _WARNING.match(first)
        if match:
            method, path, _tag, rest = match.groups()
            kind = "skipped" if "will not be generated" in rest else "degraded"
            issues.append(Issue(f"{method} {path}", kind, _short(detail)))
            continue
        match = _SCHEMA.match(first)
        if match:
            issues.append(Issue(match.group(1), "degraded", _short(detail)))
    return issues


def _short(text: str) -> str:
    """The generator's detail line, without object reprs (`<...UntrustedString object at 0x..>`)."""
    text = re.sub(r"<[\w.]*UntrustedString object at 0x[0-9a-f]+>", "…", text)
    text = re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>", "…", text)
    text = re.sub(r"MediaType\(.*", "…", text)
    return text if len(text) < 160 else text[:157] + "…"


def generated_endpoints(package_dir: Path) -> dict[tuple[str, str], Path]:
    """(method, url template) -> module, read from each endpoint's `_get_kwargs`."""
    found = {}
    for module in sorted((package_dir / "api").rglob("*.py")):
        if module.name == "__init__.py":
            continue
        method, url = endpoint_target(module)
        if method:
            found[(method, template_shape(url))] = module
    return found


def template_shape(url: str) -> str:
    """A URL template with its variable names blanked: the generator renames some
    (`{type}` -> `{type_}`, `{teamId}` -> `{team_id}`)."""
    return re.sub(r"{[^}]*}", "{}", url)


def endpoint_target(module: Path) -> tuple[str, str]:
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            entries: dict[str, Any] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("method", "url"):
                    if isinstance(value, ast.Constant):
                        entries[key.value] = value.value
                    elif (
                        isinstance(value, ast.Call)
                        and isinstance(value.func, ast.Attribute)
                        and isinstance(value.func.value, ast.Constant)
                    ):
                        entries[key.value] = value.func.value.value  # "...{x}".format(...)
            if "method" in entries and "url" in entries:
                return entries["method"].lower(), entries["url"]
    return "", ""


def untyped_success(document: dict[str, Any]) -> list[str]:
    """Operations whose every 2xx response comes without a schema."""
    untyped = []
    for method, path, op in operations(document):
        successes = {c: r for c, r in (op.get("responses") or {}).items() if str(c).startswith("2")}
        if successes and not any(_has_schema(r) for r in successes.values()):
            untyped.append(f"{method.upper()} {path}")
    return untyped


def _has_schema(response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    return any(
        isinstance(media, dict) and media.get("schema")
        for media in (response.get("content") or {}).values()
    )


def summarize(document: dict[str, Any], package_dir: Path, output: str) -> Summary:
    summary = Summary()
    spec_ops = {(m, p) for m, p, _ in operations(document)}
    summary.operations = len(spec_ops)
    endpoints = generated_endpoints(package_dir)
    summary.functions = len(endpoints)
    generated = set(endpoints)
    summary.models = len([p for p in (package_dir / "models").glob("*.py") if p.stem != "__init__"])
    issues = parse_generator_output(output)
    reasons = {i.target: i.reason for i in issues if i.kind == "skipped"}
    missing = [op for op in spec_ops if (op[0], template_shape(op[1])) not in generated]
    for method, path in sorted(missing):
        target = f"{method.upper()} {path}"
        summary.skipped.append(Issue(target, "skipped", reasons.get(target, "no module found")))
    summary.degraded = [i for i in issues if i.kind == "degraded"]
    summary.untyped = untyped_success(document)
    return summary
