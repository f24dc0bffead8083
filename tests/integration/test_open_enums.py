"""Open enums against the real server (issue 12): a post that links to another post's
permalink gets an embed of type ``permalink``, a value the spec's enum does not list.
Reading it back through the typed client must work, in every operation that returns it."""

from __future__ import annotations

from typing import Any

import pytest
from mattermost_api.api.posts import create_post, get_post, get_posts_for_channel
from mattermost_api.models.create_post_body import CreatePostBody
from mattermost_api.models.post import Post
from mattermost_api.models.post_metadata_embeds_item_type import (
    POST_METADATA_EMBEDS_ITEM_TYPE_VALUES,
)
from mattermost_api.types import UnknownEnumStr

from mattermost_ext import Mattermost

pytestmark = pytest.mark.integration


def embed_types(post: Post) -> list[str]:
    embeds = post.metadata.embeds if post.metadata else []
    return [str(embed.type_) for embed in embeds or []]


def test_a_permalink_post_round_trips(mm_server: Any, admin: Mattermost, channel: str) -> None:
    assert "permalink" not in POST_METADATA_EMBEDS_ITEM_TYPE_VALUES  # the spec lacks it
    target = admin.call(
        create_post.sync, body=CreatePostBody(channel_id=channel, message="the original")
    )
    link = f"{mm_server.url}/{mm_server.team_name}/pl/{target.id}"
    created = admin.call(
        create_post.sync, body=CreatePostBody(channel_id=channel, message=f"see {link}")
    )

    read = admin.call(get_post.sync, str(created.id))
    assert embed_types(read) == ["permalink"]
    assert read.metadata and read.metadata.embeds
    embed = read.metadata.embeds[0]
    assert isinstance(embed.type_, UnknownEnumStr)
    assert embed.type_ == "permalink" and f"{embed.type_}" == "permalink"
    assert read.to_dict()["metadata"]["embeds"][0]["type"] == "permalink"
    assert Post.from_dict(read.to_dict()) == read

    page = admin.call(get_posts_for_channel.sync, channel)
    listed = page.posts[str(created.id)]
    assert embed_types(listed) == ["permalink"]
    assert listed.message == f"see {link}"
    assert embed_types(page.posts[str(target.id)]) == []
