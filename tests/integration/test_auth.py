"""Tokens, sessions and bots against the real server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import pytest

from mattermost_ext import AsyncMattermost, Mattermost, NotFoundError, UnauthorizedError
from mattermost_ext.auth import (
    acreate_token,
    alist_tokens,
    arevoke_token,
    create_bot,
    create_bot_with_token,
    create_token,
    disable_token,
    enable_token,
    get_token,
    list_all_tokens,
    list_tokens,
    revoke_token,
    search_tokens,
    verify_token,
)

pytestmark = pytest.mark.integration


def test_verify_tokens(mm_server: Any, admin: Mattermost, user: Mattermost) -> None:
    assert verify_token(admin).id == mm_server.admin_id
    assert user.me().id == mm_server.user_id


def test_invalid_token_is_unauthorized(mm_server: Any) -> None:
    with Mattermost(mm_server.url, "x" * 26) as mm, pytest.raises(UnauthorizedError) as info:
        mm.me()
    assert info.value.status == 401
    assert info.value.error_id  # e.g. api.context.session_expired.app_error
    assert info.value.request_id


def test_token_lifecycle(
    mm_server: Any, admin: Mattermost, make_user: Callable[..., dict[str, str]]
) -> None:
    someone = make_user()
    with Mattermost.login(mm_server.url, someone["username"], someone["password"]) as session:
        token = create_token(session, "lifecycle")
        assert token.user_id == someone["id"] and token.description == "lifecycle"
        assert token.token.reveal() not in repr(token)

        mine = list_tokens(session)
        assert [t.id for t in mine] == [token.id]
        assert mine[0].is_active is True
        assert get_token(session, token.id).description == "lifecycle"
        assert {t.id for t in list_tokens(admin, user_id=someone["id"])} == {token.id}

        with Mattermost(mm_server.url, token.token) as by_token:
            assert by_token.me().id == someone["id"]
            disable_token(session, token.id)
            assert get_token(session, token.id).is_active is False
            with pytest.raises(UnauthorizedError):
                by_token.me()
            enable_token(session, token.id)
            assert get_token(session, token.id).is_active is True
            assert by_token.me().id == someone["id"]

            # admin: search by token id and by username; list every user's tokens
            assert [t.id for t in search_tokens(admin, token.id)] == [token.id]
            assert token.id in {t.id for t in search_tokens(admin, someone["username"])}
            assert token.id in {t.id for t in list_all_tokens(admin)}

            revoke_token(session, token.id)
            with pytest.raises(UnauthorizedError):
                by_token.me()
        with pytest.raises(NotFoundError):
            get_token(session, token.id)
        assert list_tokens(session) == []


def test_admin_creates_token_for_another_user(
    mm_server: Any, admin: Mattermost, make_user: Callable[..., dict[str, str]]
) -> None:
    someone = make_user()
    token = create_token(admin, "made by admin", user_id=someone["id"])
    try:
        with Mattermost(mm_server.url, token.token.reveal()) as mm:
            assert mm.me().username == someone["username"]
    finally:
        revoke_token(admin, token.id)


def test_login_wrong_password(mm_server: Any) -> None:
    with pytest.raises(UnauthorizedError) as info:
        Mattermost.login(mm_server.url, mm_server.user_username, "not-the-password")
    err = info.value
    assert err.status == 401
    assert err.error_id == "api.user.login.invalid_credentials_email_username"
    assert err.message and err.request_id
    assert "not-the-password" not in str(err)


def test_login_and_logout(mm_server: Any) -> None:
    if not mm_server.user_password:
        pytest.skip("the server fixture has no user password")
    mm = Mattermost.login(mm_server.url, mm_server.user_username, mm_server.user_password)
    with mm:
        assert mm.session is not None and mm.session.user.id == mm_server.user_id
        session_token = mm.session.token
        assert mm.me().id == mm_server.user_id
        mm.logout()
        assert mm.token is None
    with Mattermost(mm_server.url, session_token) as old, pytest.raises(UnauthorizedError):
        old.me()


def test_bot_with_token(mm_server: Any, admin: Mattermost, unique: Callable[[str], str]) -> None:
    name = unique("bot")
    bot, token = create_bot_with_token(
        admin, name, display_name="Ext bot", description="made by test_auth"
    )
    assert bot.username == name and bot.owner_id == mm_server.admin_id
    with Mattermost(mm_server.url, token.token) as as_bot:
        me = as_bot.me()
        assert me.id == bot.user_id and me.username == name
        assert me.additional_properties.get("is_bot") is True or getattr(me, "is_bot", True)
    plain = create_bot(admin, unique("bot"))
    assert plain.user_id and plain.user_id != bot.user_id


def test_async_token_round_trip(mm_server: Any, make_user: Callable[..., dict[str, str]]) -> None:
    someone = make_user()

    async def main() -> None:
        mm = await AsyncMattermost.login(mm_server.url, someone["username"], someone["password"])
        async with mm:
            token = await acreate_token(mm, "async")
            assert [t.id for t in await alist_tokens(mm)] == [token.id]
            async with AsyncMattermost(mm_server.url, token.token) as by_token:
                assert (await by_token.me()).id == someone["id"]
                await arevoke_token(mm, token.id)
                with pytest.raises(UnauthorizedError):
                    await by_token.me()
            await mm.logout()

    asyncio.run(main())


def test_no_token_in_debug_logs(
    mm_server: Any, caplog: pytest.LogCaptureFixture, make_user: Callable[..., dict[str, str]]
) -> None:
    """Real sockets (httpcore logs at DEBUG): neither tokens nor the password show."""
    someone = make_user()
    with contextlib.ExitStack() as stack:
        for name in ("", "httpx", "httpcore", "mattermost_ext"):
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name or None))
        mm = stack.enter_context(
            Mattermost.login(mm_server.url, someone["username"], someone["password"])
        )
        token = create_token(mm, "log check")
        with Mattermost(mm_server.url, token.token) as by_token:
            by_token.me()
        with pytest.raises(UnauthorizedError):
            Mattermost.login(mm_server.url, someone["username"], "wrong-" + someone["password"])
        assert mm.session is not None
        secrets = [token.token.reveal(), mm.session.token.reveal(), someone["password"]]
        revoke_token(mm, token.id)
        mm.logout()
    assert any(r.name.startswith("httpcore") for r in caplog.records), "no httpcore DEBUG records"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        for secret in secrets:
            assert secret not in text, record.name
