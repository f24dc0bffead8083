"""The facade: URL normalisation, env constructor, options, generated calls, sync and async."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from pathlib import Path

import certifi
import httpx
import pytest
from mattermost_api.api.system import get_ping
from mattermost_api.api.users import get_user, login
from mattermost_api.errors import UnexpectedStatus
from mattermost_api.models.login_body import LoginBody
from mattermost_api.models.user import User

from mattermost_ext import (
    DEFAULT_TIMEOUT,
    AsyncMattermost,
    Mattermost,
    NotFoundError,
    RetryPolicy,
    UnauthorizedError,
    UnexpectedResponseError,
    normalize_base_url,
)
from mattermost_ext.client import USER_AGENT
from mattermost_ext.errors import ConfigurationError
from tests.unit import _payloads as payloads

TOKEN = "tok3nvalue0123456789abcdef"
ME = payloads.user("u1", "alice")

Handler = Callable[[httpx.Request], httpx.Response]


def make(
    handler: Handler,
    token: str | None = TOKEN,
    url: str = "https://mm.example.com",
    **options: object,
) -> Mattermost:
    return Mattermost(
        url, token, transport=httpx.MockTransport(handler), sleep=lambda s: None, **options
    )  # type: ignore[arg-type]


def me_handler(seen: list[httpx.Request]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/api/v4/users/me"):
            return httpx.Response(200, json=ME)
        return httpx.Response(
            404,
            json={
                "id": "api.context.404.app_error",
                "message": "nope",
                "status_code": 404,
                "request_id": "rq",
            },
        )

    return handler


# --- URL normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://mm.example.com", "https://mm.example.com"),
        ("https://mm.example.com/", "https://mm.example.com"),
        ("https://MM.Example.com///", "https://mm.example.com"),
        ("  https://mm.example.com/  ", "https://mm.example.com"),
        ("https://mm.example.com/api/v4", "https://mm.example.com"),
        ("https://mm.example.com/api/v4/", "https://mm.example.com"),
        ("https://mm.example.com/API/V4/", "https://mm.example.com"),
        ("http://127.0.0.1:8065", "http://127.0.0.1:8065"),
        ("http://127.0.0.1:8065/api/v4", "http://127.0.0.1:8065"),
        ("https://host/chat", "https://host/chat"),
        ("https://host/chat/", "https://host/chat"),
        ("https://host/chat/api/v4", "https://host/chat"),
        ("https://host//chat//api/v4//", "https://host/chat"),
        ("HTTPS://host:8443/a/b", "https://host:8443/a/b"),
        ("http://[::1]:8065/", "http://[::1]:8065"),
        ("https://host/api/v4/api/v4", "https://host/api/v4"),
    ],
)
def test_normalize_base_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "mm.example.com",
        "localhost:8065",
        "ftp://mm.example.com",
        "ws://mm.example.com",
        "file:///etc/passwd",
        "https://",
        "https:///path",
        "https://user:secretpw@mm.example.com",
        "https://mm.example.com/?x=1",
        "https://mm.example.com/#frag",
        "https://mm.example.com:99999",
    ],
)
def test_normalize_base_url_rejects(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        normalize_base_url(bad)
    assert "secretpw" not in str(info.value)


def test_normalize_base_url_type() -> None:
    with pytest.raises(TypeError):
        normalize_base_url(b"https://x")  # type: ignore[arg-type]


def test_subpath_kept_in_requests() -> None:
    seen: list[httpx.Request] = []
    with make(me_handler(seen), url="https://host/chat/api/v4/") as mm:
        assert mm.url == "https://host/chat"
        mm.call(get_user.sync, user_id="me")
    assert str(seen[0].url) == "https://host/chat/api/v4/users/me"


# --- env constructor --------------------------------------------------------------------------


def test_from_env() -> None:
    env = {"MM_URL": "https://mm.example.com/api/v4", "MM_TOKEN": TOKEN}
    with Mattermost.from_env(env) as mm:
        assert mm.url == "https://mm.example.com"
        assert mm.token is not None and mm.token.reveal() == TOKEN


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MM_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("MM_TOKEN", TOKEN)
    monkeypatch.delenv("MM_CA_BUNDLE", raising=False)
    with Mattermost.from_env(retry=None) as mm:
        assert mm.url == "http://127.0.0.1:1"
        assert mm.retry_policy == RetryPolicy.none()


def test_from_env_missing_url() -> None:
    with pytest.raises(ValueError, match="MM_URL"):
        Mattermost.from_env({"MM_TOKEN": TOKEN})


def test_from_env_without_token_names_mm_token() -> None:
    with pytest.raises(ConfigurationError, match=r"MM_TOKEN is not set.*anonymous=True"):
        Mattermost.from_env({"MM_URL": "https://h"})
    with pytest.raises(ConfigurationError, match="MM_TOKEN"):
        AsyncMattermost.from_env({"MM_URL": "https://h", "MM_TOKEN": "  "})


def test_from_env_anonymous_on_purpose() -> None:
    with Mattermost.from_env({"MM_URL": "https://h"}, anonymous=True) as mm:
        assert mm.token is None


def test_from_env_ca_bundle(tmp_path: Path) -> None:
    env = {"MM_URL": "https://h", "MM_TOKEN": "t", "MM_CA_BUNDLE": certifi.where()}
    with Mattermost.from_env(env) as mm:
        assert isinstance(mm._verify, ssl.SSLContext)
    with pytest.raises(ValueError, match="CA bundle"):
        Mattermost.from_env({**env, "MM_CA_BUNDLE": str(tmp_path / "nope.pem")})


def test_async_from_env() -> None:
    async def main() -> None:
        async with AsyncMattermost.from_env({"MM_URL": "https://h/", "MM_TOKEN": TOKEN}) as mm:
            assert mm.url == "https://h"

    asyncio.run(main())


# --- options ----------------------------------------------------------------------------------


def test_defaults() -> None:
    with Mattermost("https://h", TOKEN) as mm:
        assert mm.http.timeout == DEFAULT_TIMEOUT
        assert DEFAULT_TIMEOUT.connect == 10.0 and DEFAULT_TIMEOUT.read == 30.0
        assert mm.http.headers["user-agent"] == USER_AGENT
        assert mm._verify is True
        assert mm.retry_policy == RetryPolicy.default()
        assert mm.http.follow_redirects is False


def test_timeout_and_verify_options() -> None:
    ctx = ssl.create_default_context()
    with Mattermost(
        "https://h", TOKEN, timeout=5, verify=ctx, headers={"X-A": "1"}, user_agent="me/1"
    ) as mm:
        assert mm.http.timeout == httpx.Timeout(5)
        assert mm._verify is ctx
        assert mm.http.headers["x-a"] == "1"
        assert mm.http.headers["user-agent"] == "me/1"
    with Mattermost("https://h", TOKEN, verify=False) as mm:
        assert mm._verify is False
    with Mattermost("https://h", TOKEN, verify=certifi.where()) as mm:
        assert isinstance(mm._verify, ssl.SSLContext)


def test_bearer_token_sent_and_replaceable() -> None:
    seen: list[httpx.Request] = []
    with make(me_handler(seen)) as mm:
        mm.call(get_user.sync, user_id="me")
        mm.set_token("another-token-0123456789")
        mm.call(get_user.sync, user_id="me")
        mm.set_token(None)
        mm.call(get_user.sync, user_id="me")
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert seen[1].headers["authorization"] == "Bearer another-token-0123456789"
    assert "authorization" not in seen[2].headers


def test_context_manager_closes() -> None:
    with make(me_handler([])) as mm:
        pass
    assert mm.http.is_closed and mm.closed
    mm.close()  # idempotent
    assert "closed" in repr(mm)


# --- generated calls --------------------------------------------------------------------------


def test_generated_sync_returns_model_and_raises_typed_errors() -> None:
    with make(me_handler([])) as mm:
        user = get_user.sync(client=mm.api, user_id="me")
        assert isinstance(user, User) and user.username == "alice"
        with pytest.raises(NotFoundError) as info:
            get_user.sync(client=mm.api, user_id="ghost")
        assert info.value.error_id == "api.context.404.app_error"
        assert info.value.request_id == "rq"


def test_call_narrows_and_translates() -> None:
    with make(me_handler([])) as mm:
        user = mm.call(get_user.sync, user_id="me")
        assert user.id == "u1"
        assert mm.me().username == "alice"
        with pytest.raises(TypeError):
            mm.call(lambda **kw: None)
        with pytest.raises(NotFoundError):
            mm.call(get_user.sync, user_id="ghost")


def _login_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=ME, headers={"Token": "sessiontoken0123456789ab"})


def _login_202(request: httpx.Request) -> httpx.Response:
    # A success status the spec does not document for this operation.
    return httpx.Response(202, json=ME, headers={"Token": "sessiontoken0123456789ab"})


def test_call_undocumented_success_status() -> None:
    body = LoginBody(login_id="alice", password="pw")
    with make(_login_202) as mm:
        assert login.sync(client=mm.api, body=body) is None  # the generated layer's view
        with pytest.raises(UnexpectedResponseError) as info:
            mm.call(login.sync, body=body)
        assert info.value.status == 202
    with make(_login_202, raise_on_unexpected_status=True) as mm:
        with pytest.raises(UnexpectedStatus):
            login.sync(client=mm.api, body=body)
        with pytest.raises(UnexpectedResponseError):
            mm.call(login.sync, body=body)


def test_raw_http_goes_through_the_same_stack() -> None:
    with make(me_handler([])) as mm:
        assert mm.http.get("/api/v4/users/me").json()["id"] == "u1"
        with pytest.raises(NotFoundError):
            mm.http.get("/api/v4/nothing")


def test_wrong_flavour_is_a_clear_error() -> None:
    with make(me_handler([])) as mm, pytest.raises(RuntimeError, match="AsyncMattermost"):
        asyncio.run(get_user.asyncio(client=mm.api, user_id="me"))


def test_login_and_logout() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v4/users/login":
            assert json.loads(request.content) == {
                "login_id": "alice",
                "password": "pw",
                "token": "123456",
            }
            return _login_ok(request)
        if request.url.path == "/api/v4/users/logout":
            return httpx.Response(200, json={"status": "OK"})
        return httpx.Response(200, json=ME)

    mm = Mattermost.login(
        "https://h", "alice", "pw", mfa_code="123456", transport=httpx.MockTransport(handler)
    )
    with mm:
        assert mm.session is not None and mm.session.user.id == "u1"
        assert mm.token is not None and mm.token.reveal() == "sessiontoken0123456789ab"
        mm.me()
        assert seen[-1].headers["authorization"] == "Bearer sessiontoken0123456789ab"
        mm.logout()
        assert mm.token is None


def test_login_failure_closes_and_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "id": "api.user.login.invalid_credentials_email_username",
                "message": "Enter a valid email or username and/or password.",
                "status_code": 401,
            },
        )

    with pytest.raises(UnauthorizedError) as info:
        Mattermost.login("https://h", "alice", "wrong", transport=httpx.MockTransport(handler))
    assert info.value.error_id == "api.user.login.invalid_credentials_email_username"
    assert "wrong" not in str(info.value)


# --- async ------------------------------------------------------------------------------------


def test_async_facade() -> None:
    seen: list[httpx.Request] = []

    async def main() -> None:
        async def no_sleep(_: float) -> None:
            return None

        calls = {"n": 0}

        def handler(request: httpx.Request) -> httpx.Response:
            calls["n"] += 1
            if calls["n"] == 1:
                return httpx.Response(503)
            return me_handler(seen)(request)

        async with AsyncMattermost(
            "https://h/api/v4", TOKEN, transport=httpx.MockTransport(handler), sleep=no_sleep
        ) as mm:
            user = await get_user.asyncio(client=mm.api, user_id="me")
            assert isinstance(user, User)
            assert (await mm.call(get_user.asyncio, user_id="me")).username == "alice"
            assert (await mm.me()).id == "u1"
            with pytest.raises(NotFoundError):
                await get_user.asyncio(client=mm.api, user_id="ghost")
            with pytest.raises(RuntimeError, match="Mattermost"):
                get_user.sync(client=mm.api, user_id="me")
            ping = await mm.http.get("/api/v4/users/me")
            assert ping.status_code == 200
        assert mm.http.is_closed
        assert calls["n"] == 6

    asyncio.run(main())
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in seen)


def test_async_login_logout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v4/users/login":
            return _login_ok(request)
        return httpx.Response(200, json={"status": "OK"})

    async def main() -> None:
        mm = await AsyncMattermost.login(
            "https://h", "alice", "pw", transport=httpx.MockTransport(handler)
        )
        async with mm:
            assert mm.token is not None
            await mm.logout()
            assert mm.token is None

    asyncio.run(main())


def test_generated_ping_untouched_model() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "OK"})

    with make(handler) as mm:
        assert mm.call(get_ping.sync) is not None


def test_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.com")
    with Mattermost("https://mm.example.com", TOKEN) as mm:
        assert mm._proxy == "http://proxy.local:3128"
    with Mattermost("https://mm.example.com", TOKEN, trust_env=False) as mm:
        assert mm._proxy is None
    with Mattermost("https://internal.example.com", TOKEN) as mm:
        assert mm._proxy is None
    with Mattermost("http://mm.example.com", TOKEN) as mm:
        assert mm._proxy is None
    with Mattermost("https://mm.example.com", TOKEN, proxy="http://other:1") as mm:
        assert mm._proxy == "http://other:1"


def test_a_bad_proxy_fails_when_the_client_is_built() -> None:
    """The httpx transport is built on the first request; its proxy is still checked at once."""
    with pytest.raises(ValueError, match="proxy"):
        Mattermost("https://chat.example.com", "t", proxy="ftp://proxy.example.com:21")
    with pytest.raises(ValueError, match="proxy"):
        AsyncMattermost("https://chat.example.com", "t", proxy="ftp://proxy.example.com:21")
