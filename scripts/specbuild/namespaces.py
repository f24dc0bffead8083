"""Write the typed namespaces (``mm.<tag>.<operation>``) into the generated package.

One module per tag, ``mattermost_api/namespaces/<tag>.py``, holding ``<Tag>Namespace`` (sync)
and ``Async<Tag>Namespace`` (awaitable); ``mattermost_api/namespaces/__init__.py`` holds the
mixins ``Namespaces`` / ``AsyncNamespaces`` with one lazy property per tag, and
``_seam.py`` the one request method a client must provide.

Everything is derived from what openapi-python-client wrote (the endpoint modules' names and
their ``sync_detailed`` signatures, the request-body models' attrs fields) and from the bundled
spec (method, path, summary, whether a 2xx answer has no body), so a regeneration from another
spec (more tags, more operations) gets its namespaces with it.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .errors import SpecError

TEMPLATES = Path(__file__).resolve().parents[1] / "codegen" / "templates"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Names an annotation may use without an import.
_ALWAYS_THERE = frozenset(dir(builtins)) | {"None"}


@dataclass
class Param:
    name: str
    annotation: str
    default: str | None  # source of the default, None when required

    def render(self) -> str:
        text = f"{self.name}: {self.annotation}"
        return text if self.default is None else f"{text} = {self.default}"


@dataclass
class BodyFields:
    model: str  # the model class name
    model_import: str  # "from mattermost_api.models.x import X"
    fields: list[Param]
    required: bool  # the generated function requires a body


@dataclass
class Operation:
    name: str  # method name = the endpoint module's name
    module: str  # "mattermost_api.api.users.get_user"
    method: str  # "GET"
    path: str
    summary: str
    positional: list[Param]
    keywords: list[Param]  # keyword-only, client removed, generated order
    returns: str
    allow_empty: bool  # a documented 2xx answer has no body: None is a success
    body: BodyFields | None
    type_imports: set[str] = field(default_factory=set)
    runtime_imports: set[str] = field(default_factory=set)


@dataclass
class Tag:
    package: str
    name: str  # the api sub-package name, e.g. "users"
    class_name: str  # "UsersNamespace"
    operations: list[Operation]

    @property
    def type_imports(self) -> list[str]:
        return sorted(set().union(*(op.type_imports for op in self.operations)))

    @property
    def runtime_imports(self) -> list[str]:
        lines = set().union(*(op.runtime_imports for op in self.operations))
        if any(op.body for op in self.operations):
            lines.add(f"from {self.package}.types import UNSET")
        return sorted(lines)


def write_namespaces(document: dict[str, Any], package_dir: Path) -> int:
    """Write ``<package>/namespaces/``; returns the number of operations it exposes."""
    package = package_dir.name
    tags = collect_tags(document, package_dir, package)
    out = package_dir / "namespaces"
    out.mkdir()
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    (out / "_seam.py").write_text(env.get_template("namespace_seam.py.jinja").render())
    init = env.get_template("namespaces_init.py.jinja")
    (out / "__init__.py").write_text(init.render(tags=tags, package=package))
    module = env.get_template("namespace_module.py.jinja")
    aio = out / "aio"
    aio.mkdir()
    doc = '"""The asyncio flavour of each tag namespace (``amm.<tag>``)."""\n'
    (aio / "__init__.py").write_text(doc)
    for tag in tags:
        (out / f"{tag.name}.py").write_text(module.render(tag=tag, package=package, flavour="sync"))
        (aio / f"{tag.name}.py").write_text(
            module.render(tag=tag, package=package, flavour="async")
        )
    _format(out)
    return sum(len(tag.operations) for tag in tags)


def _format(directory: Path) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    for args in (
        ["check", ".", "--no-cache", "--isolated", "--select", "F401,I", "--fix-only", "--quiet",
         "--exit-zero"],
        ["format", ".", "--no-cache", "--isolated", "--line-length", "100", "--quiet"],
    ):  # fmt: skip
        proc = subprocess.run(
            [str(ruff), *args], cwd=directory, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SpecError(f"ruff {args[0]} failed on the namespaces: {proc.stderr.strip()}")


# ------------------------------------------------------------------ what the spec says ---
def _spec_index(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Endpoint module name (as openapi-python-client names it) -> facts from the spec."""
    from openapi_python_client.config import ConfigFile
    from openapi_python_client.strings import PythonIdentifier

    prefix = ConfigFile.model_fields["field_prefix"].default
    index: dict[str, dict[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or not op.get("operationId"):
                continue
            tags = op.get("tags") or ["default"]
            tag = str(PythonIdentifier(tags[0], "tag"))
            name = str(PythonIdentifier(op["operationId"], prefix))
            codes = [str(c) for c in (op.get("responses") or {})]
            empty_2xx = any(
                c.startswith("2") and not (op["responses"][c] or {}).get("content") for c in codes
            )
            index[f"{tag}.{name}"] = {
                "method": method.upper(),
                "path": path,
                "summary": " ".join(str(op.get("summary") or "").split()),
                "empty_2xx": empty_2xx,
            }
    return index


# ------------------------------------------------------- what the generator wrote ---
def collect_tags(document: dict[str, Any], package_dir: Path, package: str) -> list[Tag]:
    index = _spec_index(document)
    api = package_dir / "api"
    tags: list[Tag] = []
    for tag_dir in sorted(p for p in api.iterdir() if (p / "__init__.py").exists()):
        operations = []
        for module_file in sorted(tag_dir.glob("*.py")):
            if module_file.name == "__init__.py":
                continue
            facts = index.get(f"{tag_dir.name}.{module_file.stem}")
            if facts is None:
                raise SpecError(
                    f"{module_file}: no operation of the spec maps to this endpoint module"
                )
            operations.append(_operation(module_file, facts, package))
        if operations:
            tags.append(Tag(package, tag_dir.name, _class_name(tag_dir.name), operations))
    if not tags:
        raise SpecError(f"{api}: no endpoint modules to build namespaces from")
    return tags


def _class_name(tag: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in tag.split("_")) + "Namespace"


class _Imports:
    """The names a module binds by import: name -> the absolute import line."""

    def __init__(self, tree: ast.Module, module: str, package: str) -> None:
        self.lines: dict[str, str] = {}
        self.defined = {
            n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)
        } | {
            t.id
            for n in tree.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        self.module = module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(node, module)
                for alias in node.names:
                    bound = alias.asname or alias.name
                    line = f"from {source} import {alias.name}"
                    self.lines[bound] = line + (f" as {alias.asname}" if alias.asname else "")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    self.lines[bound] = f"import {alias.name}" + (
                        f" as {alias.asname}" if alias.asname else ""
                    )

    def resolve(self, names: set[str], where: str) -> set[str]:
        lines = set()
        for name in names:
            if name in self.lines:
                lines.add(self.lines[name])
            elif name in self.defined:
                lines.add(f"from {self.module} import {name}")
            elif name not in _ALWAYS_THERE:
                raise SpecError(f"{where}: cannot tell where {name!r} comes from")
        return lines


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join(base + ([node.module] if node.module else []))


def _source(annotation: ast.expr | None) -> str:
    if annotation is None:
        raise SpecError("a parameter of a generated function has no annotation")
    return ast.unparse(annotation)


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _operation(module_file: Path, facts: dict[str, Any], package: str) -> Operation:
    module = f"{package}.api.{module_file.parent.name}.{module_file.stem}"
    tree = ast.parse(module_file.read_text())
    detailed = _function(tree, "sync_detailed")
    if detailed is None:
        raise SpecError(f"{module_file}: no sync_detailed() to call")
    imports = _Imports(tree, module, package)
    args = detailed.args
    positional = [Param(a.arg, _source(a.annotation), None) for a in args.args]
    keywords = []
    annotation_names: set[str] = set()
    default_names: set[str] = set()
    for a in args.args:
        annotation_names |= _names(a.annotation)
    for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if a.arg == "client":
            continue
        source = None if default is None else ast.unparse(default)
        keywords.append(Param(a.arg, _source(a.annotation), source))
        annotation_names |= _names(a.annotation)
        default_names |= _names(default)
    returns, untyped = _success_type(detailed.returns, module_file)
    annotation_names |= _names(ast.parse(returns, mode="eval"))
    where = f"{module_file}"
    op = Operation(
        name=module_file.stem,
        module=module,
        method=facts["method"],
        path=facts["path"],
        summary=facts["summary"],
        positional=positional,
        keywords=keywords,
        returns=returns,
        allow_empty=untyped or facts["empty_2xx"],
        body=None,
    )
    if op.allow_empty and returns != "None":
        op.returns = f"{returns} | None"
    op.type_imports = imports.resolve(annotation_names, where)
    op.runtime_imports = imports.resolve(default_names, where)
    body = next((p for p in keywords if p.name == "body"), None)
    if body is not None:
        op.body = _body_fields(body, op, imports, package_dir=module_file.parents[2])
        if op.body is not None:
            op.type_imports.add(f"from {package}.types import Unset")
            model_file = _model_file(op.body.model_import, module_file.parents[2])
            model_tree = ast.parse(model_file.read_text())
            model_imports = _Imports(model_tree, _module_of(op.body.model_import), package)
            field_names: set[str] = set()
            field_defaults: set[str] = set()
            for f in op.body.fields:
                field_names |= _names(ast.parse(f.annotation, mode="eval"))
                if f.default is not None:
                    field_defaults |= _names(ast.parse(f.default, mode="eval"))
            op.type_imports |= model_imports.resolve(field_names, str(model_file))
            op.runtime_imports |= model_imports.resolve(field_defaults, str(model_file))
    return op


def _success_type(returns: ast.expr | None, where: Path) -> tuple[str, bool]:
    """``Response[AppError | User]`` -> (``"User"``, False); ``Response[Any]`` -> ("None", True)."""
    if not (isinstance(returns, ast.Subscript) and ast.unparse(returns.value) == "Response"):
        raise SpecError(f"{where}: sync_detailed() does not return Response[...]")
    members = _union_members(returns.slice)
    kept = [m for m in members if ast.unparse(m) not in ("AppError", "Any", "None")]
    if not kept:
        return "None", True
    return " | ".join(ast.unparse(m) for m in kept), False


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _module_of(import_line: str) -> str:
    return import_line.split()[1]


def _model_file(import_line: str, package_dir: Path) -> Path:
    parts = _module_of(import_line).split(".")[1:]
    return package_dir.joinpath(*parts).with_suffix(".py")


def _body_fields(
    body: Param, op: Operation, imports: _Imports, package_dir: Path
) -> BodyFields | None:
    """The body model's init fields, when the body is one attrs model whose field names do not
    clash with the operation's other parameters; else None (the body is passed as is)."""
    node = ast.parse(body.annotation, mode="eval").body
    members = [ast.unparse(m) for m in _union_members(node)]
    models = [m for m in members if m != "Unset"]
    if len(models) != 1 or not models[0].isidentifier():
        return None
    model = models[0]
    line = imports.lines.get(model, "")
    if ".models." not in line:
        return None
    model_file = _model_file(line, package_dir)
    tree = ast.parse(model_file.read_text())
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == model), None)
    if cls is None:
        return None
    fields = []
    for stmt in cls.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        value = stmt.value
        if isinstance(value, ast.Call) and ast.unparse(value.func) == "_attrs_field":
            if any(k.arg == "init" for k in value.keywords):
                continue
            return None  # a factory default: not expressible as a plain default
        fields.append(
            Param(
                stmt.target.id,
                ast.unparse(stmt.annotation),
                None if value is None else ast.unparse(value),
            )
        )
    taken = {p.name for p in op.positional + op.keywords} | {"self", "fields"}
    if not fields or any(f.name in taken or keyword.iskeyword(f.name) for f in fields):
        return None
    return BodyFields(model, line, fields, required=body.default is None)
