"""The bundler merges per path, refuses silent overwrites, and reports conflicts."""

from __future__ import annotations

import pytest
from specbuild.bundle import bundle, operations, parse_fragment
from specbuild.errors import SpecError
from specbuild.sources import SourceFile

INTRO = SourceFile(
    "introduction.yaml", "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n", "i"
)


def op_file(name: str, method: str, operation_id: str) -> SourceFile:
    text = (
        f"  /api/v4/x:\n    {method}:\n      operationId: {operation_id}\n"
        "      responses: {'200': {description: ok}}\n"
    )
    return SourceFile(name, text, name)


A = op_file("a.yaml", "get", "GetX")
B_SAME_PATH = op_file("b.yaml", "post", "PostX")
B_CONFLICT = op_file("b.yaml", "get", "GetX2")
DEFS = SourceFile("definitions.yaml", "components:\n  schemas:\n    X: {type: object}\n", "d")
DEFS2 = SourceFile("more.yaml", "components:\n  schemas:\n    Y: {type: string}\n", "m")


def test_path_defined_in_two_files_is_merged_per_method() -> None:
    result = bundle([INTRO, A, B_SAME_PATH, DEFS], {})
    ops = {(m, p) for m, p, _ in operations(result.document)}
    assert ops == {("get", "/api/v4/x"), ("post", "/api/v4/x")}
    assert result.origins[("get", "/api/v4/x")] == "a.yaml"
    assert result.origins[("post", "/api/v4/x")] == "b.yaml"


def test_repeated_top_level_keys_are_merged_not_overwritten() -> None:
    result = bundle([INTRO, A, DEFS, DEFS2], {})
    assert set(result.document["components"]["schemas"]) == {"X", "Y"}


def test_conflicting_operation_is_reported_with_both_files() -> None:
    with pytest.raises(SpecError) as info:
        bundle([INTRO, A, B_CONFLICT], {})
    message = str(info.value)
    assert "paths /api/v4/x get" in message
    assert "a.yaml" in message and "b.yaml" in message
    assert "\n" not in message


def test_conflict_resolved_by_override_keeps_the_named_file() -> None:
    location = "paths /api/v4/x get"
    result = bundle([INTRO, A, B_CONFLICT], {location: ("a.yaml", "first is right")})
    assert result.document["paths"]["/api/v4/x"]["get"]["operationId"] == "GetX"
    ((conflict, kept, reason),) = result.resolved
    assert kept == "a.yaml" and reason == "first is right"


def test_resolution_that_matches_no_conflict_is_reported_stale() -> None:
    result = bundle([INTRO, A], {"paths /api/v4/x get": ("a.yaml", "stale")})
    assert result.stale == ["paths /api/v4/x get"]  # generate.py: obsolete (--strict: fails)


def test_duplicate_key_inside_one_file_is_an_error_with_line() -> None:
    bad = SourceFile("dup.yaml", "  /api/v4/x:\n    get: {}\n    get: {}\n", "dup.yaml")
    with pytest.raises(SpecError, match=r"dup.yaml:3: invalid YAML \(duplicate key 'get'\)"):
        parse_fragment(bad)


def test_real_v11_6_duplicate_path_is_found(v11_sources: list[SourceFile]) -> None:
    with pytest.raises(SpecError) as info:
        bundle(v11_sources, {})
    assert "paths /api/v4/sharedchannels/{channel_id}/remotes get" in str(info.value)
    assert "channels.yaml and sharedchannels.yaml" in str(info.value)
