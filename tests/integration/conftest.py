"""Facades over the real server: ``admin`` and ``user`` (mattermost_ext.Mattermost built from
the session's ``mm_server``), and helpers that give a test its own channel or user."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mattermost_ext import Mattermost


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same server) uses."""
    return f"{prefix}{secrets.token_hex(5)}"


@pytest.fixture(name="unique")
def unique_fixture() -> Callable[[str], str]:
    """``unique("prefix")``: a fresh name (usernames, channels, bots)."""
    return unique


@pytest.fixture
def admin(mm_server: Any) -> Iterator[Mattermost]:
    """The system admin, with its personal access token."""
    with Mattermost(mm_server.url, mm_server.admin_token) as mm:
        yield mm


@pytest.fixture
def user(mm_server: Any) -> Iterator[Mattermost]:
    """The regular user (member of the team and channel), with its personal access token."""
    if not mm_server.user_token:
        pytest.skip("the server fixture has no user token")
    with Mattermost(mm_server.url, mm_server.user_token) as mm:
        yield mm


@pytest.fixture
def channel(mm_server: Any, admin: Mattermost) -> str:
    """A new public channel in the test team (the admin and the regular user are members)."""
    from mattermost_api.api.channels import add_channel_member, create_channel
    from mattermost_api.models.add_channel_member_body import AddChannelMemberBody
    from mattermost_api.models.create_channel_body import CreateChannelBody

    name = unique("ext-")
    created = admin.call(
        create_channel.sync,
        body=CreateChannelBody(team_id=mm_server.team_id, name=name, display_name=name, type_="O"),
    )
    if mm_server.user_id:
        admin.call(
            add_channel_member.sync,
            str(created.id),
            body=AddChannelMemberBody(user_id=mm_server.user_id),
        )
    return str(created.id)


@pytest.fixture
def make_user(mm_server: Any, admin: Mattermost) -> Callable[..., dict[str, str]]:
    """``make_user(token_role=True)`` -> {"id", "username", "password"}: a fresh user in the
    team, allowed to own personal access tokens when ``token_role``."""
    from mattermost_api.api.teams import add_team_member
    from mattermost_api.api.users import create_user, update_user_roles
    from mattermost_api.models.add_team_member_body import AddTeamMemberBody
    from mattermost_api.models.create_user_body import CreateUserBody
    from mattermost_api.models.update_user_roles_body import UpdateUserRolesBody

    def make(token_role: bool = True) -> dict[str, str]:
        username = unique("u")
        password = "Pw-" + secrets.token_urlsafe(12)
        created = admin.call(
            create_user.sync,
            body=CreateUserBody(
                username=username, email=f"{username}@example.com", password=password
            ),
        )
        user_id = str(created.id)
        admin.call(
            add_team_member.sync,
            mm_server.team_id,
            body=AddTeamMemberBody(team_id=mm_server.team_id, user_id=user_id),
        )
        if token_role:
            admin.call(
                update_user_roles.sync,
                user_id,
                body=UpdateUserRolesBody(roles="system_user system_user_access_token"),
            )
        return {"id": user_id, "username": username, "password": password}

    return make
