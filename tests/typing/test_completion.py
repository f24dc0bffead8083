"""What an IDE completes (jedi, as editors use it): ``mm.`` offers every tag namespace and
``mm.users.`` every operation of the users tag, sync and async."""

from __future__ import annotations

import jedi
import pytest
from mattermost_api.namespaces import TAGS
from mattermost_api.namespaces.users import UsersNamespace


def complete(code: str) -> set[str]:
    lines = code.splitlines()
    script = jedi.Script(code)
    return {c.name for c in script.complete(len(lines), len(lines[-1]))}


def users_operations() -> set[str]:
    return {n for n in vars(UsersNamespace) if not n.startswith("_")}


@pytest.mark.parametrize(
    ("make", "var"),
    [("Mattermost('https://h', 't')", "mm"), ("AsyncMattermost('https://h', 't')", "amm")],
)
def test_completion_offers_every_tag_and_every_users_operation(make: str, var: str) -> None:
    head = f"from mattermost_ext import AsyncMattermost, Mattermost\n{var} = {make}\n"
    tags = complete(head + f"{var}.")
    assert set(TAGS) <= tags, sorted(set(TAGS) - tags)
    assert len(TAGS) >= 53
    operations = complete(head + f"{var}.users.")
    assert users_operations() <= operations, sorted(users_operations() - operations)
    assert len(users_operations()) >= 66
    print(f"{var}.: {len(tags)} names ({len(TAGS)} tags); {var}.users.: "
          f"{len({n for n in operations if not n.startswith('_')})} public names")  # fmt: skip
