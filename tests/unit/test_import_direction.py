"""Imports inside mattermost_ext go one way (no module imports one that imports it back,
counting imports under TYPE_CHECKING and inside functions), and mattermost_api (generated)
never imports mattermost_ext."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "mattermost_ext"


def _imports(path: Path) -> set[str]:
    """The mattermost_ext modules ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = node.module or ""
                names = [base] if base else [a.name for a in node.names]
                found |= {n.split(".")[0] for n in names}
            elif (node.module or "").startswith("mattermost_ext."):
                found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {
                a.name.split(".")[1] for a in node.names if a.name.startswith("mattermost_ext.")
            }
    return found - {path.stem}


def test_no_import_cycles_in_mattermost_ext() -> None:
    modules = {p.stem for p in EXT.glob("*.py")} - {"__init__"}
    graph = {m: _imports(EXT / f"{m}.py") & modules for m in modules}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for m in sorted(modules) if (c := cycle_from(m))]
    assert not cycles, f"import cycles: {cycles[:3]}"
    assert "client" not in graph["auth"] | graph["pagination"] | graph["files"]


def test_generated_package_never_imports_the_handwritten_one() -> None:
    generated = REPO / "generated" / "mattermost_api"
    offenders = [
        str(p.relative_to(generated))
        for p in generated.rglob("*.py")
        if "mattermost_ext" in p.read_text()
        and any(
            isinstance(n, ast.Import | ast.ImportFrom) and "mattermost_ext" in ast.unparse(n)
            for n in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert offenders == []
