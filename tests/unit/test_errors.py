"""The exception tree and the one status translation."""

from __future__ import annotations

import builtins
import pickle
import time
from email.utils import formatdate

import httpx
import pytest
from mattermost_api.api.users import get_user
from mattermost_api.errors import UnexpectedStatus

import mattermost_ext
from mattermost_ext import errors
from mattermost_ext.errors import (
    ApiError,
    BadRequestError,
    ForbiddenError,
    MattermostError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    error_from_response,
    from_httpx_error,
    from_unexpected_status,
    parse_retry_after,
    raise_for_response,
)

REQ = httpx.Request("GET", "https://mm.example.com/api/v4/users/x")


def resp(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=REQ, **kwargs)  # type: ignore[arg-type]


MM_BODY = {
    "id": "app.user.missing_account.const",
    "message": "Unable to find the user.",
    "detailed_error": "resource: User id: x",
    "request_id": "req123",
    "status_code": 404,
    "is_oauth": False,
}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServerError),
        (501, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
        (405, ApiError),
        (409, ApiError),
        (413, ApiError),
        (418, ApiError),
    ],
)
def test_status_to_class(status: int, cls: type[ApiError]) -> None:
    err = error_from_response(resp(status, json=MM_BODY))
    assert type(err) is cls
    assert isinstance(err, ApiError) and isinstance(err, MattermostError)
    assert err.status == err.status_code == status


def test_mattermost_json_body() -> None:
    err = error_from_response(resp(404, json=MM_BODY))
    assert err.error_id == "app.user.missing_account.const"
    assert err.message == "Unable to find the user."
    assert err.detailed_error == "resource: User id: x"
    assert err.request_id == "req123"
    assert err.method == "GET" and err.url == "https://mm.example.com/api/v4/users/x"
    assert '"status_code": 404' in err.body or '"status_code":404' in err.body
    text = str(err)
    for part in (
        "404",
        "app.user.missing_account.const",
        "Unable to find the user.",
        "GET https://mm.example.com/api/v4/users/x",
        "request_id=req123",
    ):
        assert part in text


@pytest.mark.parametrize(
    ("content", "expected_message"),
    [
        (b"limit exceeded\n", "limit exceeded"),
        (b'{"id": "x", "message": "trunc', '{"id": "x", "message": "trunc'),
        (b"<html><body>502 Bad Gateway</body></html>", "<html><body>502 Bad Gateway</body></html>"),
        (b"[1, 2, 3]", "[1, 2, 3]"),
        (b'"just a string"', '"just a string"'),
        (b"\xff\xfe\x00garbage", "\ufffd\ufffd\x00garbage"),
        (b"", "Bad Gateway"),
        (b"   ", "Bad Gateway"),
    ],
)
def test_malformed_bodies_still_give_api_errors(content: bytes, expected_message: str) -> None:
    err = error_from_response(resp(502, content=content, headers={"X-Request-Id": "hdr-rid"}))
    assert isinstance(err, ServerError)
    assert err.error_id is None
    assert err.message == expected_message
    assert err.body == content.decode("utf-8", "replace")
    assert err.request_id == "hdr-rid"
    assert str(err).startswith("502")


def test_json_with_odd_types() -> None:
    err = error_from_response(resp(400, json={"id": 5, "message": None, "request_id": ""}))
    assert err.error_id == "5"
    assert err.request_id is None


def test_rate_limit_error_retry_after() -> None:
    err = error_from_response(
        resp(429, text="limit exceeded", headers={"Retry-After": "2", "X-Ratelimit-Reset": "5"})
    )
    assert isinstance(err, RateLimitError) and err.retry_after == 2.0
    err = error_from_response(resp(429, text="x", headers={"X-Ratelimit-Reset": "5"}))
    assert isinstance(err, RateLimitError) and err.retry_after == 5.0
    err = error_from_response(resp(429, text="x"))
    assert isinstance(err, RateLimitError) and err.retry_after is None


def test_parse_retry_after_forms() -> None:
    now = time.time()
    assert parse_retry_after({"retry-after": "1"}) == 1.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    date = formatdate(now + 30, usegmt=True)
    waited = parse_retry_after({"retry-after": date}, now=now)
    assert waited is not None and 28 <= waited <= 31
    assert parse_retry_after({"retry-after": "soon", "x-ratelimit-reset": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "-1", "x-ratelimit-reset": "3"}) == 3.0
    assert parse_retry_after({"x-ratelimit-reset": str(int(now) + 10)}, now=now) == pytest.approx(
        10, abs=1
    )
    assert parse_retry_after({"x-ratelimit-reset": "nan"}) is None
    assert parse_retry_after({"x-ratelimit-reset": "x"}) is None
    assert parse_retry_after({}) is None
    headers = httpx.Headers({"X-RateLimit-Reset": "4"})
    assert parse_retry_after(headers) == 4.0


def test_raise_for_response() -> None:
    raise_for_response(resp(200, json={}))
    raise_for_response(resp(201))
    raise_for_response(resp(304))
    with pytest.raises(ForbiddenError):
        raise_for_response(resp(403, json=MM_BODY))


def test_pickle_round_trip() -> None:
    err = error_from_response(resp(429, json=MM_BODY, headers={"Retry-After": "3"}))
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is RateLimitError
    assert (copy.status, copy.error_id, copy.retry_after, str(copy)) == (
        429,
        err.error_id,
        3.0,
        str(err),
    )


def test_other_errors_pickle() -> None:
    for err in (
        from_httpx_error(httpx.ReadTimeout("slow", request=REQ)),
        from_httpx_error(httpx.ConnectError("refused", request=REQ)),
        UnexpectedResponseError(200, "body"),
    ):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == str(err)


def test_response_without_request() -> None:
    err = error_from_response(httpx.Response(401, json=MM_BODY))
    assert isinstance(err, UnauthorizedError) and err.method is None and err.url is None


def test_transport_errors() -> None:
    cause = httpx.ConnectError("connection refused", request=REQ)
    err = from_httpx_error(cause)
    assert type(err) is TransportError and isinstance(err, MattermostError)
    assert "connection refused" in str(err) and "GET" in str(err)
    timeout = from_httpx_error(httpx.ReadTimeout("timed out", request=REQ))
    assert isinstance(timeout, errors.TimeoutError)
    assert isinstance(timeout, TransportError)
    assert isinstance(timeout, builtins.TimeoutError)


def test_transport_error_through_the_facade() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with mattermost_ext.Mattermost(
        "http://h", "t", transport=httpx.MockTransport(handler), retry=None
    ) as mm:
        with pytest.raises(TransportError) as info:
            get_user.sync(client=mm.api, user_id="me")
        assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_unexpected_status_translation() -> None:
    err = from_unexpected_status(UnexpectedStatus(404, b'{"id": "a.b", "message": "m"}'))
    assert isinstance(err, NotFoundError) and err.error_id == "a.b"
    ok = from_unexpected_status(UnexpectedStatus(200, b'{"x": 1}'))
    assert isinstance(ok, UnexpectedResponseError) and ok.status == 200 and '"x"' in ok.body


def test_builder_error_reexported() -> None:
    from mattermost_ext.attachments import BuilderError

    assert errors.BuilderError is BuilderError
    assert mattermost_ext.BuilderError is BuilderError


def test_tree_is_drawn_in_docstring() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        if name[0].isupper():
            assert name in doc, name
