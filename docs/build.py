#!/usr/bin/env python3
"""Build the documentation site: the guide (docs/pages/) plus references generated from code.

    python docs/build.py            # -> build/docs/site/ (mkdocs build --strict: warnings fail)

Steps: copy docs/pages/ to build/docs/src/, write the reference pages (one per public module
of mattermost_ext, rendered by mkdocstrings; one per tag of the generated operations,
docs/operations.py), write the mkdocs config with the generated navigation, run mkdocs with
warnings as errors. Needs generated/ (scripts/setup.sh) and the docs extra
(``pip install -e '.[docs]'``). Prints the page count and the build time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = ROOT / "generated"
OUT = ROOT / "build" / "docs"
SRC, SITE = OUT / "src", OUT / "site"

sys.path[:0] = [str(GENERATED), str(ROOT), str(DOCS)]

import operations as ops  # noqa: E402


def ext_modules() -> list[str]:
    """The public modules of mattermost_ext (no leading underscore), found on disk."""
    return sorted(
        p.stem for p in (ROOT / "mattermost_ext").glob("*.py") if not p.stem.startswith("_")
    )


def write_ext_reference() -> list[dict[str, str]]:
    folder = SRC / "reference" / "ext"
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(
        "# mattermost_ext\n\n::: mattermost_ext\n    options:\n      members: false\n"
    )
    nav = [{"Overview": "reference/ext/index.md"}]
    for name in ext_modules():
        (folder / f"{name}.md").write_text(
            f"# mattermost_ext.{name}\n\n::: mattermost_ext.{name}\n"
        )
        nav.append({name: f"reference/ext/{name}.md"})
    return nav


def write_operation_reference() -> tuple[list[dict[str, str]], int]:
    document = json.loads((GENERATED / "openapi.json").read_text())
    by_tag: dict[str, list[ops.Operation]] = defaultdict(list)
    for op in ops.operations(document, GENERATED / "mattermost_api" / "api", "mattermost_api"):
        by_tag[op.tag].append(op)
    by_tag = dict(sorted(by_tag.items()))
    folder = SRC / "reference" / "api"
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(ops.render_index(by_tag))
    nav = [{"All operations": "reference/api/index.md"}]
    for tag, tag_ops in by_tag.items():
        (folder / f"{tag}.md").write_text(ops.render_tag_page(document, tag, tag_ops))
        nav.append({tag: f"reference/api/{tag}.md"})
    return nav, sum(len(v) for v in by_tag.values())


def write_config(ext_nav: list[dict[str, str]], api_nav: list[dict[str, str]]) -> Path:
    config: dict[str, Any] = yaml.safe_load((DOCS / "mkdocs.yml").read_text())
    config["docs_dir"] = str(SRC)
    config["site_dir"] = str(SITE)
    config["nav"] = [*config["nav"], {"Reference": [
        {"mattermost_ext": ext_nav}, {"Operations": api_nav}]}]  # fmt: skip
    handler = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]
    handler["paths"] = [str(ROOT), str(GENERATED)]
    path = OUT / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def main() -> int:
    if not (GENERATED / "openapi.json").is_file():
        print("error: generated/ is missing: run `bash scripts/setup.sh` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.copytree(DOCS / "pages", SRC)
    ext_nav = write_ext_reference()
    api_nav, operation_count = write_operation_reference()
    config = write_config(ext_nav, api_nav)
    prepared = time.monotonic() - started
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(config)],
        cwd=ROOT, capture_output=True, text=True, check=False,
        # mkdocs-material prints a banner about MkDocs 2.0 on every build unless told not to
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    output = (proc.stdout + proc.stderr).strip()
    warnings = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
    if proc.returncode != 0 or warnings:
        print(output, file=sys.stderr)
        print(f"error: docs build failed ({len(warnings)} warning(s)/error(s))", file=sys.stderr)
        return 1
    pages = len(list(SITE.rglob("*.html")))
    sources = len(list(SRC.rglob("*.md")))
    print(
        f"docs: {sources} pages ({operation_count} operations, {len(api_nav) - 1} tag pages, "
        f"{len(ext_nav)} mattermost_ext pages), {pages} HTML files, 0 warnings, "
        f"{time.monotonic() - started:.1f} s (references {prepared:.1f} s) -> {SITE}/index.html"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
