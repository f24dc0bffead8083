"""Open enums (issue 12): a value the spec does not list never raises.

Every enum of the generated client is checked with an unknown string and an
unknown integer; the models keep the known values as they are and hand unknown
ones back as the server's value (equal, same hash, prints the same)."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest


def enum_checkers() -> list[tuple[str, Callable[[Any], Any], set[Any]]]:
    import mattermost_api.models as models

    found = []
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"{models.__name__}.{info.name}")
        check = getattr(module, f"check_{info.name}", None)
        values = getattr(module, f"{info.name.upper()}_VALUES", None)
        if check is not None and values is not None:
            found.append((info.name, check, values))
    return found


CHECKERS = enum_checkers()


def test_the_generated_client_has_enums() -> None:
    assert len(CHECKERS) >= 20  # 21 on v11.6; guards against finding none


@pytest.mark.parametrize(("name", "check", "values"), CHECKERS, ids=[c[0] for c in CHECKERS])
def test_no_enum_raises_on_an_unknown_value(
    name: str, check: Callable[[Any], Any], values: set[Any]
) -> None:
    from mattermost_api.types import UnknownEnumInt, UnknownEnumStr

    for known in values:
        assert check(known) is known
    for unknown in ("a_value_from_a_newer_server", 987654, None, 1.5, True):
        got = check(unknown)
        assert got == unknown
        assert str(got) == str(unknown)
    assert isinstance(check("zz_new"), UnknownEnumStr)
    assert isinstance(check(987654), UnknownEnumInt)


def test_unknown_values_behave_as_the_servers_value() -> None:
    from mattermost_api.types import UnknownEnumInt, UnknownEnumStr, open_enum_value

    text = open_enum_value("permalink")
    assert isinstance(text, UnknownEnumStr) and isinstance(text, str)
    assert text == "permalink" and hash(text) == hash("permalink")
    assert f"{text}" == "permalink" and repr(text) == "UnknownEnumStr('permalink')"
    assert {"permalink": 1}[text] == 1
    number = open_enum_value(7)
    assert isinstance(number, UnknownEnumInt) and number == 7 and str(number) == "7"
    assert number + 1 == 8
    assert pickle.loads(pickle.dumps(text)) == "permalink"
    assert open_enum_value(False) is False  # a bool is not an int enum value


def test_a_model_with_an_unknown_enum_value_parses_and_round_trips() -> None:
    from mattermost_api.models import PostMetadataEmbedsItem

    embed = PostMetadataEmbedsItem.from_dict({"type": "boards", "url": "https://x.test/b"})
    assert str(embed.type_) == "boards"
    assert embed.to_dict()["type"] == "boards"
    assert PostMetadataEmbedsItem.from_dict(embed.to_dict()) == embed
    assert PostMetadataEmbedsItem.from_dict({"type": "link"}).type_ == "link"
