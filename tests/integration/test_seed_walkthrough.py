"""Every example of the seed walkthrough (../shared/seed/), against the real server."""

from __future__ import annotations

from typing import Any

import pytest
import walkthrough as seed
from mattermost_api.models import AnalyticsRow, UserAccessToken

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(mm_server: object) -> seed.Server:
    s = mm_server
    return seed.Server(s.url, s.admin_token, s.user_id, s.channel_id)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def new_token(server: seed.Server) -> str:
    token = seed.step_create_token(server)
    assert token.user_id == server.user_id and token.id
    return str(token.token)


def test_create_token_answers_200(server: seed.Server) -> None:
    # The spec documents 201; the server answers 200 (override create-user-access-token-status-200).
    with seed.client(server, server.admin_token) as admin:
        raw = admin.http.post(
            f"/api/v4/users/{server.user_id}/tokens", json={"description": "status check"}
        )
        assert raw.status_code == 200
        # ... which the namespaced call parses (an undocumented status would raise).
        token = admin.users.create_user_access_token(server.user_id, description="status check")
    assert isinstance(token, UserAccessToken) and token.token


def test_users_me_with_bearer_token(server: seed.Server, new_token: str) -> None:
    me, headers = seed.step_users_me(server, new_token)
    assert me.id == server.user_id
    assert headers.get("X-Version-Id")


def test_create_post(server: seed.Server, new_token: str) -> None:
    post = seed.step_create_post(server, new_token, "Create post by REST API")
    assert post.channel_id == server.channel_id
    assert post.message == "Create post by REST API"
    assert post.user_id == server.user_id


def test_post_with_attachments_round_trips(server: seed.Server, new_token: str) -> None:
    post, built = seed.step_post_with_attachments(server, new_token)
    assert post.props is not None
    stored = post.props.to_dict()["attachments"]
    # The server fills every attachment field it knows (empty when unset) and numbers them.
    assert [without_empty(a, drop=("id",)) for a in stored] == built["props"]["attachments"]


def without_empty(value: Any, drop: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        kept = {k: without_empty(v) for k, v in value.items() if k not in drop}
        return {k: v for k, v in kept.items() if v not in ("", None, [], {})}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def test_analytics_old_rows_are_typed(server: seed.Server) -> None:
    rows = seed.step_analytics(server)
    assert rows and all(isinstance(r, AnalyticsRow) for r in rows)
    names = {r.name for r in rows}
    assert {"channel_open_count", "post_count", "unique_user_count", "team_count"} <= names
    days = seed.step_analytics(server, "post_counts_day")
    assert all(isinstance(r, AnalyticsRow) and isinstance(r.value, int | float) for r in days)


def test_websocket_receives_posted_for_a_rest_post(server: seed.Server, new_token: str) -> None:
    seen = seed.step_websocket_posted(server, new_token)
    assert seen["hello"]["data"]["connection_id"]
    assert seen["event"]["broadcast"]["channel_id"] == server.channel_id
    assert seen["post"]["message"] == "seen over the WebSocket"


def test_rate_limit_headers_then_429(
    server: seed.Server, new_token: str, mm_rate_limited: Any
) -> None:
    with mm_rate_limited(per_sec=2, max_burst=5) as limited:
        limited_server = seed.Server(limited["url"], server.admin_token, server.user_id,
                                     server.channel_id)  # fmt: skip
        seen = seed.step_rate_limit(limited_server, new_token, attempts=50)
    headers = seen["headers"]  # httpx gives header names in lower case
    assert headers["x-ratelimit-limit"] == "6"  # MaxBurst + 1
    assert {"x-ratelimit-remaining", "x-ratelimit-reset"} <= set(headers)
    assert 5 <= seen["429_after"] <= 8
    assert seen["429_reset"] is not None
