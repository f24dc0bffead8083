"""The generated namespaces: every operation of the generated spec is ``mm.<tag>.<name>`` and
``amm.<tag>.<name>`` with its generated function's parameters; lazy; one seam; clear errors."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mattermost_api.models.create_post_body import CreatePostBody
from mattermost_api.models.post import Post
from mattermost_api.models.user import User
from mattermost_api.namespaces import TAGS
from openapi_python_client.config import ConfigFile
from openapi_python_client.strings import PythonIdentifier

from mattermost_ext import AsyncMattermost, Mattermost, UnexpectedResponseError
from tests.unit import _payloads as payloads

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "generated" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def spec_operations() -> Iterator[tuple[str, str, str]]:
    """(tag, name, "METHOD path") for every operation of the generated spec, named as
    openapi-python-client names its modules."""
    prefix = ConfigFile.model_fields["field_prefix"].default
    document = json.loads(SPEC.read_text())
    for path, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                tag = str(PythonIdentifier((op.get("tags") or ["default"])[0], "tag"))
                yield tag, str(PythonIdentifier(op["operationId"], prefix)), f"{method} {path}"


def described(
    fn: Callable[..., Any], drop: tuple[str, ...], names: dict[str, Any]
) -> list[tuple[str, Any, Any, Any]]:
    """Name, kind, default and annotation of each parameter; a string annotation (the
    namespaces use ``from __future__ import annotations``) is evaluated in ``names``."""
    sig = inspect.signature(fn)
    return [
        (
            p.name,
            p.kind,
            p.default,
            eval(p.annotation, names) if isinstance(p.annotation, str) else p.annotation,
        )
        for p in sig.parameters.values()
        if p.name not in drop
    ]


def public_form(method: Callable[..., Any]) -> Callable[..., Any]:
    """The signature a user sees first: the model-body overload when there are overloads."""
    overloads = typing.get_overloads(getattr(method, "__func__", method))
    return overloads[0] if overloads else method


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[Mattermost, AsyncMattermost]]:
    mm = Mattermost("https://h", "t", transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    amm = AsyncMattermost("https://h", "t")
    yield mm, amm
    mm.close()
    asyncio.run(amm.aclose())


def test_every_operation_is_reachable_sync_and_async_with_the_generated_parameters(
    clients: tuple[Mattermost, AsyncMattermost],
) -> None:
    mm, amm = clients
    checked = 0
    for tag, name, where in spec_operations():
        module = importlib.import_module(f"mattermost_api.api.{tag}.{name}")
        names = vars(module)
        generated = described(module.sync_detailed, ("client",), names)
        for client, flavour in ((mm, "sync"), (amm, "async")):
            method = getattr(getattr(client, tag), name, None)
            assert method is not None, f"{where}: no {flavour} {tag}.{name}"
            mine = described(public_form(method), ("self",), names)
            assert mine == generated, f"{where} {flavour}"
            assert inspect.iscoroutinefunction(method) == (flavour == "async"), where
        checked += 1
    assert checked == len(list(spec_operations())) >= 528
    assert sorted(TAGS) == sorted({tag for tag, _, _ in spec_operations()})


def test_body_fields_form_matches_the_model(clients: tuple[Mattermost, AsyncMattermost]) -> None:
    mm, _ = clients
    first, fields = typing.get_overloads(type(mm.posts).create_post)
    names = [p for p in inspect.signature(fields).parameters if p != "self"]
    assert names[0] == "set_online"
    assert names[1:] == ["channel_id", "message", "root_id", "file_ids", "props", "metadata"]
    assert "body" in inspect.signature(first).parameters


def test_namespaces_are_lazy() -> None:
    code = (
        "import sys\n"
        "from mattermost_ext import Mattermost\n"
        "mm = Mattermost('https://h', 't')\n"
        "before = set(sys.modules)\n"
        "mm.users\n"
        "new = sorted(set(sys.modules) - before)\n"
        "print(new)\n"
        "print(sorted(m for m in sys.modules if m.startswith('mattermost_api.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert eval(out[0]) == ["mattermost_api.namespaces.users"]
    loaded = eval(out[1])
    assert not [
        m
        for m in loaded
        if m.startswith("mattermost_api.namespaces.")
        and m != ("mattermost_api.namespaces.users")
        and not m.endswith("._seam")
    ]
    assert not [m for m in loaded if m.startswith("mattermost_api.api.")]


def test_namespace_is_kept_on_the_client_and_operations_imported_once() -> None:
    """The second ``mm.users`` is a plain attribute read (the namespace sits in the client's
    ``__dict__``); each operation's generated function is imported on its first call, kept
    under its own name, and the next call uses the same function."""
    from mattermost_api.namespaces import users as users_module

    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=payloads.user())

    with _answer(handler) as mm, _answer(handler) as other:
        ns = mm.users
        assert mm.__dict__["users"] is ns and mm.users is ns
        assert other.users is not ns  # one namespace per client
        users_module._OPERATIONS.pop("get_user", None)
        mm.users.get_user("me")
        first = users_module._OPERATIONS["get_user"]
        from mattermost_api.api.users.get_user import sync_detailed

        assert first is sync_detailed
        mm.users.get_user("u1")
        other.users.get_user("u2")
        assert users_module._OPERATIONS["get_user"] is first
        assert "get_users_by_ids" not in users_module._OPERATIONS or (
            users_module._OPERATIONS["get_users_by_ids"] is not first
        )
    assert paths == ["/api/v4/users/me", "/api/v4/users/u1", "/api/v4/users/u2"]


def _answer(handler: Callable[[httpx.Request], httpx.Response]) -> Mattermost:
    return Mattermost("https://h", "tok", transport=httpx.MockTransport(handler), retry=None)


def test_sync_call_returns_the_success_model() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=payloads.user())

    with _answer(handler) as mm:
        me = mm.users.get_user("me")
    assert isinstance(me, User)
    assert seen[0].url.path == "/api/v4/users/me"
    assert seen[0].headers["Authorization"] == "Bearer tok"


def test_body_as_fields_or_as_model() -> None:
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json=payloads.post())

    with _answer(handler) as mm:
        a = mm.posts.create_post(channel_id="c1", message="hi")
        b = mm.posts.create_post(body=CreatePostBody(channel_id="c1", message="hi"))
    assert isinstance(a, Post) and isinstance(b, Post)
    assert bodies[0] == bodies[1] == {"channel_id": "c1", "message": "hi"}


def test_async_call() -> None:
    async def main() -> User:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, json=payloads.user()))
        async with AsyncMattermost("https://h", "t", transport=transport) as amm:
            return await amm.users.get_user("me")

    assert isinstance(asyncio.run(main()), User)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda mm: mm.users.get_user(userid="me"),
         r"users\.get_user\(\): got an unexpected keyword argument 'userid' \(did you mean "
         r"'user_id'\?\); its parameters are: user_id"),
        (lambda mm: mm.posts.create_post(channel_id="c", mesage="m"),
         r"posts\.create_post\(\) got an unexpected keyword argument 'mesage' \(did you mean "
         r"'message'\?\); the body fields of CreatePostBody are: channel_id, message"),
        (lambda mm: mm.posts.create_post(),
         r"posts\.create_post\(\) needs body=CreatePostBody\(\.\.\.\) or its fields"),
        (lambda mm: mm.posts.create_post(body=CreatePostBody("c", "m"), message="m"),
         r"pass body=CreatePostBody\(\.\.\.\) or its fields as keywords, not both"),
        (lambda mm: mm.posts.create_post(channel_id="c"),
         r"posts\.create_post\(\): CreatePostBody: .*missing 1 required .*'message'"),
    ],
)  # fmt: skip
def test_wrong_arguments_name_the_method_called(
    call: Callable[[Mattermost], Any], message: str
) -> None:
    with _answer(lambda r: httpx.Response(500)) as mm, pytest.raises(TypeError, match=message):
        call(mm)


def test_html_page_where_json_is_expected() -> None:
    page = "<!DOCTYPE html><html><head><title>Welcome</title></head><body>" + "x" * 500
    html = httpx.Response(200, text=page, headers={"Content-Type": "text/html"})
    with _answer(lambda r: html) as mm, pytest.raises(UnexpectedResponseError) as info:
        mm.users.get_user("me")
    err = info.value
    text = str(err)
    assert "users.get_user(): expected JSON, got 200 text/html: '<!DOCTYPE html>" in text
    assert "is this the Mattermost server's URL?" in text
    assert "GET https://h/api/v4/users/me" in text
    assert len(text) < 600 and err.body == page and err.content_type == "text/html"


def test_redirect_names_its_location() -> None:
    moved = httpx.Response(302, headers={"Location": "https://login.example.com/x"})
    with _answer(lambda r: moved) as mm, pytest.raises(UnexpectedResponseError) as info:
        mm.users.get_user("me")
    assert info.value.location == "https://login.example.com/x"
    assert "redirected to https://login.example.com/x" in str(info.value)
    assert "GET https://h/api/v4/users/me" in str(info.value)


def test_dead_client_is_a_clear_error() -> None:
    users = Mattermost("https://h", "t").users
    import gc

    gc.collect()
    with pytest.raises(RuntimeError, match="no longer exists"):
        users.get_user("me")


def test_listener_reuses_url_token_and_tls(tmp_path: Path) -> None:
    import ssl

    import certifi

    from mattermost_ext.aio_listener import AsyncListener
    from mattermost_ext.listener import Listener

    with Mattermost("https://chat.example.com/mm", "tok", verify=certifi.where()) as mm:
        listener = mm.listener(ping_interval=5.0)
        assert isinstance(listener, Listener)
        assert listener.url == "wss://chat.example.com/mm/api/v4/websocket"
        assert isinstance(listener._sslopt["context"], ssl.SSLContext)
        assert listener._http_client is mm.http
        assert "tok" not in repr(listener)
    with Mattermost("https://h", "t", verify=False) as mm:
        assert mm.listener()._sslopt == {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}

    async def main() -> AsyncListener:
        async with AsyncMattermost("https://h", "t") as amm:
            return amm.listener()

    assert isinstance(asyncio.run(main()), AsyncListener)


def test_listener_without_token_says_so() -> None:
    from mattermost_ext.errors import ConfigurationError

    with Mattermost("https://h") as mm, pytest.raises(ConfigurationError, match="needs a token"):
        mm.listener()


def test_connection_error_names_host_and_url() -> None:
    from mattermost_ext import TransportError

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    with _answer(refuse) as mm, pytest.raises(TransportError) as info:
        mm.users.get_user("me")
    assert info.value.url == "https://h/api/v4/users/me"
    assert str(info.value).startswith("cannot reach h: ConnectError: Connection refused")


def test_call_reports_a_wrong_keyword_against_the_function_given() -> None:
    from mattermost_api.api.users import get_user

    with _answer(lambda r: httpx.Response(500)) as mm, pytest.raises(TypeError) as info:
        mm.call(get_user.sync, userid="me")
    assert str(info.value) == (
        "users.get_user.sync(): got an unexpected keyword argument 'userid' (did you mean "
        "'user_id'?); its parameters are: user_id"
    )
    assert "sync_detailed" not in str(info.value)


def test_404_html_page_is_summarised() -> None:
    from mattermost_ext import NotFoundError

    page = "<html><head><title>404 Not Found</title></head><body>" + "<p>x</p>" * 400
    html = httpx.Response(404, text=page, headers={"Content-Type": "text/html"})
    with _answer(lambda r: html) as mm, pytest.raises(NotFoundError) as info:
        mm.users.get_user("me")
    text = str(info.value)
    assert "an HTML page" in text and "'404 Not Found'" in text
    assert "is this the Mattermost server's URL?" in text
    assert len(text) < 400 and info.value.body == page
