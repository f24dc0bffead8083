"""Overrides: each correction does what its reason says; an outdated one is obsolete or fails
loudly (test_override_lifecycle.py has every outcome with its exact message)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from specbuild.bundle import bundle
from specbuild.errors import SpecError
from specbuild.overrides import (
    Overrides,
    Patch,
    apply_patches,
    apply_rules,
    load_overrides,
)
from specbuild.sources import SourceFile

from tests.unit._spec import REPO

CPA = "/api/v4/users/{user_id}/custom_profile_attributes"


@pytest.fixture(scope="module")
def raw_document(v11_sources: list[SourceFile]) -> dict[str, Any]:
    overrides = load_overrides(REPO / "spec" / "overrides.yaml")
    return bundle(v11_sources, overrides.conflicts).document


@pytest.fixture(scope="module")
def corrected(raw_document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(raw_document)
    overrides = load_overrides(REPO / "spec" / "overrides.yaml")
    apply_rules(document, overrides)
    apply_patches(document, overrides)
    return document


def test_patch_for_an_operation_the_spec_lacks_is_obsolete(raw_document: dict[str, Any]) -> None:
    stale = Overrides(
        path=Path("spec/overrides.yaml"),
        patches=(
            Patch(
                name="fix-gone-endpoint",
                reason="r",
                test="t",
                ops=(
                    {
                        "op": "replace",
                        "path": "/paths/~1api~1v4~1gone/get/operationId",
                        "value": "X",
                    },
                ),  # fmt: skip
            ),
        ),
    )
    (outcome,) = apply_patches(copy.deepcopy(raw_document), stale)
    assert outcome.line() == "obsolete: fix-gone-endpoint (upstream has no GET /api/v4/gone)"


def test_patch_whose_test_value_changed_fails(raw_document: dict[str, Any]) -> None:
    changed = Overrides(
        path=Path("o.yaml"),
        patches=(
            Patch("guarded", "r", "t", ({"op": "test", "path": "/openapi", "value": "9.9"},)),
        ),
    )
    with pytest.raises(SpecError, match="o.yaml: correction 'guarded' op 0 .*expected the defect"):
        apply_patches(copy.deepcopy(raw_document), changed)


def test_pinned_overrides_carry_no_obsolete_correction(raw_document: dict[str, Any]) -> None:
    """What --strict checks in CI: on the pinned release every correction applies."""
    overrides = load_overrides(REPO / "spec" / "overrides.yaml")
    document = copy.deepcopy(raw_document)
    apply_rules(document, overrides)
    obsolete = [o.line() for o in apply_patches(document, overrides) if o.kind == "obsolete"]
    assert obsolete == []


def test_every_patch_has_reason_and_test() -> None:
    for name in ("overrides.yaml", "overrides-2023-06.yaml"):
        overrides = load_overrides(REPO / "spec" / name)
        for patch in overrides.patches:
            assert patch.reason and patch.test, patch.name
        for rule, reason in overrides.rules:
            assert reason, rule


def test_cpa_values_response_is_typed(
    raw_document: dict[str, Any], corrected: dict[str, Any]
) -> None:
    raw = raw_document["paths"][CPA]["get"]["responses"]["200"]["content"]
    assert raw["application/json"] is None and "schema" in raw  # upstream's slip
    fixed = corrected["paths"][CPA]["get"]["responses"]["200"]["content"]
    assert set(fixed) == {"application/json"}
    assert "schema" in fixed["application/json"]  # its shape: patch cpa-values-keyed-by-field-id


def test_content_flagging_config_properties(corrected: dict[str, Any]) -> None:
    props = corrected["components"]["schemas"]["ContentFlaggingConfig"]["properties"]
    assert {"EnableContentFlagging", "NotificationSettings", "AdditionalSettings",
            "ReviewerSettings"} <= set(props)  # fmt: skip
    assert set(props["EnableContentFlagging"]) == {"type", "description", "example"}


def test_get_config_string_default(corrected: dict[str, Any]) -> None:
    params = corrected["paths"]["/api/v4/config"]["get"]["parameters"]
    for param in params:
        schema = param.get("schema", {})
        if schema.get("type") == "string" and "default" in schema:
            assert isinstance(schema["default"], str), param["name"]


def test_generic_rules_leave_no_defect(corrected: dict[str, Any]) -> None:
    defects = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" and "items" not in node:
                defects.append(f"array without items at {where}")
            if node.get("type") == "object" and "items" in node:
                defects.append(f"object with items at {where}")
            if "$ref" in node and len(node) > 1:
                defects.append(f"$ref with siblings at {where}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(corrected, "")
    assert defects == []


def test_every_patch_names_a_test_that_exists() -> None:
    import subprocess
    import sys

    named = set()
    for name in ("overrides.yaml", "overrides-2023-06.yaml"):
        named |= {p.test for p in load_overrides(REPO / "spec" / name).patches}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    collected = {line.strip() for line in proc.stdout.splitlines()}
    # a parametrized test may be named without its parameters
    functions = {item.split("[", 1)[0] for item in collected}
    missing = sorted(t for t in named if t not in collected and t not in functions)
    assert missing == []
