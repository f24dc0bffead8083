#!/usr/bin/env python3
"""Every correction defended: remove each patch of spec/overrides.yaml in turn, regenerate
into a scratch copy of the repository, and run the test the patch names there.

    python scripts/check_overrides.py                 # every patch
    python scripts/check_overrides.py NAME [NAME ...] # only these patches

One line per patch: `defended` (its test fails without it, or the generator does), or
`NOT DEFENDED: <why>` (the test passes or skips without it, does not exist, or fails even
with it). Exits 1 if any patch is not defended. The scratch copy holds the repository's
tracked files (no .venv, no generated/) and links ../shared; its tests reuse this worktree's
local server (MMSERVER_STATE_DIR), so start it once first (scripts/mmserver.py up). Slow: one
generation and one pytest run per patch (about 15 s each on 2 idle cores, minutes when
the machine is busy).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs in the dev tools

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Verdict:
    name: str
    defended: bool
    why: str

    def line(self) -> str:
        return (
            f"{self.name}: defended" + (f" ({self.why})" if self.why else "")
            if self.defended
            else f"{self.name}: NOT DEFENDED: {self.why}"
        )


def load_patches(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    document = yaml.safe_load(path.read_text()) or {}
    patches = list(document.get("patches") or [])
    for patch in patches:
        if not patch.get("name") or not patch.get("test"):
            raise SystemExit(f"a patch without name or test in {path}: {patch!r:.120}")
    return document, patches


def without(document: dict[str, Any], *names: str) -> str:
    """The overrides document with these patches removed, as YAML."""
    copy = dict(document)
    copy["patches"] = [p for p in document.get("patches") or [] if p["name"] not in names]
    text: str = yaml.safe_dump(copy, sort_keys=False, allow_unicode=True, width=1000)
    return text


def make_scratch() -> Path:
    """A copy of the repository's files (tracked and new, not ignored) beside a ../shared
    link, so the spec pipeline finds its inputs."""
    base = Path(tempfile.mkdtemp(prefix="check-overrides-"))
    repo = base / ROOT.name
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, files):
        source = ROOT / rel
        if source.is_file():
            target = repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shared = (ROOT.parent / "shared").resolve()
    (base / "shared").symlink_to(shared, target_is_directory=True)
    config = repo / "scripts" / "codegen" / "config.yaml"
    # the scratch trees are thrown away: skip the formatting hooks (they change no behaviour)
    text = re.sub(r"^post_hooks:\n(  - .*\n)+", "", config.read_text(), flags=re.M)
    config.write_text(text)
    return repo


def environment(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "generated"), str(repo)])
    env.setdefault("MMSERVER_STATE_DIR", str(ROOT / ".mmserver"))
    env["MM_KEEP_SERVER"] = "1"
    env.pop("MM_GENERATED_DIR", None)
    return env


def run_test(repo: Path, test: str) -> tuple[str, str]:
    """('passed' | 'failed' | 'skipped' | 'missing' | 'error', last lines) of one test id."""
    result = subprocess.run(
        [PYTHON, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-x", test],
        cwd=repo,
        env=environment(repo),
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = (result.stdout + result.stderr).strip()
    tail = " | ".join(line for line in out.splitlines()[-3:] if line.strip())[:300]
    if result.returncode == 5 or "not found:" in out or "no tests ran" in out:
        return "missing", tail
    if result.returncode == 0:
        summary = out.splitlines()[-1] if out else ""
        return ("passed" if " passed" in summary else "skipped"), tail
    if result.returncode == 1:
        return "failed", tail
    return "error", tail


def generate(repo: Path) -> tuple[bool, str]:
    result = subprocess.run(
        [PYTHON, "scripts/generate.py", "--quiet"],
        cwd=repo,
        env=environment(repo),
        capture_output=True,
        text=True,
        timeout=900,
    )
    text = (result.stdout + result.stderr).strip().splitlines()
    return result.returncode == 0, (text[-1] if text else "")[:200]


# generate.py's error when a correction's target is gone: a later patch builds on this one
DEPENDENT = re.compile(r"correction '([^']+)' op \d+")


def check(repo: Path, document: dict[str, Any], patch: dict[str, Any]) -> Verdict:
    """Remove the patch, regenerate, run its test. A later patch that builds on it (it fails
    once this one is gone) is removed too, so the test still decides: the generator failing
    on the other patch proves nothing about this one."""
    name, test = patch["name"], patch["test"]
    removed = [name]
    while True:
        (repo / "spec" / "overrides.yaml").write_text(without(document, *removed))
        ok, message = generate(repo)
        dependent = DEPENDENT.search(message)
        if ok or not dependent or dependent.group(1) in removed:
            break
        removed.append(dependent.group(1))
    also = f" (with {', '.join(removed[1:])}, which builds on it)" if removed[1:] else ""
    if not ok:
        return Verdict(name, True, f"the generator fails without it{also}: {message}")
    outcome, tail = run_test(repo, test)
    if outcome in ("failed", "error"):
        return Verdict(name, True, also.strip(" ()"))
    test = test + also
    if outcome == "passed":
        return Verdict(name, False, f"{test} passes without it")
    if outcome == "skipped":
        return Verdict(name, False, f"{test} skips without it ({tail})")
    return Verdict(name, False, f"{test} does not exist ({tail})")


def baseline(repo: Path, document: dict[str, Any], tests: Sequence[str]) -> dict[str, str]:
    """Each named test with every patch applied: it must pass for the patch to count."""
    (repo / "spec" / "overrides.yaml").write_text(without(document))
    ok, message = generate(repo)
    if not ok:
        raise SystemExit(f"the scratch copy does not generate with every patch: {message}")
    return {test: run_test(repo, test)[0] for test in dict.fromkeys(tests)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="patch names (default: every patch)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)

    started = time.monotonic()
    document, patches = load_patches(ROOT / "spec" / "overrides.yaml")
    unknown = sorted(set(args.names) - {p["name"] for p in patches})
    if unknown:
        parser.error(f"no such patches: {unknown}")
    chosen = [p for p in patches if not args.names or p["name"] in args.names]
    repo = make_scratch()
    verdicts: list[Verdict] = []
    try:
        with_all = baseline(repo, document, [p["test"] for p in chosen])
        for patch in chosen:
            state = with_all[patch["test"]]
            if state != "passed":
                verdict = Verdict(
                    patch["name"], False, f"{patch['test']} does not pass even with it ({state})"
                )
            else:
                verdict = check(repo, document, patch)
            verdicts.append(verdict)
            print(verdict.line(), flush=True)
    finally:
        if args.keep:
            print(f"scratch copy kept: {repo}")
        else:
            shutil.rmtree(repo.parent, ignore_errors=True)
    bad = [v for v in verdicts if not v.defended]
    elapsed = time.monotonic() - started
    print(
        f"{len(verdicts) - len(bad)}/{len(verdicts)} patches defended, "
        f"{len(bad)} not defended ({elapsed:.0f} s)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
