"""A correction's three outcomes on a spec: its defect is there (applied), upstream fixed it
(obsolete, one line, generation goes on), or neither (the target moved: an error that names
the correction, the overrides file, the JSON path, what was expected and found, what to do)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from specbuild.bundle import bundle
from specbuild.overrides import (
    Overrides,
    Patch,
    PatchMoved,
    apply_patches,
    conflict_outcomes,
    load_overrides,
)
from specbuild.sources import SourceFile

from tests.unit._spec import REPO, SHARED_API

LOGIN = "/paths/~1api~1v4~1users~1login/post/responses"
LOGIN_STATUS = Patch(
    name="login-status-200",
    reason="answers 200, not 201",
    test="t",
    ops=({"op": "move", "from": f"{LOGIN}/201", "path": f"{LOGIN}/200"},),
)
OVERRIDES = Overrides(path=Path("/elsewhere/my-overrides.yaml"), patches=(LOGIN_STATUS,))


def spec_with_login(responses: dict[str, Any]) -> dict[str, Any]:
    operation = {"operationId": "Login", "responses": responses}
    return {"openapi": "3.0.0", "paths": {"/api/v4/users/login": {"post": operation}}}


def test_defect_present_the_correction_applies() -> None:
    document = spec_with_login({"201": {"description": "ok"}, "400": {"description": "bad"}})
    (outcome,) = apply_patches(document, OVERRIDES)
    assert outcome.kind == "applied" and outcome.line() == ""
    responses = document["paths"]["/api/v4/users/login"]["post"]["responses"]
    assert set(responses) == {"200", "400"}


def test_upstream_fixed_it_the_correction_is_obsolete_and_skipped() -> None:
    document = spec_with_login({"200": {"description": "ok"}})
    before = copy.deepcopy(document)
    (outcome,) = apply_patches(document, OVERRIDES)
    assert outcome.line() == (
        "obsolete: login-status-200 (upstream fixed POST /api/v4/users/login: "
        "responses/200 present, no responses/201)"
    )
    assert document == before


def test_operation_gone_the_correction_is_obsolete() -> None:
    document: dict[str, Any] = {"openapi": "3.0.0", "paths": {}}
    (outcome,) = apply_patches(document, OVERRIDES)
    assert outcome.line() == (
        "obsolete: login-status-200 (upstream has no POST /api/v4/users/login)"
    )


def test_target_moved_is_an_error_naming_correction_file_path_expected_found() -> None:
    document = spec_with_login({"202": {"description": "accepted"}})
    before = copy.deepcopy(document)
    with pytest.raises(PatchMoved) as info:
        apply_patches(document, OVERRIDES, origin=lambda pointer: "users.yaml")
    assert str(info.value) == (
        "/elsewhere/my-overrides.yaml: correction 'login-status-200' op 0 (move): "
        "at /paths/~1api~1v4~1users~1login/post/responses/201 (source file users.yaml): "
        "expected the move's source '201', found a mapping with 202; the spec has neither the "
        "defect nor its fix: the target moved or changed shape upstream. Look at that place "
        "in the spec, then update the op's paths (or state `fixed:` for a different fix), "
        "or delete the correction"
    )
    assert document == before  # nothing half-applied


def test_test_op_states_the_defect_and_fixed_states_the_fix() -> None:
    pointer = "/paths/~1api~1v4~1config/get/parameters/0/schema/default"
    patch = Patch(
        name="string-default",
        reason="r",
        test="t",
        ops=({"op": "test", "path": pointer, "value": False},
             {"op": "replace", "path": pointer, "value": "false"}),
        fixed=({"op": "test", "path": "/paths/~1api~1v4~1config/get/parameters", "absent": True},),
    )  # fmt: skip
    overrides = Overrides(path=Path("o.yaml"), patches=(patch,))

    def config(parameters: list[Any] | None) -> dict[str, Any]:
        op: dict[str, Any] = {"responses": {}}
        if parameters is not None:
            op["parameters"] = parameters
        return {"paths": {"/api/v4/config": {"get": op}}}

    param = {"name": "x", "in": "query", "schema": {"type": "string", "default": False}}
    defect = config([param])
    assert apply_patches(defect, overrides)[0].kind == "applied"
    assert defect["paths"]["/api/v4/config"]["get"]["parameters"][0]["schema"]["default"] == "false"
    fixed = config([{**param, "schema": {"type": "string", "default": "false"}}])
    assert apply_patches(fixed, overrides)[0].line() == (
        "obsolete: string-default (upstream fixed GET /api/v4/config: "
        'parameters/0/schema/default = "false")'
    )
    older = config(None)
    assert apply_patches(older, overrides)[0].line() == (
        "obsolete: string-default (upstream fixed GET /api/v4/config: no parameters)"
    )
    with pytest.raises(PatchMoved, match=r"o.yaml: correction 'string-default' op 0 \(test\): "
                       r"at .*/default: expected the defect false, found 0;"):  # fmt: skip
        apply_patches(config([{**param, "schema": {"type": "integer", "default": 0}}]), overrides)


def test_a_merge_that_changes_nothing_is_obsolete() -> None:
    patch = Patch("nullable", "r", "t", ({"op": "merge", "path": "/components/schemas/X",
                                          "value": {"nullable": True}},))  # fmt: skip
    document = {"components": {"schemas": {"X": {"type": "object", "nullable": True}}}}
    (outcome,) = apply_patches(document, Overrides(path=Path("o.yaml"), patches=(patch,)))
    assert outcome.line() == (
        "obsolete: nullable (upstream fixed schema X: the correction changes nothing)"
    )


def test_stale_conflict_resolution_is_obsolete() -> None:
    intro = SourceFile("introduction.yaml", "openapi: 3.0.0\npaths:\n", "i")
    one = SourceFile("a.yaml", "  /api/v4/x:\n    get: {operationId: X}\n", "a")
    result = bundle([intro, one], {"paths /api/v4/x get": ("a.yaml", "was defined twice")})
    (outcome,) = conflict_outcomes(result.stale, result.single_file)
    assert outcome.line() == (
        "obsolete: conflict 'paths /api/v4/x get' (upstream fixed it: defined once)"
    )


@pytest.fixture(scope="module")
def bundle_2026_05() -> dict[str, Any]:
    path = SHARED_API / "bundles" / "2026-05-28.yaml"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return bundle([SourceFile(path.name, path.read_text(), str(path))], {}).document


def test_published_bundle_real_outcomes(bundle_2026_05: dict[str, Any]) -> None:
    """On the 2026-05-28 bundle: the CPA slip is still there (applied, although the bundle
    writes `application/json: {}` where the sources write null); the ContentFlaggingConfig
    slip is gone (upstream's bundler dropped the misplaced keys)."""
    overrides = load_overrides(REPO / "spec" / "overrides.yaml")
    document = copy.deepcopy(bundle_2026_05)
    outcomes = {o.name: o for o in apply_patches(document, overrides)}
    assert outcomes["cpa-values-yaml-indentation"].kind == "applied"
    assert (
        outcomes["content-flagging-config-indentation"]
        .line()
        .startswith(
            "obsolete: content-flagging-config-indentation (upstream fixed schema "
            "ContentFlaggingConfig: no properties/EnableContentFlagging/NotificationSettings"
        )
    )
    obsolete = sorted(name for name, o in outcomes.items() if o.kind == "obsolete")
    assert obsolete == ["content-flagging-config-indentation"]


def test_every_correction_recognises_its_own_fix() -> None:
    """On the corrected spec (generated/openapi.json, as if upstream had taken every fix),
    every correction is obsolete: none applies twice, none reports a moved target."""
    corrected = REPO / "generated" / "openapi.json"
    if not corrected.is_file():
        pytest.skip("generated/ is missing: run `bash scripts/setup.sh`")
    document = bundle([SourceFile(corrected.name, corrected.read_text(), str(corrected))], {})
    overrides = load_overrides(REPO / "spec" / "overrides.yaml")
    outcomes = apply_patches(document.document, overrides)
    assert [o.name for o in outcomes if o.kind != "obsolete"] == []
    assert not any(o.what.startswith("partly") for o in outcomes)


def test_correction_for_a_newer_release_is_obsolete_where_its_schemas_are_missing() -> None:
    """A merge that refers to a schema this spec lacks (an older release) is skipped, named,
    instead of leaving a dangling $ref that fails validation later."""
    patch = Patch(
        name="config-new-section",
        reason="the server sends a section newer specs describe",
        test="t",
        ops=(
            {
                "op": "merge",
                "path": "/components/schemas/Config/properties",
                "value": {"Reviewer": {"$ref": "#/components/schemas/ReviewerSettings"}},
            },
        ),
    )
    document: dict[str, Any] = {
        "openapi": "3.0.0",
        "paths": {},
        "components": {"schemas": {"Config": {"type": "object", "properties": {}}}},
    }
    before = copy.deepcopy(document)
    (outcome,) = apply_patches(document, Overrides(path=OVERRIDES.path, patches=(patch,)))
    assert outcome.line() == (
        "obsolete: config-new-section (upstream has no schema ReviewerSettings "
        "(the correction refers to it))"
    )
    assert document == before
    document["components"]["schemas"]["ReviewerSettings"] = {"type": "object"}
    (outcome,) = apply_patches(document, Overrides(path=OVERRIDES.path, patches=(patch,)))
    assert outcome.kind == "applied"
