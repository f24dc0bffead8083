"""Paging against the real server: > 3 pages of posts while new posts arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from mattermost_api.api.channels import add_channel_member
from mattermost_api.api.posts import create_post
from mattermost_api.api.users import get_user_access_tokens_for_user, get_users
from mattermost_api.models.add_channel_member_body import AddChannelMemberBody
from mattermost_api.models.create_post_body import CreatePostBody

from mattermost_ext import (
    AsyncMattermost,
    Mattermost,
    aiter_channel_posts,
    iter_channel_posts,
    iter_pages,
)
from mattermost_ext.auth import create_token, revoke_token

pytestmark = pytest.mark.integration

PER_PAGE = 20


def post(mm: Mattermost, channel: str, message: str, root_id: str | None = None) -> str:
    body = CreatePostBody(channel_id=channel, message=message)
    if root_id:
        body.root_id = root_id
    return str(mm.call(create_post.sync, body=body).id)


def all_ids(mm: Mattermost, channel: str) -> list[str]:
    """Ground truth after the fact: every post, oldest first, by page offsets (no arrivals)."""
    ids: list[str] = []
    page = 0
    while True:
        got = mm.http.get(
            f"/api/v4/channels/{channel}/posts", params={"page": page, "per_page": 200}
        ).json()
        ids.extend(got["order"])
        if len(got["order"]) < 200:
            break
        page += 1
    return ids[::-1]


def test_forward_over_many_pages_while_posts_arrive(admin: Mattermost, channel: str) -> None:
    created = []
    for i in range(3 * PER_PAGE + 7):
        created.append(post(admin, channel, f"before {i}"))
        if i % 9 == 0:
            created.append(post(admin, channel, f"reply {i}", root_id=created[-1]))
    # New posts arrive while the first pages are read (a post made after the iterator's last
    # request is, by definition, for the next iteration: see the resume below).
    stop_arrivals = len(all_ids(admin, channel)) - 2 * PER_PAGE
    arrived: list[str] = []
    seen: list[str] = []
    for n, p in enumerate(iter_channel_posts(admin, channel, per_page=PER_PAGE)):
        seen.append(str(p.id))
        if n % 2 == 0 and n < stop_arrivals and len(arrived) < 15:
            arrived.append(post(admin, channel, f"during {n}"))
    truth = all_ids(admin, channel)
    assert len(seen) == len(set(seen)), "a post came twice"
    assert seen == truth, "order or content differs from the channel"
    assert set(created) | set(arrived) <= set(seen)
    assert len(arrived) == 15 and len(truth) > 3 * PER_PAGE + 15

    # resume: only what came after the last post seen
    later = [post(admin, channel, f"later {i}") for i in range(3)]
    assert [
        str(p.id)
        for p in iter_channel_posts(admin, channel, since_post_id=seen[-1], per_page=PER_PAGE)
    ] == later


def test_backward(admin: Mattermost, channel: str) -> None:
    for i in range(2 * PER_PAGE + 3):
        post(admin, channel, f"m {i}")
    truth = all_ids(admin, channel)
    got = [
        str(p.id)
        for p in iter_channel_posts(admin, channel, direction="backward", per_page=PER_PAGE)
    ]
    assert got == truth[::-1]
    middle = truth[len(truth) // 2]
    older = [
        str(p.id)
        for p in iter_channel_posts(
            admin, channel, direction="backward", since_post_id=middle, per_page=7
        )
    ]
    assert older == truth[: len(truth) // 2][::-1]


def test_async_forward(mm_server: Any, admin: Mattermost, channel: str) -> None:
    for i in range(PER_PAGE + 5):
        post(admin, channel, f"a {i}")
    truth = all_ids(admin, channel)

    async def main() -> list[str]:
        async with AsyncMattermost(mm_server.url, mm_server.admin_token) as mm:
            return [str(p.id) async for p in aiter_channel_posts(mm, channel, per_page=PER_PAGE)]

    assert asyncio.run(main()) == truth


def test_iter_pages_users(
    admin: Mattermost, channel: str, make_user: Callable[..., dict[str, str]]
) -> None:
    # Users of a channel of our own: other tests' users on the shared server stay out of it.
    for _ in range(5):
        made = make_user(token_role=False)
        admin.call(add_channel_member.sync, channel, body=AddChannelMemberBody(user_id=made["id"]))
    everyone = list(iter_pages(get_users.sync, client=admin, per_page=200, in_channel=channel))
    small = list(iter_pages(get_users.sync, client=admin, per_page=2, in_channel=channel))
    assert [u.id for u in small] == [u.id for u in everyone]
    assert len(everyone) >= 7 and len({u.id for u in everyone}) == len(everyone)


def test_iter_pages_tokens(
    mm_server: Any, admin: Mattermost, make_user: Callable[..., dict[str, str]]
) -> None:
    someone = make_user()
    made = [create_token(admin, f"t{i}", user_id=someone["id"]) for i in range(5)]
    got = list(
        iter_pages(
            get_user_access_tokens_for_user.sync, client=admin, user_id=someone["id"], per_page=2
        )
    )
    assert sorted(str(t.id) for t in got) == sorted(t.id for t in made)
    for t in made:
        revoke_token(admin, t.id)
