#!/usr/bin/env python3
"""Conformance report: every operation of the spec against a real Mattermost server.

    python scripts/conformance.py            # whole sweep, report
    python scripts/conformance.py GetUser CreatePost   # only these operations, with details
    python scripts/conformance.py --verbose  # also list each failing/excluded operation

Uses MM_URL + MM_ADMIN_TOKEN (+ MM_USER_TOKEN, MM_ADMIN_ID, MM_USER_ID, MM_TEAM_ID,
MM_CHANNEL_ID, ...) when set, otherwise the local server of scripts/mmserver.py (started if
needed, and left running). MM_GENERATED_DIR=DIR sweeps another generated tree (default
generated/), e.g. `scripts/generate.py --source BUNDLE --output DIR`.
Runs the same harness as tests/conformance (without pytest).
The last line reads `exercised E/T, passing P, excluded X (proven Q), untyped fields U,
vacuous V`: U counts the JSON paths that land untyped in additional_properties, V the passes
on empty data that could have had data. The exit status is 1 when any operation fails or an
exclusion is not proven by the server's answer.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, Path(os.environ.get("MM_GENERATED_DIR") or ROOT / "generated").resolve()):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from tests.conformance import harness  # noqa: E402


def load_mmserver() -> ModuleType:
    if "mmserver" in sys.modules:
        return sys.modules["mmserver"]
    spec = importlib.util.spec_from_file_location("mmserver", ROOT / "scripts" / "mmserver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmserver"] = module
    spec.loader.exec_module(module)
    return module


def server_info() -> harness.ServerInfo:
    url, token = os.environ.get("MM_URL", "").strip(), os.environ.get("MM_ADMIN_TOKEN", "")
    if url and token.strip():
        fields: dict[str, Any] = {"url": url, "admin_token": token.strip()}
        for name in (
            "user_token",
            "admin_id",
            "user_id",
            "team_id",
            "channel_id",
            "admin_username",
            "user_username",
            "admin_password",
            "user_password",
            "team_name",
        ):
            fields[name] = os.environ.get("MM_" + name.upper(), "")
        return harness.ServerInfo.from_obj(fields)
    state, _started = load_mmserver().up()
    return harness.ServerInfo.from_obj(state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("only", nargs="*", help="operationIds to run (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    ops = harness.operations()
    unknown = [o for o in args.only if o not in ops]
    if unknown:
        parser.error(f"unknown operationIds: {unknown}")
    started = time.monotonic()
    ctx = harness.Ctx(server_info())
    try:
        results = list(harness.run_all(ctx, args.only or None))
    finally:
        ctx.close()
    elapsed = time.monotonic() - started

    passing = [r for r in results if r.state == "pass"]
    failing = [r for r in results if r.state == "fail"]
    excluded = [r for r in results if r.state == "excluded"]
    exercised = len(passing) + sum(
        1 for r in failing if r.status is not None and 200 <= r.status < 300
    )
    total = len(results)

    print(f"Conformance sweep against {ctx.url} ({elapsed:.1f} s)")
    print(f"operations total: {total}")
    print(f"exercised:        {exercised}  ({100 * exercised / max(total, 1):.1f}%)")
    print(f"passing:          {len(passing)}")
    print(f"failing:          {len(failing)}")
    print(f"excluded:         {len(excluded)}")
    categories = collections.Counter(r.category for r in excluded)
    if categories:
        print("not exercised, by category:")
        for category, count in categories.most_common():
            print(f"  {category:18} {count:4}  {harness.CATEGORIES.get(category, '')}")
    patches = harness.override_patches()
    if patches:
        print(f"fixed by override ({len(patches)} patches in spec/overrides.yaml):")
        for patch in patches:
            targets = ", ".join(harness.patch_targets(patch)) or "-"
            print(f"  {patch['name']}: {targets}")
            print(f"      {patch['reason']}")
    unproven = [r for r in excluded if not r.proof]
    untyped = sorted({(r.op_id, path) for r in results for path in r.untyped})
    vacuous = [r for r in results if r.vacuous]
    accepted = [r for r in results if r.empty and not r.vacuous and r.state == "pass"]
    if accepted:
        print(f"passing on empty data Team Edition cannot fill ({len(accepted)}):")
        for r in accepted:
            print(f"  {r.op_id}: {r.empty} -- {harness.vacuous_allowed()[r.op_id]}")
    if unproven:
        print("EXCLUSIONS NOT PROVEN:")
        for r in unproven:
            print(f"  {r.op_id} ({r.category}): {'; '.join(r.problems)}")
    if failing:
        print("FAILING:")
        for r in failing:
            print(f"  {r.op_id} [{r.status}]")
            for problem in r.problems[:8]:
                print(f"      {problem}")
    if args.verbose or args.only:
        for r in results:
            if r.state == "excluded":
                print(f"  excluded {r.op_id}: {r.category}: {r.reason} [{r.proof or 'NOT PROVEN'}]")
            elif r.state == "pass" and args.only:
                print(f"  pass {r.op_id} [{r.status}]")
    print(
        f"exercised {exercised}/{total}, passing {len(passing)}, excluded {len(excluded)} "
        f"(proven {len(excluded) - len(unproven)}), untyped fields {len(untyped)}, "
        f"vacuous {len(vacuous)}"
    )
    return 1 if failing or unproven else 0


if __name__ == "__main__":
    sys.exit(main())
