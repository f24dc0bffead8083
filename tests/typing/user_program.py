"""A user's program: the README's examples and the five everyday tasks, through the
namespaced client.  Checked (never run) by ``mypy --strict`` and pyright (strict) with 0
errors: ``tests/typing/test_type_checkers.py``."""

from __future__ import annotations

import asyncio
from typing import assert_type

from mattermost_api.models.post import Post
from mattermost_api.models.user import User

from mattermost_ext import (
    AsyncMattermost,
    Attachment,
    Button,
    EventName,
    Mattermost,
    NotFoundError,
    iter_channel_posts,
    post_files,
)
from mattermost_ext.attachments import Integration, post_body
from mattermost_ext.events import Event, PostData


def five_tasks(channel_id: str) -> None:
    """The five tasks of issue 13 (1 import statement: ``from mattermost_ext import ...``)."""
    with Mattermost.from_env() as mm:
        me = mm.users.get_user("me")  # 1. get me
        mm.posts.create_post(channel_id=channel_id, message=f"hi from {me.username}")  # 2. post
        for post in iter_channel_posts(mm, channel_id):  # 3. page through a channel
            print(post.message)
        post_files(mm, channel_id, ["report.pdf"], "Weekly report")  # 4. upload a file
        listener = mm.listener()  # 5. listen for posts

        @listener.on(EventName.POSTED)
        def on_post(event: Event[PostData]) -> None:
            print(event.payload.channel_name)

        listener.run_forever()


def readme_client(url: str, token: str, channel_id: str) -> None:
    with Mattermost(url, token) as mm:
        me = mm.users.get_user("me")
        assert_type(me, User)
        user_id: str = me.id
        post = mm.posts.create_post(channel_id=channel_id, message="hello")
        assert_type(post, Post)
        thread = mm.posts.get_post_thread(post.id, per_page=50)
        print(user_id, thread.order)
        members = mm.channels.get_channel_members(channel_id, page=0, per_page=200)
        print([m.user_id for m in members])
        try:
            mm.users.get_user("no-such-user")
        except NotFoundError as err:
            print(err.status, err.error_id, err.request_id)


def readme_attachments(mm: Mattermost, channel_id: str) -> Post:
    body = post_body(
        channel_id=channel_id,
        message="Deploy finished",
        attachments=[
            Attachment(
                color="good",
                title="build 42",
                actions=[
                    Button(
                        id="rollback",
                        name="Roll back",
                        style="danger",
                        integration=Integration(url="https://ci.example.com/hooks/mm"),
                    )
                ],
            )
        ],
    )
    return mm.posts.create_post(body=body)


async def readme_async(url: str, token: str) -> str:
    async with AsyncMattermost(url, token) as amm:
        me = await amm.users.get_user("me")
        assert_type(me, User)
        listener = amm.listener()

        @listener.on(EventName.POSTED)
        async def on_post(event: Event[PostData]) -> None:
            print(event.payload.channel_id)

        return me.username


if __name__ == "__main__":
    asyncio.run(readme_async("https://chat.example.com", "token"))
