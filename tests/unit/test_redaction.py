"""Tokens never show: reprs, DEBUG logs (httpx, httpcore, ours), exception texts, URLs."""

from __future__ import annotations

import contextlib
import logging
import pickle
import traceback

import httpx
import pytest
from mattermost_api.api.users import get_user

from mattermost_ext import (
    AccessToken,
    ApiError,
    LoginResult,
    Mattermost,
    Secret,
    UnauthorizedError,
)
from mattermost_ext._redact import mask, redact, redact_url
from mattermost_ext._transport import TokenAuth
from mattermost_ext.auth import create_token
from tests.unit import _payloads as payloads

TOKEN = "s3cr3ttok3nabcdefghijklmn"
SESSION = "sessi0ntok3nabcdefghijklm"


def test_secret() -> None:
    s = Secret(TOKEN)
    for text in (repr(s), str(s), f"{s}", f"{s!r}", repr([s]), repr({"t": s})):
        assert TOKEN not in text
    assert s.reveal() == TOKEN
    assert s == Secret(TOKEN) and s != Secret("other") and hash(s) == hash(Secret(TOKEN))
    assert bool(s) and not Secret("")
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]


def test_mask_and_redact() -> None:
    assert mask(TOKEN) == "***" + TOKEN[-4:]
    assert mask("short") == "***"
    assert mask(None) == "<none>"
    assert TOKEN not in redact(f"Bearer {TOKEN} and {TOKEN}", TOKEN)
    assert redact("nothing", None, "") == "nothing"


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        (f"https://h/api/v4/files/x/public?h={TOKEN}", TOKEN),
        (f"https://h/x?access_token={TOKEN}&page=1", TOKEN),
        (f"https://h/x?Token={TOKEN}", TOKEN),
        (f"https://user:{TOKEN}@h/x", TOKEN),
        (f"https://h/sub/hooks/{TOKEN}", TOKEN),  # incoming webhook id
        (f"https://h/hooks/commands/{TOKEN}", TOKEN),  # slash-command response_url
    ],
)
def test_redact_url(url: str, hidden: str) -> None:
    out = redact_url(url)
    assert hidden not in out and "***" in out


def test_hook_id_not_in_errors_of_the_facade() -> None:
    hook = "xk1n3s8pbfgy7nrzu5w9hookid"

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"id": "web.incoming_webhook.parse.app_error"})

    transport = httpx.MockTransport(refuse)
    with (
        Mattermost("https://mm.example.com", TOKEN, transport=transport) as mm,
        pytest.raises(ApiError) as info,
    ):
        mm.http.post(f"/hooks/{hook}", json={"text": "x"})
    assert hook not in str(info.value) and hook not in repr(info.value)
    assert "/hooks/***" in str(info.value.url)


def test_redact_url_keeps_harmless_queries() -> None:
    assert redact_url("https://h/x?page=1&per_page=2") == "https://h/x?page=1&per_page=2"


def _handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    auth = request.headers.get("authorization", "")
    if path == "/api/v4/users/login":
        return httpx.Response(200, json=payloads.user("u1"), headers={"Token": SESSION})
    if path.endswith("/tokens"):
        return httpx.Response(200, json=payloads.access_token("t1", "u1", token=TOKEN))
    if path == "/api/v4/users/flaky":
        return httpx.Response(429)
    if auth != f"Bearer {TOKEN}" and auth != f"Bearer {SESSION}":
        return httpx.Response(
            401,
            json={
                "id": "api.context.session_expired.app_error",
                "message": "Invalid or expired session",
                "status_code": 401,
            },
        )
    return httpx.Response(200, json=payloads.user("u1", "alice"))


def make(token: str | None = TOKEN) -> Mattermost:
    return Mattermost(
        "https://mm.example.com",
        token,
        transport=httpx.MockTransport(_handler),
        sleep=lambda s: None,
    )


def test_reprs_do_not_show_the_token() -> None:
    with make() as mm:
        texts = [
            repr(mm),
            str(mm),
            repr(mm.api),
            repr(mm.http),
            repr(mm.http.headers),
            repr(mm.token),
            repr(mm.http.auth),
            repr(TokenAuth(lambda: mm.token)),
            repr(vars(mm.api)) if hasattr(mm.api, "__dict__") else "",
        ]
        tok = create_token(mm, "d")
        texts += [repr(tok), str(tok)]
    login = LoginResult(user=_user(), token=Secret(SESSION))
    texts += [repr(login), str(login)]
    texts += [repr(AccessToken("i", "u", "d", Secret(TOKEN)))]
    for text in texts:
        assert TOKEN not in text and SESSION not in text, text
    assert tok.token.reveal() == TOKEN


def _user():  # type: ignore[no-untyped-def]
    from mattermost_api.models.user import User

    return User.from_dict(payloads.user("u1"))


def test_debug_logs_do_not_contain_the_token(caplog: pytest.LogCaptureFixture) -> None:
    with contextlib.ExitStack() as stack:
        stack.enter_context(caplog.at_level(logging.DEBUG))
        for name in ("httpx", "httpcore", "mattermost_ext"):
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name))
        mm = Mattermost.login(
            "https://mm.example.com",
            "alice",
            "pw-not-logged",
            transport=httpx.MockTransport(_handler),
            sleep=lambda s: None,
        )
        with mm:
            mm.me()
            mm.set_token(TOKEN)
            mm.me()
            create_token(mm, "d")
            with pytest.raises(Exception):  # noqa: B017 - a 429 after retries
                mm.http.get("/api/v4/users/flaky")
            mm.set_token("wrong-token-0123456789")
            with pytest.raises(UnauthorizedError):
                get_user.sync(client=mm.api, user_id="me")
    assert caplog.records, "expected DEBUG records"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        for secret in (TOKEN, SESSION, "pw-not-logged"):
            assert secret not in text, (record.name, record.getMessage())


def test_exception_texts_do_not_contain_the_token() -> None:
    with make("wrong-token-0123456789") as mm:
        mm.set_token(TOKEN + "x")
        with pytest.raises(UnauthorizedError) as info:
            mm.call(get_user.sync, user_id="me")
    err = info.value
    texts = [str(err), repr(err), repr(err.__dict__), "".join(traceback.format_exception(err))]
    for text in texts:
        assert TOKEN not in text
    assert err.error_id == "api.context.session_expired.app_error"
    assert "authorization" not in {k.lower() for k in err.headers}


def test_httpcore_header_trace_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """httpcore logs response headers at DEBUG; Mattermost's login answer has ``Token``."""
    import mattermost_ext  # noqa: F401 - installs the filter

    trace = (
        "receive_response_headers.complete return_value=(b'HTTP/1.1', 200, b'OK', "
        f"[(b'Content-Type', b'application/json'), (b'Token', b'{SESSION}'), "
        f"(b'Set-Cookie', b'MMAUTHTOKEN={SESSION}; Path=/'), (b'Vary', b'Accept')])"
    )
    with caplog.at_level(logging.DEBUG, logger="httpcore.http11"):
        logging.getLogger("httpcore.http11").debug(trace)
        logging.getLogger("httpcore.http11").debug("%s", trace)
    assert len(caplog.records) == 2
    for record in caplog.records:
        assert SESSION not in record.getMessage()
        assert "(b'Token', b'***')" in record.getMessage()
        assert "(b'Vary', b'Accept')" in record.getMessage()
