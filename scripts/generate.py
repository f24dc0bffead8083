#!/usr/bin/env python3
"""Generate the typed client (generated/mattermost_api) from Mattermost's OpenAPI spec.

    python scripts/generate.py                       # the pinned release, offline copy
    python scripts/generate.py --source DIR          # a directory of upstream's source files
    python scripts/generate.py --source FILE|URL     # one bundled spec (YAML or JSON)
    python scripts/generate.py --tag v11.7.0         # upstream's files at a release tag (online)
    python scripts/generate.py --output DIR          # somewhere else than generated/
    python scripts/generate.py --strict              # an obsolete correction is a failure

Steps: read the input (checking the pin's hashes when the pin describes it),
bundle the files per path, apply the overrides (each correction applies, is
obsolete because upstream fixed it, or fails because its target moved), give
plugins' operations their namespace, declare non-JSON bodies as raw results,
validate, run openapi-python-client, record the spec's identity, and swap the
result into place only on success. Exits non-zero when any operation is
skipped that the overrides do not exclude, or any is degraded.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specbuild.bundle import Bundle, bundle, operations
from specbuild.codegen import PACKAGE, run_generator, stamp_headers
from specbuild.errors import SpecError
from specbuild.identity import by_module, spec_module
from specbuild.namespaces import write_namespaces
from specbuild.overrides import (
    Outcome,
    Overrides,
    apply_patches,
    apply_rules,
    conflict_outcomes,
    load_overrides,
)
from specbuild.pin import DEFAULT_PIN, REPO, load_pin
from specbuild.plugins import namespace_plugins, packages
from specbuild.raw import raw_responses
from specbuild.report import Summary, summarize
from specbuild.sources import SpecInput, read_input


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--source",
        help="a directory of upstream's source files, or one bundled spec (YAML/JSON, path or URL)",
    )
    where.add_argument("--tag", help="upstream release tag to fetch, e.g. v11.6.0")
    parser.add_argument("--output", type=Path, default=REPO / "generated", help="output directory")
    parser.add_argument("--pin", type=Path, default=DEFAULT_PIN)
    parser.add_argument(
        "--overrides", type=Path, default=None,
        help="corrections to apply (default: spec/overrides.yaml)",
    )  # fmt: skip
    parser.add_argument(
        "--strict", action="store_true",
        help="fail when a correction is obsolete (CI, for the pinned release)",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    return parser.parse_args(argv)


@dataclass
class Built:
    document: dict[str, Any]
    spec: SpecInput
    outcomes: list[Outcome]
    plugins: dict[str, list[str]]


def build_document(args: argparse.Namespace, overrides: Overrides) -> Built:
    pin = load_pin(args.pin)
    spec = read_input(args.source, args.tag, pin)
    bundled = bundle(list(spec.files), overrides.conflicts, overrides_name=overrides.shown)
    document = bundled.document
    for conflict, keep, reason in bundled.resolved:
        log(f"  conflict resolved: {conflict}: kept {keep} ({reason})")
    outcomes = conflict_outcomes(bundled.stale, bundled.single_file)
    for rule, changed in apply_rules(document, overrides).items():
        if changed:
            log(f"  normalize {rule}: {len(changed)} place(s)")
    outcomes += apply_patches(document, overrides, bundled.origin_of)
    for outcome in outcomes:
        if outcome.kind == "obsolete":
            print(outcome.line())
    plugins = namespace_plugins(document)
    for namespace, ops in plugins.items():
        log(f"  plugin {namespace}: {len(ops)} operation(s) in mattermost_api.api.{namespace}_*")
    raw = raw_responses(document)
    if raw:
        log(f"  raw results: {len(raw)} non-JSON response(s) declared as bytes")
    check_operation_ids(document, overrides, bundled)
    validate(document, bundled)
    return Built(document, spec, outcomes, plugins)


def check_operation_ids(document: dict[str, Any], overrides: Overrides, bundled: Bundle) -> None:
    ids = Counter(op.get("operationId") for _, _, op in operations(document))
    missing = [
        f"{m.upper()} {p} ({bundled.origins.get((m, p), '?')})"
        for m, p, op in operations(document)
        if not op.get("operationId")
    ]
    dupes = sorted(i for i, n in ids.items() if i and n > 1)
    if dupes or missing:
        where = {
            i: sorted({bundled.origins.get((m, p), "?") for m, p, op in operations(document)
                       if op.get("operationId") == i})
            for i in dupes
        }  # fmt: skip
        raise SpecError(
            f"operationIds must be unique and present: duplicated {dupes} (in {where}), "
            f"missing on {missing}; resolve with a patch in {overrides.shown}"
        )


_OPERATION_IN = re.compile(r"for '(\w+)' operation in '([^']+)'")


def validate(document: dict[str, Any], bundled: Bundle) -> None:
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate_spec(document)
    except OpenAPIValidationError as exc:
        parts = [str(p) for p in getattr(exc, "path", []) or []]
        match = _OPERATION_IN.search(exc.message)
        if not parts and match:
            parts = ["paths", match.group(2), match.group(1)]
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
        source = bundled.origin_of(pointer) if pointer else None
        where = (pointer or "the document root") + (f" (source file {source})" if source else "")
        message = f"bundled spec is not valid OpenAPI at {where}: {exc.message}"
        raise SpecError(message) from None


def swap_into_place(built: Path, output: Path) -> None:
    old = output.with_name(output.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    built.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def print_summary(summary: Summary, built: Built, overrides: Overrides, seconds: float) -> int:
    unexpected = [i for i in summary.skipped if i.target not in overrides.exclusions]
    obsolete = [o.name for o in built.outcomes if o.kind == "obsolete"]
    for issue in summary.skipped:
        why = overrides.exclusions.get(issue.target)
        note = f"excluded: {why}" if why else f"NOT EXCLUDED: {issue.reason}"
        log(f"  skipped {issue.target}: {note}")
    for issue in summary.degraded:
        log(f"  degraded {issue.target}: {issue.reason}")
    if summary.untyped:
        log(f"  {len(summary.untyped)} operation(s) have no schema for any 2xx response "
            "(return the raw response only): " + ", ".join(summary.untyped))  # fmt: skip
    plugin_ops = sum(len(ops) for ops in built.plugins.values())
    plugins = f" (plugins {plugin_ops})" if plugin_ops else ""
    print(
        f"operations {summary.operations}{plugins}, endpoint functions {summary.functions}, "
        f"models {summary.models}, skipped {len(summary.skipped)} "
        f"({len(unexpected)} not excluded), degraded {len(summary.degraded)}, "
        f"untyped 2xx {len(summary.untyped)}, obsolete corrections {len(obsolete)}, "
        f"{seconds:.1f}s"
    )
    return 1 if unexpected or summary.degraded else 0


QUIET = False


def log(message: str) -> None:
    if not QUIET:
        print(message)


def summary_json(summary: Summary, built: Built, package_dir: Path) -> dict[str, Any]:
    spec = built.spec
    return {
        "source": spec.source,
        "spec": {"version": spec.version, "source": spec.source, "sha256": spec.sha256,
                 "kind": spec.kind},
        "operations": summary.operations,
        "functions": summary.functions,
        "models": summary.models,
        "plugins": {
            namespace: {"operations": len(ops),
                        "packages": list(packages(built.document, namespace)),
                        "tested_against_server": False}
            for namespace, ops in sorted(built.plugins.items())
        },
        "skipped": [i.target for i in summary.skipped],
        "degraded": [i.target for i in summary.degraded],
        "untyped": summary.untyped,
        "obsolete": [o.line() for o in built.outcomes if o.kind == "obsolete"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    global QUIET
    args = parse_args(argv)
    QUIET = args.quiet
    started = time.monotonic()
    try:
        overrides = load_overrides(args.overrides or REPO / "spec" / "overrides.yaml")
        built = build_document(args, overrides)
        obsolete = [o.line() for o in built.outcomes if o.kind == "obsolete"]
        if args.strict and obsolete:
            raise SpecError(
                f"--strict: {len(obsolete)} obsolete correction(s) in {overrides.shown}: "
                + "; ".join(obsolete)
                + ". Delete them (upstream fixed the defect) or correct what they expect"
            )
        output = args.output.resolve()
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".generate-", dir=output.parent) as tmp:
            built_dir = Path(tmp) / "tree"
            built_dir.mkdir()
            spec_file = built_dir / "openapi.json"
            spec_file.write_text(json.dumps(built.document, indent=1, ensure_ascii=False) + "\n")
            package_dir = built_dir / PACKAGE
            generator_output = run_generator(spec_file, package_dir)
            plugin_packages = {ns: packages(built.document, ns) for ns in built.plugins}
            (package_dir / "_spec.py").write_text(
                spec_module(built.spec, by_module(built.document, package_dir), plugin_packages)
            )
            write_namespaces(built.document, package_dir)  # mm.<tag>.<operation> (issue 13)
            stamp_headers(package_dir, built.spec.version or built.spec.source)
            summary = summarize(built.document, package_dir, generator_output)
            (built_dir / "summary.json").write_text(
                json.dumps(summary_json(summary, built, package_dir), indent=1) + "\n"
            )
            status = print_summary(summary, built, overrides, time.monotonic() - started)
            if status:
                print("error: operations skipped without an exclusion, or degraded; "
                      f"{args.output} untouched", file=sys.stderr)  # fmt: skip
                return status
            swap_into_place(built_dir, output)
        return 0
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
