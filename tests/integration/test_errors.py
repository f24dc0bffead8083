"""Typed errors from the real server: 400, 401, 403, 404 with the server's ids."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from mattermost_api.api.system import get_config
from mattermost_api.api.users import get_user

from mattermost_ext import (
    ApiError,
    AsyncMattermost,
    BadRequestError,
    ForbiddenError,
    Mattermost,
    NotFoundError,
    TransportError,
    UnauthorizedError,
)

pytestmark = pytest.mark.integration

MISSING_ID = "a" * 26  # well-formed, never issued


def test_404_not_found(admin: Mattermost) -> None:
    with pytest.raises(NotFoundError) as info:
        get_user.sync(client=admin.api, user_id=MISSING_ID)
    err = info.value
    assert err.status == 404
    assert err.error_id == "app.user.missing_account.const"
    assert err.message and err.request_id
    assert err.method == "GET" and err.url is not None and err.url.endswith(MISSING_ID)
    assert '"id"' in err.body


def test_403_forbidden(user: Mattermost) -> None:
    with pytest.raises(ForbiddenError) as info:
        user.call(get_config.sync)
    err = info.value
    assert err.status == 403
    assert err.error_id == "api.context.permissions.app_error"
    assert err.request_id


def test_400_bad_request(admin: Mattermost) -> None:
    with pytest.raises(BadRequestError) as info:
        get_user.sync(client=admin.api, user_id="notanid")
    assert info.value.status == 400
    assert info.value.error_id == "api.context.invalid_url_param.app_error"


def test_401_unauthorized(mm_server: Any) -> None:
    with Mattermost(mm_server.url, None) as anonymous, pytest.raises(UnauthorizedError) as info:
        anonymous.call(get_user.sync, user_id="me")
    assert info.value.status == 401 and info.value.error_id


def test_unknown_route_still_an_api_error(admin: Mattermost) -> None:
    with pytest.raises(ApiError) as info:
        admin.http.get("/api/v4/no/such/route")
    assert info.value.status == 404 and isinstance(info.value, NotFoundError)


def test_connection_refused_is_a_transport_error() -> None:
    with (
        Mattermost(f"http://127.0.0.1:{free_port()}", "t", retry=None) as mm,
        pytest.raises(TransportError) as info,
    ):
        mm.me()
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_async_errors(mm_server: Any) -> None:
    async def main() -> None:
        async with AsyncMattermost(mm_server.url, mm_server.admin_token) as mm:
            with pytest.raises(NotFoundError):
                await get_user.asyncio(client=mm.api, user_id=MISSING_ID)
            with pytest.raises(BadRequestError):
                await mm.call(get_user.asyncio, user_id="notanid")

    asyncio.run(main())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
