"""The local Mattermost server is up and the bootstrap facts in `mm_server` hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def http(mm_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mm_server.api_url, timeout=30) as client:
        yield client


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_ping_ok(http: httpx.Client) -> None:
    resp = http.get("/system/ping")
    assert resp.status_code == 200
    assert resp.json()["status"] == "OK"


def test_server_version_reported(http: httpx.Client, mm_server: Any) -> None:
    resp = http.get("/system/ping")
    version_id = resp.headers.get("X-Version-Id", "")
    assert version_id, "no X-Version-Id header"
    major = version_id.split(".", 1)[0]
    assert major.isdigit() and int(major) >= 10, version_id
    if mm_server.server_version:
        assert version_id.startswith(mm_server.server_version + ".")


def test_admin_token_authenticates(http: httpx.Client, mm_server: Any) -> None:
    resp = http.get("/users/me", headers=_auth(mm_server.admin_token))
    assert resp.status_code == 200, resp.text
    me = resp.json()
    if mm_server.admin_id:
        assert me["id"] == mm_server.admin_id
    assert "system_admin" in me["roles"].split()


def test_user_token_authenticates(http: httpx.Client, mm_server: Any) -> None:
    if not mm_server.user_token:
        pytest.skip("no regular user token given (MM_USER_TOKEN)")
    resp = http.get("/users/me", headers=_auth(mm_server.user_token))
    assert resp.status_code == 200, resp.text
    me = resp.json()
    if mm_server.user_id:
        assert me["id"] == mm_server.user_id
    assert "system_admin" not in me["roles"].split()


def test_user_is_in_team_and_channel(http: httpx.Client, mm_server: Any) -> None:
    if not (mm_server.user_token and mm_server.team_id and mm_server.channel_id):
        pytest.skip("bootstrap team/channel/user not given")
    headers = _auth(mm_server.user_token)
    assert http.get(f"/teams/{mm_server.team_id}/members/me", headers=headers).status_code == 200
    resp = http.get(f"/channels/{mm_server.channel_id}/members/me", headers=headers)
    assert resp.status_code == 200, resp.text


def test_bad_token_rejected(http: httpx.Client) -> None:
    resp = http.get("/users/me", headers=_auth("not-a-token"))
    assert resp.status_code == 401


def test_rate_limited_server_answers_429(mm_server: Any, mm_rate_limited: Any) -> None:
    """A rate-limited server answers 429 with X-Ratelimit-* headers; the main one does not."""
    with (
        mm_rate_limited(per_sec=1, max_burst=2, vary_by_user=True) as limited,
        httpx.Client(base_url=limited["url"] + "/api/v4", timeout=30) as client,
    ):
        assert limited["url"] != mm_server.url
        headers = _auth(mm_server.admin_token)
        statuses = []
        for _ in range(6):
            resp = client.get("/users/me", headers=headers)
            statuses.append(resp.status_code)
            if resp.status_code == 429:
                break
        assert statuses[-1] == 429, statuses
        assert resp.headers["X-Ratelimit-Limit"] == "3"  # burst + 1
        assert resp.headers["X-Ratelimit-Remaining"] == "0"
        assert int(resp.headers["X-Ratelimit-Reset"]) >= 1
        assert int(resp.headers["Retry-After"]) >= 1
        assert resp.text.strip() == "limit exceeded"  # plain text, not a JSON AppError
        # keyed by token: another token still gets through
        assert client.get("/users/me", headers=_auth(mm_server.user_token)).status_code == 200
    with httpx.Client(base_url=mm_server.api_url, timeout=30) as client:
        resp = client.get("/users/me", headers=_auth(mm_server.admin_token))
        assert resp.status_code == 200
