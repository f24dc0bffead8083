#!/usr/bin/env python3
"""Generate the typed client (generated/mattermost_api) from Mattermost's OpenAPI spec.

    python scripts/generate.py                       # the pinned release, offline copy
    python scripts/generate.py --source DIR          # another copy of upstream's source files
    python scripts/generate.py --tag v11.7.0         # upstream's files at a release tag (online)
    python scripts/generate.py --output DIR          # somewhere else than generated/

Steps: read the files (checking the pin's hashes when the pin describes them),
bundle them per path, apply spec/overrides.yaml, validate, run
openapi-python-client, and swap the result into place only on success. Exits
non-zero when any operation is skipped that the overrides do not exclude.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specbuild.bundle import bundle, operations
from specbuild.codegen import PACKAGE, run_generator, stamp_headers
from specbuild.errors import SpecError
from specbuild.namespaces import write_namespaces
from specbuild.overrides import Overrides, apply_patches, apply_rules, load_overrides
from specbuild.pin import DEFAULT_PIN, REPO, load_pin
from specbuild.report import Summary, summarize
from specbuild.sources import SourceFile, read_directory, read_tag


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--source", type=Path, help="directory of upstream's source YAML files")
    where.add_argument("--tag", help="upstream release tag to fetch, e.g. v11.6.0")
    parser.add_argument("--output", type=Path, default=REPO / "generated", help="output directory")
    parser.add_argument("--pin", type=Path, default=DEFAULT_PIN)
    parser.add_argument(
        "--overrides", type=Path, default=None,
        help="corrections to apply (default: spec/overrides.yaml)",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    return parser.parse_args(argv)


def build_document(args: argparse.Namespace, overrides: Overrides) -> tuple[dict[str, Any], str]:
    pin = load_pin(args.pin)
    sources: list[SourceFile]
    if args.tag:
        sources, label = read_tag(args.tag, pin), args.tag
    else:
        directory = (args.source or pin.source_dir).resolve()
        pinned = directory == pin.source_dir
        sources = read_directory(directory, pin, check_hashes=pinned)
        label = pin.release if pinned else str(directory)
    bundled = bundle(sources, overrides.conflicts)
    document = bundled.document
    for conflict, keep, reason in bundled.resolved:
        log(f"  conflict resolved: {conflict}: kept {keep} ({reason})")
    for rule, changed in apply_rules(document, overrides).items():
        if changed:
            log(f"  normalize {rule}: {len(changed)} place(s)")
    apply_patches(document, overrides)
    check_operation_ids(document)
    validate(document)
    return document, label


def check_operation_ids(document: dict[str, Any]) -> None:
    ids = Counter(op.get("operationId") for _, _, op in operations(document))
    missing = [f"{m.upper()} {p}" for m, p, op in operations(document) if not op.get("operationId")]
    dupes = sorted(i for i, n in ids.items() if i and n > 1)
    if dupes or missing:
        raise SpecError(
            f"operationIds must be unique and present: duplicated {dupes}, missing on {missing}; "
            "resolve with a patch in spec/overrides.yaml"
        )


def validate(document: dict[str, Any]) -> None:
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate_spec(document)  # type: ignore[arg-type]
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "path", []) or [])
        message = f"bundled spec is not valid OpenAPI at {where or '?'}: {exc.message}"
        raise SpecError(message) from None


def swap_into_place(built: Path, output: Path) -> None:
    old = output.with_name(output.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    built.rename(output)
    shutil.rmtree(old, ignore_errors=True)


def print_summary(summary: Summary, overrides: Overrides, seconds: float) -> int:
    unexpected = [i for i in summary.skipped if i.target not in overrides.exclusions]
    for issue in summary.skipped:
        why = overrides.exclusions.get(issue.target)
        note = f"excluded: {why}" if why else f"NOT EXCLUDED: {issue.reason}"
        log(f"  skipped {issue.target}: {note}")
    for issue in summary.degraded:
        log(f"  degraded {issue.target}: {issue.reason}")
    if summary.untyped:
        log(f"  {len(summary.untyped)} operation(s) have no schema for any 2xx response "
            "(return the raw response only): " + ", ".join(summary.untyped))  # fmt: skip
    print(
        f"operations {summary.operations}, endpoint functions {summary.functions}, "
        f"models {summary.models}, skipped {len(summary.skipped)} "
        f"({len(unexpected)} not excluded), degraded {len(summary.degraded)}, "
        f"untyped 2xx {len(summary.untyped)}, {seconds:.1f}s"
    )
    return 1 if unexpected else 0


QUIET = False


def log(message: str) -> None:
    if not QUIET:
        print(message)


def main(argv: list[str] | None = None) -> int:
    global QUIET
    args = parse_args(argv)
    QUIET = args.quiet
    started = time.monotonic()
    try:
        overrides = load_overrides(args.overrides or REPO / "spec" / "overrides.yaml")
        document, label = build_document(args, overrides)
        output = args.output.resolve()
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".generate-", dir=output.parent) as tmp:
            built = Path(tmp) / "tree"
            built.mkdir()
            spec_file = built / "openapi.json"
            spec_file.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
            package_dir = built / PACKAGE
            generator_output = run_generator(spec_file, package_dir)
            write_namespaces(document, package_dir)  # mm.<tag>.<operation> (issue 13)
            stamp_headers(package_dir, label)
            summary = summarize(document, package_dir, generator_output)
            (built / "summary.json").write_text(
                json.dumps(
                    {
                        "source": label,
                        "operations": summary.operations,
                        "functions": summary.functions,
                        "models": summary.models,
                        "skipped": [i.target for i in summary.skipped],
                        "degraded": [i.target for i in summary.degraded],
                        "untyped": summary.untyped,
                    },
                    indent=1,
                )
                + "\n"
            )
            status = print_summary(summary, overrides, time.monotonic() - started)
            if status:
                print("error: operations skipped without an exclusion; generated/ untouched",
                      file=sys.stderr)  # fmt: skip
                return status
            swap_into_place(built, output)
        return 0
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
