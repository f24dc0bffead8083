"""Deliberate mistakes: each line marked ``# type: ignore[<code>]`` must be reported by BOTH
checkers.  mypy runs with ``warn_unused_ignores`` (an ignore that suppresses nothing of that
code is an error) and pyright with ``reportUnnecessaryTypeIgnoreComment`` (an ignore on a
line without an error is an error): so a mistake that one checker misses fails the test."""

from __future__ import annotations

from mattermost_api.models.create_post_body import CreatePostBody
from mattermost_api.models.post import Post

from mattermost_ext import AsyncMattermost, Mattermost


def mistakes(mm: Mattermost, channel_id: str) -> None:
    # 1. a dict as the body (it must be the generated model)
    mm.posts.create_post(body={"channel_id": channel_id, "message": "hi"})  # type: ignore[call-overload]
    # 2. fields meant for the body: one missing (message), or given beside body=
    mm.posts.create_post(channel_id=channel_id)  # type: ignore[call-overload]
    mm.posts.create_post(body=CreatePostBody(channel_id, "hi"), message="hi")  # type: ignore[call-overload]
    # 2b. a body field mistyped
    mm.posts.create_post(channel_id=channel_id, mesage="hi")  # type: ignore[call-overload]
    # 3. a path parameter of the wrong type
    mm.users.get_user(user_id=123)  # type: ignore[arg-type]
    # 4. a misspelt keyword
    mm.users.get_user(userid="me")  # type: ignore[call-arg]
    # 5. the result used as something it is not
    wrong: Post = mm.users.get_user("me")  # type: ignore[assignment]
    print(mm.users.get_user("me").no_such_field)  # type: ignore[attr-defined]
    mm.users.get_user("me").username + 1  # type: ignore[operator]
    print(wrong)


async def async_mistakes(amm: AsyncMattermost) -> None:
    # 6. an async call not awaited
    print(amm.users.get_user("me").username)  # type: ignore[attr-defined]
    # 7. a sync client awaited
    await Mattermost("https://h", "t").users.get_user("me")  # type: ignore[misc]
