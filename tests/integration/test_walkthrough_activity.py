"""Step 5 of the walkthrough: the live figures reflect the posts just made (analytics lag)."""

from __future__ import annotations

import time

import pytest
import walkthrough as seed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(mm_server: object) -> seed.Server:
    s = mm_server
    return seed.Server(s.url, s.admin_token, s.user_id, s.channel_id)  # type: ignore[attr-defined]


def test_channel_activity_counts_the_posts_just_made(server: seed.Server) -> None:
    token = str(seed.step_create_token(server).token)
    before = seed.step_channel_activity(server, token, int(time.time() * 1000))
    since = int(time.time() * 1000)
    seed.step_create_post(server, token, "activity one")
    seed.step_post_with_attachments(server, token)
    after = seed.step_channel_activity(server, token, since)
    assert after.posts_since == 2
    assert after.total_msg_count == before.total_msg_count + 2
    assert after.channel_name == before.channel_name and after.channel_name
