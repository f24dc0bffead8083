"""Every operation of the spec: exercised against the real server and conforming, or excluded.

The sweep itself lives in harness.py (also run by scripts/conformance.py); the exclusions, each
with a category and a reason, in spec/conformance.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import harness

OPERATIONS = sorted(harness.operations())


@pytest.fixture(scope="module")
def ctx(mm_server: Any) -> Iterator[harness.Ctx]:
    context = harness.Ctx(harness.ServerInfo.from_obj(mm_server))
    try:
        yield context
    finally:
        context.close()


@pytest.mark.integration
@pytest.mark.parametrize("op_id", OPERATIONS)
def test_operation(ctx: harness.Ctx, op_id: str) -> None:
    result = harness.run_operation(ctx, op_id)
    if result.state == "excluded":
        assert result.proof, f"{op_id}: " + "; ".join(result.problems)
        pytest.skip(f"excluded ({result.category}): {result.reason}; {result.proof}")
    assert result.state == "pass", f"{op_id}: " + "; ".join(result.problems)


def test_exclusions_name_real_operations() -> None:
    unknown = sorted(set(harness.exclusions()) - set(harness.operations()))
    assert not unknown, f"spec/conformance.yaml excludes unknown operations: {unknown}"


def test_exercises_name_real_operations() -> None:
    unknown = sorted(set(harness.load_exercises()) - set(harness.operations()))
    assert not unknown, f"exercises registered for unknown operations: {unknown}"


def test_exclusions_have_known_categories() -> None:
    bad = {op: cat for op, (cat, reason) in harness.exclusions().items()
           if cat not in harness.CATEGORIES or not reason.strip()}
    assert not bad, f"exclusions with unknown category or no reason: {bad}"


def test_every_operation_has_a_generated_module() -> None:
    missing = []
    for op_id in OPERATIONS:
        try:
            harness.module_for(op_id)
        except (KeyError, ImportError):
            missing.append(op_id)
    assert not missing, missing


def test_vacuous_entries_name_exercised_operations() -> None:
    listed = set(harness.vacuous_allowed())
    not_exercised = sorted(listed - set(harness.load_exercises()))
    assert not not_exercised, f"`vacuous:` lists operations nobody exercises: {not_exercised}"
    no_reason = sorted(op for op, why in harness.vacuous_allowed().items() if not why.strip())
    assert not no_reason, f"`vacuous:` entries without a reason: {no_reason}"
