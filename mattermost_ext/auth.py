"""Tokens and sessions: personal access tokens, login/logout, bots.

All through the generated endpoints (``mattermost_api.api.users`` and ``.bots``); each
function exists for :class:`~mattermost_ext.Mattermost` and, ``a``-prefixed, for
:class:`~mattermost_ext.AsyncMattermost`::

    tok = create_token(mm, "ci bot")            # AccessToken; tok.token.reveal() is the secret
    list_tokens(mm)                             # my tokens (all pages); user_id= for another
    get_token(mm, tok.id); disable_token(mm, tok.id); enable_token(mm, tok.id)
    revoke_token(mm, tok.id)
    search_tokens(admin, "ci")                  # system admin: every user's tokens
    verify_token(mm)                            # GET /users/me -> User (UnauthorizedError if bad)

    mm = Mattermost.login(url, "alice", password, mfa_code="123456")   # a session token
    mm.logout()

    bot, bot_token = create_bot_with_token(admin, "deploy-bot", display_name="Deploy")

Creating tokens needs ``EnableUserAccessTokens`` on the server and, for non-admins, the
``system_user_access_token`` role.  Token values exist only in :class:`AccessToken` /
:class:`LoginResult` as :class:`~mattermost_ext._redact.Secret` (masked in reprs); the server
never shows a token again after creation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ._redact import Secret
from .errors import UnexpectedResponseError
from .pagination import aiter_pages, iter_pages

if TYPE_CHECKING:
    from mattermost_api.models.bot import Bot
    from mattermost_api.models.user import User
    from mattermost_api.models.user_access_token import UserAccessToken
    from mattermost_api.models.user_access_token_sanitized import UserAccessTokenSanitized
    from mattermost_api.types import Response

    from ._client_protocol import AsyncClient, SyncClient

__all__ = [
    "AccessToken",
    "LoginResult",
    "acreate_bot",
    "acreate_bot_with_token",
    "acreate_token",
    "adisable_token",
    "aenable_token",
    "aget_token",
    "alist_all_tokens",
    "alist_tokens",
    "alogin",
    "alogout",
    "arevoke_token",
    "asearch_tokens",
    "averify_token",
    "create_bot",
    "create_bot_with_token",
    "create_token",
    "disable_token",
    "enable_token",
    "get_token",
    "list_all_tokens",
    "list_tokens",
    "login",
    "logout",
    "revoke_token",
    "search_tokens",
    "verify_token",
]

M = TypeVar("M")


@dataclass(frozen=True)
class AccessToken:
    """A newly created personal access token (the only time its value is known)."""

    id: str
    user_id: str
    description: str
    token: Secret

    @classmethod
    def _from(cls, model: UserAccessToken) -> AccessToken:
        return cls(
            id=str(model.id or ""),
            user_id=str(model.user_id or ""),
            description=str(model.description or ""),
            token=Secret(str(model.token or "")),
        )


@dataclass(frozen=True)
class LoginResult:
    """A session: the logged-in user and the session token (from the ``Token`` header)."""

    user: User
    token: Secret

    def __repr__(self) -> str:
        return f"LoginResult(user_id={self.user.id!r}, token={self.token!r})"


def _model(response: Response[Any], model: type[M]) -> M:
    """The success model of a generated ``*_detailed`` answer.

    The spec sometimes documents another 2xx than the server sends (``login``: 201 vs 200);
    the generated parser then gives ``None`` and the body is parsed here.
    """
    parsed = response.parsed
    if isinstance(parsed, model):
        return parsed
    status = int(response.status_code)
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if 200 <= status < 300 and isinstance(data, Mapping):
        return model.from_dict(data)  # type: ignore[attr-defined,no-any-return]
    raise UnexpectedResponseError(status, response.content.decode("utf-8", "replace")[:2000])


def _header(response: Response[Any], name: str) -> str | None:
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value
    return None


# --- verify -----------------------------------------------------------------------------------


def verify_token(mm: SyncClient) -> User:
    """``GET /api/v4/users/me``: the token's user, or :class:`UnauthorizedError`."""
    from mattermost_api.api.users import get_user
    from mattermost_api.models.user import User

    return _model(get_user.sync_detailed(client=mm.api, user_id="me"), User)


async def averify_token(mm: AsyncClient) -> User:
    from mattermost_api.api.users import get_user
    from mattermost_api.models.user import User

    return _model(await get_user.asyncio_detailed(client=mm.api, user_id="me"), User)


# --- login / logout ---------------------------------------------------------------------------


def _login_body(login_id: str, password: str, mfa_code: str | None, device_id: str | None) -> Any:
    from mattermost_api.models.login_body import LoginBody
    from mattermost_api.types import UNSET

    return LoginBody(
        login_id=login_id,
        password=password,
        token=mfa_code if mfa_code else UNSET,
        device_id=device_id if device_id else UNSET,
    )


def _login_result(response: Response[Any]) -> LoginResult:
    from mattermost_api.models.user import User

    user = _model(response, User)
    token = _header(response, "Token")
    if not token:
        raise UnexpectedResponseError(
            int(response.status_code), "login answered without a Token header"
        )
    return LoginResult(user=user, token=Secret(token))


def login(
    mm: SyncClient,
    login_id: str,
    password: str,
    *,
    mfa_code: str | None = None,
    device_id: str | None = None,
) -> LoginResult:
    """Log in (``POST /api/v4/users/login``; ``mfa_code`` is the body's ``token`` field) and
    make ``mm`` use the new session token.  Wrong credentials: :class:`UnauthorizedError`
    with the server's error id."""
    from mattermost_api.api.users import login as op

    result = _login_result(
        op.sync_detailed(client=mm.api, body=_login_body(login_id, password, mfa_code, device_id))
    )
    mm.set_token(result.token)
    return result


async def alogin(
    mm: AsyncClient,
    login_id: str,
    password: str,
    *,
    mfa_code: str | None = None,
    device_id: str | None = None,
) -> LoginResult:
    from mattermost_api.api.users import login as op

    result = _login_result(
        await op.asyncio_detailed(
            client=mm.api, body=_login_body(login_id, password, mfa_code, device_id)
        )
    )
    mm.set_token(result.token)
    return result


def logout(mm: SyncClient) -> None:
    """``POST /api/v4/users/logout`` (revokes the session) and forget the token."""
    from mattermost_api.api.users import logout as op

    op.sync_detailed(client=mm.api)
    mm.set_token(None)


async def alogout(mm: AsyncClient) -> None:
    from mattermost_api.api.users import logout as op

    await op.asyncio_detailed(client=mm.api)
    mm.set_token(None)


# --- personal access tokens -------------------------------------------------------------------


def _create_body(description: str) -> Any:
    from mattermost_api.models.create_user_access_token_body import CreateUserAccessTokenBody

    return CreateUserAccessTokenBody(description=description)


def create_token(mm: SyncClient, description: str, *, user_id: str = "me") -> AccessToken:
    """Create a personal access token for ``user_id`` (default: the caller)."""
    from mattermost_api.api.users import create_user_access_token as op
    from mattermost_api.models.user_access_token import UserAccessToken

    response = op.sync_detailed(user_id, client=mm.api, body=_create_body(description))
    return AccessToken._from(_model(response, UserAccessToken))


async def acreate_token(mm: AsyncClient, description: str, *, user_id: str = "me") -> AccessToken:
    from mattermost_api.api.users import create_user_access_token as op
    from mattermost_api.models.user_access_token import UserAccessToken

    response = await op.asyncio_detailed(user_id, client=mm.api, body=_create_body(description))
    return AccessToken._from(_model(response, UserAccessToken))


def list_tokens(mm: SyncClient, *, user_id: str = "me") -> list[UserAccessTokenSanitized]:
    """All of a user's tokens (every page), without their values."""
    from mattermost_api.api.users import get_user_access_tokens_for_user as op

    return list(iter_pages(op.sync, client=mm.api, user_id=user_id))


async def alist_tokens(mm: AsyncClient, *, user_id: str = "me") -> list[UserAccessTokenSanitized]:
    from mattermost_api.api.users import get_user_access_tokens_for_user as op

    return [t async for t in aiter_pages(op.asyncio, client=mm.api, user_id=user_id)]


def list_all_tokens(mm: SyncClient) -> list[UserAccessTokenSanitized]:
    """Every user's tokens (system admin; ``GET /api/v4/users/tokens``, every page)."""
    from mattermost_api.api.users import get_user_access_tokens as op

    return list(iter_pages(op.sync, client=mm.api))


async def alist_all_tokens(mm: AsyncClient) -> list[UserAccessTokenSanitized]:
    from mattermost_api.api.users import get_user_access_tokens as op

    return [t async for t in aiter_pages(op.asyncio, client=mm.api)]


def get_token(mm: SyncClient, token_id: str) -> UserAccessTokenSanitized:
    from mattermost_api.api.users import get_user_access_token as op
    from mattermost_api.models.user_access_token_sanitized import UserAccessTokenSanitized

    return _model(op.sync_detailed(token_id, client=mm.api), UserAccessTokenSanitized)


async def aget_token(mm: AsyncClient, token_id: str) -> UserAccessTokenSanitized:
    from mattermost_api.api.users import get_user_access_token as op
    from mattermost_api.models.user_access_token_sanitized import UserAccessTokenSanitized

    return _model(await op.asyncio_detailed(token_id, client=mm.api), UserAccessTokenSanitized)


def search_tokens(mm: SyncClient, term: str) -> list[UserAccessTokenSanitized]:
    """Tokens whose id, description or owner's username matches ``term`` (system admin)."""
    from mattermost_api.api.users import search_user_access_tokens as op
    from mattermost_api.models.search_user_access_tokens_body import (
        SearchUserAccessTokensBody,
    )

    return _token_list(op.sync_detailed(client=mm.api, body=SearchUserAccessTokensBody(term=term)))


async def asearch_tokens(mm: AsyncClient, term: str) -> list[UserAccessTokenSanitized]:
    from mattermost_api.api.users import search_user_access_tokens as op
    from mattermost_api.models.search_user_access_tokens_body import (
        SearchUserAccessTokensBody,
    )

    return _token_list(
        await op.asyncio_detailed(client=mm.api, body=SearchUserAccessTokensBody(term=term))
    )


def _token_list(response: Response[Any]) -> list[UserAccessTokenSanitized]:
    from mattermost_api.models.user_access_token_sanitized import UserAccessTokenSanitized

    if isinstance(response.parsed, list):
        return list(response.parsed)
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, list):
        return [UserAccessTokenSanitized.from_dict(d) for d in data]
    raise UnexpectedResponseError(
        int(response.status_code), response.content.decode("utf-8", "replace")[:2000]
    )


def revoke_token(mm: SyncClient, token_id: str) -> None:
    """Revoke (delete) a token and the sessions made with it."""
    from mattermost_api.api.users import revoke_user_access_token as op
    from mattermost_api.models.revoke_user_access_token_body import RevokeUserAccessTokenBody

    op.sync_detailed(client=mm.api, body=RevokeUserAccessTokenBody(token_id=token_id))


async def arevoke_token(mm: AsyncClient, token_id: str) -> None:
    from mattermost_api.api.users import revoke_user_access_token as op
    from mattermost_api.models.revoke_user_access_token_body import RevokeUserAccessTokenBody

    await op.asyncio_detailed(client=mm.api, body=RevokeUserAccessTokenBody(token_id=token_id))


def disable_token(mm: SyncClient, token_id: str) -> None:
    """Disable a token (it stops authenticating; :func:`enable_token` brings it back)."""
    from mattermost_api.api.users import disable_user_access_token as op
    from mattermost_api.models.disable_user_access_token_body import DisableUserAccessTokenBody

    op.sync_detailed(client=mm.api, body=DisableUserAccessTokenBody(token_id=token_id))


async def adisable_token(mm: AsyncClient, token_id: str) -> None:
    from mattermost_api.api.users import disable_user_access_token as op
    from mattermost_api.models.disable_user_access_token_body import DisableUserAccessTokenBody

    await op.asyncio_detailed(client=mm.api, body=DisableUserAccessTokenBody(token_id=token_id))


def enable_token(mm: SyncClient, token_id: str) -> None:
    """Re-enable a disabled token."""
    from mattermost_api.api.users import enable_user_access_token as op
    from mattermost_api.models.enable_user_access_token_body import EnableUserAccessTokenBody

    op.sync_detailed(client=mm.api, body=EnableUserAccessTokenBody(token_id=token_id))


async def aenable_token(mm: AsyncClient, token_id: str) -> None:
    from mattermost_api.api.users import enable_user_access_token as op
    from mattermost_api.models.enable_user_access_token_body import EnableUserAccessTokenBody

    await op.asyncio_detailed(client=mm.api, body=EnableUserAccessTokenBody(token_id=token_id))


# --- bots -------------------------------------------------------------------------------------


def _bot_body(username: str, display_name: str | None, description: str | None) -> Any:
    from mattermost_api.models.create_bot_body import CreateBotBody
    from mattermost_api.types import UNSET

    return CreateBotBody(
        username=username,
        display_name=display_name if display_name is not None else UNSET,
        description=description if description is not None else UNSET,
    )


def create_bot(
    mm: SyncClient,
    username: str,
    *,
    display_name: str | None = None,
    description: str | None = None,
) -> Bot:
    """Create a bot account (needs ``create_bot`` permission and bot accounts enabled)."""
    from mattermost_api.api.bots import create_bot as op
    from mattermost_api.models.bot import Bot

    response = op.sync_detailed(client=mm.api, body=_bot_body(username, display_name, description))
    return _model(response, Bot)


async def acreate_bot(
    mm: AsyncClient,
    username: str,
    *,
    display_name: str | None = None,
    description: str | None = None,
) -> Bot:
    from mattermost_api.api.bots import create_bot as op
    from mattermost_api.models.bot import Bot

    response = await op.asyncio_detailed(
        client=mm.api, body=_bot_body(username, display_name, description)
    )
    return _model(response, Bot)


def create_bot_with_token(
    mm: SyncClient,
    username: str,
    *,
    display_name: str | None = None,
    description: str | None = None,
    token_description: str = "",
) -> tuple[Bot, AccessToken]:
    """A new bot and a token to act as it (``Mattermost(url, token.token)``)."""
    bot = create_bot(mm, username, display_name=display_name, description=description)
    token = create_token(mm, token_description or f"{username} token", user_id=str(bot.user_id))
    return bot, token


async def acreate_bot_with_token(
    mm: AsyncClient,
    username: str,
    *,
    display_name: str | None = None,
    description: str | None = None,
    token_description: str = "",
) -> tuple[Bot, AccessToken]:
    bot = await acreate_bot(mm, username, display_name=display_name, description=description)
    token = await acreate_token(
        mm, token_description or f"{username} token", user_id=str(bot.user_id)
    )
    return bot, token
