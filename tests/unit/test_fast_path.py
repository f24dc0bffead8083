"""The fast path (issue 8) gives the same typed results as openapi-python-client's stock output.

scripts/codegen/templates/ makes models parse lazily, field by field (from_dict
makes a private copy of the JSON object the instance's __dict__; fields that need
parsing are parsed straight-line on first access) and endpoints decode
JSON with ``types.json_loads`` (orjson when installed). Here a slice of the
bundled spec (two operations and every schema they reach) is generated twice,
with the stock templates and with ours, and both are compared on realistic
Mattermost payloads (scripts/bench_payloads.py) and on edge cases: field by
field, through ``to_dict()``, and through the endpoint functions over an
``httpx.MockTransport``. The shipped package (generated/mattermost_api) is
compared too.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import bench_payloads
import httpx
import pytest
import yaml

from tests.unit._spec import REPO

SPEC = REPO / "generated" / "openapi.json"
TEMPLATES = REPO / "scripts" / "codegen" / "templates"
OPERATIONS = {
    "/api/v4/channels/{channel_id}/posts": "get",
    "/api/v4/users/{user_id}": "get",
}
CHANNEL_ID = "4xp9fdt77pncbef59f4k1qe83o"


def _slice(document: dict[str, Any]) -> dict[str, Any]:
    """The operations in OPERATIONS and every component they reach, transitively."""
    paths = {
        path: {OPERATIONS[path]: document["paths"][path][OPERATIONS[path]]} for path in OPERATIONS
    }
    components: dict[str, dict[str, Any]] = {}
    todo: list[Any] = [paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if name not in components.setdefault(kind, {}):
                    components[kind][name] = document["components"][kind][name]
                    todo.append(components[kind][name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    sliced = {k: v for k, v in document.items() if k not in ("paths", "components")}
    sliced["paths"] = paths
    sliced["components"] = components
    return sliced


def _generate(spec: Path, out: Path, package: str, templates: Path | None) -> None:
    config = yaml.safe_load((REPO / "scripts" / "codegen" / "config.yaml").read_text())
    config["project_name_override"] = config["package_name_override"] = package
    config_file = out.parent / f"{package}.yaml"
    config_file.write_text(yaml.safe_dump(config))
    bindir = Path(sys.executable).parent
    cmd = [
        str(bindir / "openapi-python-client"), "generate", "--path", str(spec),
        "--config", str(config_file), "--meta", "none", "--output-path", str(out / package),
    ]  # fmt: skip
    if templates is not None:
        cmd += ["--custom-template-path", str(templates)]
    env = {**os.environ, "PATH": str(bindir) + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0 and (out / package / "__init__.py").exists(), proc.stdout[-2000:]


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """{"stock": ..., "fast": ..., "shipped": ...}: the three packages, importable."""
    if not SPEC.exists():
        pytest.skip("generated/openapi.json not found (run scripts/generate.py)")
    if not (Path(sys.executable).parent / "openapi-python-client").exists():
        pytest.skip("openapi-python-client is not installed")
    root = tmp_path_factory.mktemp("fastpath")
    spec = root / "slice.json"
    spec.write_text(json.dumps(_slice(json.loads(SPEC.read_text()))))
    _generate(spec, root, "stock_mm", None)
    _generate(spec, root, "fast_mm", TEMPLATES)
    sys.path.insert(0, str(root))
    try:
        yield {
            "stock": importlib.import_module("stock_mm"),
            "fast": importlib.import_module("fast_mm"),
            "shipped": importlib.import_module("mattermost_api"),
        }
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] in ("stock_mm", "fast_mm")]:
            del sys.modules[name]


def model(packages: dict[str, ModuleType], which: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{packages[which].__name__}.models"), name)


def endpoint(packages: dict[str, ModuleType], which: str, tag: str, op: str) -> Any:
    return importlib.import_module(f"{packages[which].__name__}.api.{tag}.{op}")


def assert_same(fast: Any, stock: Any, where: str = "$") -> None:
    """Field by field: same classes (by name), same values, Unset where stock has Unset."""
    if attrs.has(type(stock)):
        assert type(fast).__name__ == type(stock).__name__, where
        for field in attrs.fields(type(stock)):
            assert_same(
                getattr(fast, field.name), getattr(stock, field.name), f"{where}.{field.name}"
            )
    elif isinstance(stock, list):
        assert isinstance(fast, list) and len(fast) == len(stock), where
        for i, (f, s) in enumerate(zip(fast, stock, strict=True)):
            assert_same(f, s, f"{where}[{i}]")
    elif isinstance(stock, dict):
        assert isinstance(fast, dict) and list(fast) == list(stock), where
        for key in stock:
            assert_same(fast[key], stock[key], f"{where}[{key!r}]")
    elif type(stock).__name__ == "Unset":
        assert type(fast).__name__ == "Unset", f"{where}: {fast!r} where stock is UNSET"
    else:
        assert type(fast) is type(stock) and fast == stock, f"{where}: {fast!r} != {stock!r}"


def page() -> dict[str, Any]:
    return bench_payloads.post_list(200)


def odd_page() -> dict[str, Any]:
    """Edge cases: absent optional fields, unknown fields at every level, nulls the spec
    allows, empty collections, non-ASCII text."""
    data = bench_payloads.post_list(12, seed=3)
    posts = list(data["posts"].values())
    posts[0]["metadata"] = {}
    posts[1].pop("metadata")
    posts[1].pop("props")
    posts[2]["message"] = "héllo 👋 «quoted» \u2028 line"
    posts[2]["metadata"]["future_field"] = {"nested": [1, 2, {"x": None}]}
    posts[3]["props"] = {"attachments": [], "deep": {"a": {"b": [None, True, 1.5]}}}
    posts[4]["file_ids"] = None
    posts[5]["metadata"]["reactions"] = []
    posts[6]["brand_new"] = 12345678901234567890
    data["unknown_top_level"] = ["kept"]
    return data


@pytest.mark.parametrize("make", [page, odd_page], ids=["realistic", "edge-cases"])
@pytest.mark.parametrize("which", ["fast", "shipped"])
def test_post_list_same_as_stock(packages: dict[str, ModuleType], which: str, make: Any) -> None:
    payload = make()
    stock = model(packages, "stock", "PostList").from_dict(copy.deepcopy(payload))
    fast = model(packages, which, "PostList").from_dict(copy.deepcopy(payload))
    assert fast.to_dict() == stock.to_dict() == payload
    fresh = model(packages, which, "PostList").from_dict(copy.deepcopy(payload))
    assert_same(fresh, stock)


@pytest.mark.parametrize("which", ["fast", "shipped"])
def test_user_same_as_stock(packages: dict[str, ModuleType], which: str) -> None:
    payload = bench_payloads.user()
    stock = model(packages, "stock", "User").from_dict(payload)
    fast = model(packages, which, "User").from_dict(payload)
    assert_same(fast, stock)
    assert fast.to_dict() == stock.to_dict() == payload


def _mock_client(package: ModuleType, routes: dict[str, bytes]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path)
        if body is None:
            error = {"id": "not_found", "message": "no", "status_code": 404}
            return httpx.Response(404, json=error)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    client = package.AuthenticatedClient(base_url="http://mm.test", token="t")
    client.set_httpx_client(
        httpx.Client(base_url="http://mm.test", transport=httpx.MockTransport(handler))
    )
    return client


@pytest.mark.parametrize("which", ["fast", "shipped"])
def test_endpoints_same_as_stock(packages: dict[str, ModuleType], which: str) -> None:
    routes = {
        f"/api/v4/channels/{CHANNEL_ID}/posts": bench_payloads.encode(page()),
        "/api/v4/users/me": bench_payloads.encode(bench_payloads.user()),
    }
    results = {}
    for side in ("stock", which):
        client = _mock_client(packages[side], routes)
        posts = endpoint(packages, side, "posts", "get_posts_for_channel").sync(
            CHANNEL_ID, client=client
        )
        me = endpoint(packages, side, "users", "get_user").sync("me", client=client)
        results[side] = (posts, me)
    for fast, stock in zip(results[which], results["stock"], strict=True):
        assert type(fast).__name__ == type(stock).__name__ != "NoneType"
        assert_same(fast, stock)
    detailed = endpoint(packages, which, "posts", "get_posts_for_channel").sync_detailed(
        CHANNEL_ID, client=_mock_client(packages[which], routes)
    )
    assert detailed.content == routes[f"/api/v4/channels/{CHANNEL_ID}/posts"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "b": [true, null, "x\\u00e9"]}',
        b'{"n": NaN, "i": Infinity}',  # json accepts these, orjson does not
        b'{"big": 18446744073709551615, "small": -9223372036854775808}',  # 64-bit limits
        '{"utf16": "ok"}'.encode("utf-16"),
        '{"bom": 1}'.encode("utf-8-sig"),
        b"  [1, 2.5, -3e2]  ",
    ],
)
def test_json_loads_matches_response_json(body: bytes) -> None:
    from mattermost_api.types import json_loads

    expected = httpx.Response(200, content=body).json()
    assert repr(json_loads(body)) == repr(expected)


def test_json_loads_integers_beyond_64_bits() -> None:
    """The one documented difference: orjson reads an integer beyond 64 bits (which a Go
    server cannot send: Go has no such integers) as a float; json keeps it exact."""
    from mattermost_api import types

    value = types.json_loads(b'{"big": 123456789012345678901234567890}')["big"]
    if types.JSON_BACKEND == "orjson":
        assert value == float(123456789012345678901234567890)
    else:
        assert value == 123456789012345678901234567890


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": }', b"\xff\xfe\x00"])
def test_json_loads_errors_like_response_json(body: bytes) -> None:
    from mattermost_api.types import json_loads

    with pytest.raises(ValueError) as stock:
        httpx.Response(200, content=body).json()
    with pytest.raises(ValueError) as fast:
        json_loads(body)
    assert type(fast.value) is type(stock.value)


def test_json_loads_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    from mattermost_api import types

    monkeypatch.setattr(types, "_backend", None)
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now fails
    assert types.json_loads(b'{"a": [1]}') == {"a": [1]}
    assert types.JSON_BACKEND == "json"
    monkeypatch.setattr(types, "_backend", None)  # the next call picks orjson again if present


def test_lazy_models_parse_on_access() -> None:
    from mattermost_api.models import Post, PostList, PostMetadata

    payload = page()
    first = payload["order"][0]
    posts = PostList.from_dict(payload)
    assert "posts" not in vars(posts)  # nested models: nothing parsed yet
    payload["next_post_id"] = "replaced after from_dict"  # the model keeps its own copy
    post = posts.posts[first]
    assert isinstance(post, Post) and "posts" in vars(posts)  # parsed once, then cached
    assert post.message == payload["posts"][first]["message"]
    assert "metadata" not in vars(post) and "root_id" in vars(post)  # per field
    # a free-form object (a union that cannot fail) is cheaper parsed at once than lazily
    assert "props" in vars(post) and post.props.to_dict() == payload["posts"][first]["props"]
    assert isinstance(post.metadata, PostMetadata)
    assert post.metadata is post.metadata
    # a small model whose fields mostly need parsing, read through its parent's field, has
    # them parsed in that one call (no reader call per field); the models inside stay lazy
    assert "embeds" in vars(post.metadata) and "reactions" in vars(post.metadata)
    assert "data" not in vars(post.metadata.embeds[0])
    # from_dict itself stays lazy, field by field
    alone = PostMetadata.from_dict(payload["posts"][first]["metadata"])
    assert "embeds" not in vars(alone) and alone.embeds == post.metadata.embeds
    assert posts.next_post_id == ""
    assert posts.first_inaccessible_post_time == 0  # declared since issue 12
    newer = PostList.from_dict({**page(), "a_newer_servers_field": 1})
    assert newer["a_newer_servers_field"] == 1  # additional property kept
    assert newer.additional_keys == ["a_newer_servers_field"]


def test_parsed_json_is_freed_and_copies_stay_independent() -> None:
    """Once a field is parsed, its JSON value leaves the side store (freed); a deleted
    field then reads as missing, as on a stock model; a shallow copy has its own side store,
    so reading a field on one copy never takes it from the other."""
    import copy

    from mattermost_api.models import Post, PostList

    payload = page()
    first = payload["order"][0]
    post = Post.from_dict(payload["posts"][first])
    twin = copy.copy(post)
    metadata = post.metadata
    assert repr(post.__dict__["_mm_raw"]["metadata"]) == "<parsed>"  # the JSON value freed
    assert twin.metadata == metadata and twin.metadata is not metadata
    del post.metadata
    with pytest.raises(AttributeError, match="metadata"):
        _ = post.metadata
    assert twin.metadata == metadata
    page_model = PostList.from_dict(payload)
    posts = page_model.posts
    assert posts[first] == Post.from_dict(payload["posts"][first])
    # the posts' JSON objects were copied into the Post models: the side store lets go of them
    assert first not in posts.__dict__["_mm_raw"]
    del posts.additional_properties
    with pytest.raises(AttributeError, match="additional_properties"):
        _ = posts.additional_properties
    assert pickle.loads(pickle.dumps(twin)) == twin


def test_write_before_read_is_kept() -> None:
    from mattermost_api.models import Post

    raw = next(iter(page()["posts"].values()))
    post = Post.from_dict(raw)
    post.message = "edited"  # the first touch is a write
    assert post.message == "edited"
    assert post.to_dict() == {**raw, "message": "edited"}


def test_equality_repr_pickle_copy_evolve() -> None:
    from mattermost_api.models import PostList
    from mattermost_api.types import UNSET

    payload = page()
    a, b = PostList.from_dict(payload), PostList.from_dict(payload)
    assert a == b  # both unloaded
    assert pickle.loads(pickle.dumps(PostList.from_dict(payload))) == a
    assert copy.deepcopy(PostList.from_dict(payload)) == a
    assert copy.copy(PostList.from_dict(payload)) == a
    assert repr(PostList.from_dict(payload)) == repr(a)
    assert attrs.evolve(PostList.from_dict(payload), next_post_id="x").next_post_id == "x"
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET and copy.deepcopy(UNSET) is UNSET
    assert a != PostList.from_dict({**payload, "has_next": False})


def test_missing_attribute_and_required_field() -> None:
    from mattermost_api.models import Post, PostList

    lazy = PostList.from_dict(page())
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lazy.nope  # noqa: B018
    assert isinstance(lazy.order, list)  # still usable after the AttributeError
    required = [f.name for f in attrs.fields(Post) if f.default is attrs.NOTHING]
    if required:  # a missing required key fails in from_dict, as in stock
        with pytest.raises(KeyError):
            Post.from_dict({})
    with pytest.raises(TypeError):
        PostList.from_dict(None)  # type: ignore[arg-type]


def test_concurrent_first_access() -> None:
    """Threads reading one model's fields for the first time at once all get the same
    values (threads switch every microsecond here, so the first reads interleave)."""
    from mattermost_api.models import PostList

    payload = page()
    expected = PostList.from_dict(payload).to_dict()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(20):
            shared = PostList.from_dict(payload)
            seen: list[Any] = []
            barrier = threading.Barrier(6)

            def read(target: Any = shared, sink: list[Any] = seen, start: Any = barrier) -> None:
                start.wait()
                sink.append(target.to_dict())

            threads = [threading.Thread(target=read) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert seen == [expected] * 6
    finally:
        sys.setswitchinterval(interval)


def test_import_stays_light() -> None:
    """Importing an endpoint loads neither orjson nor the models it does not name."""
    code = (
        "import sys\n"
        "from mattermost_api import AuthenticatedClient\n"
        "from mattermost_api.api.users import get_user\n"
        "AuthenticatedClient(base_url='http://x', token='t')\n"
        "models = [m for m in sys.modules if m.startswith('mattermost_api.models.')]\n"
        "print('orjson' in sys.modules, len(models))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "generated")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert out[0] == "False"
    assert int(out[1]) <= 4, out


def _one_post() -> dict[str, Any]:
    return copy.deepcopy(next(iter(page()["posts"].values())))


@pytest.mark.parametrize(
    ("field", "bad"),
    [("metadata", "not an object"), ("metadata", ["a", "list"]), ("metadata", {"reactions": 5})],
)
def test_wrong_types_fail_when_read(packages: dict[str, ModuleType], field: str, bad: Any) -> None:
    """A value of the wrong JSON type fails (stock: in from_dict; here: when first read),
    and keeps failing: a failed parse caches nothing."""
    raw = {**_one_post(), field: bad}
    with pytest.raises((TypeError, ValueError, AttributeError)):
        stock = model(packages, "stock", "Post").from_dict(copy.deepcopy(raw))
        stock.metadata.reactions  # noqa: B018
    for which in ("fast", "shipped"):
        post = model(packages, which, "Post").from_dict(raw)
        assert post.message == raw["message"]  # the other fields still read
        for _ in range(2):
            with pytest.raises((TypeError, ValueError)):
                value = getattr(post, field)
                value.reactions  # noqa: B018


def test_wrong_shape_inside_a_field_names_it() -> None:
    from mattermost_api.models import Post

    # (props is nullable since the Go-nullability corrections: the stock union parse passes a
    # non-object through, so the nested model field `metadata` carries this check)
    post = Post.from_dict({**_one_post(), "metadata": "text"})
    with pytest.raises((TypeError, ValueError)):
        post.metadata  # noqa: B018
    from mattermost_api.models import PostList

    with pytest.raises(ValueError) as info:  # as stock's dict("nope")
        PostList.from_dict({**page(), "posts": "nope"}).posts  # noqa: B018
    assert "PostList.posts: the server's value does not match the spec" in info.value.__notes__


def test_small_model_read_through_its_parent_keeps_every_guarantee() -> None:
    """Post.metadata is made by one call that parses its fields (types.mm_parsed): what it
    gives equals the lazy from_dict field by field; a field that does not parse fails
    when that field is read, naming it, and keeps failing; keys the spec does not declare
    stay additional properties; a missing required key fails as in from_dict; a deleted
    field is missing; copies and pickles are equal."""
    from mattermost_api.models import Post, PostMetadata
    from mattermost_api.types import UNSET

    for raw in page()["posts"].values():
        eager = Post.from_dict(raw).metadata
        lazy = PostMetadata.from_dict(raw["metadata"])
        assert isinstance(eager, PostMetadata)
        for field in attrs.fields(PostMetadata):
            assert getattr(eager, field.name) == getattr(lazy, field.name), field.name
        assert eager.to_dict() == lazy.to_dict() == raw["metadata"]
        assert eager == lazy and pickle.loads(pickle.dumps(eager)) == eager
        assert copy.copy(eager) == eager and copy.deepcopy(eager) == eager

    metadata = {**_one_post()["metadata"], "reactions": 5, "a_newer_field": [1]}
    post = Post.from_dict({**_one_post(), "metadata": metadata})
    read = post.metadata
    assert read.embeds == PostMetadata.from_dict(metadata).embeds  # the others are there
    assert read.emojis is UNSET and read["a_newer_field"] == [1]
    assert read.additional_properties == {"a_newer_field": [1]}
    for _ in range(2):
        with pytest.raises(TypeError) as info:  # stock: iterating over 5
            read.reactions  # noqa: B018
        assert "PostMetadata.reactions: the server's value does not match the spec" in (
            info.value.__notes__
        )
    assert read.additional_keys == ["a_newer_field"]  # (to_dict reads reactions: it raises)

    from mattermost_api.types import mm_parsed

    without_id = {k: v for k, v in _one_post().items() if k != "id"}
    without_two = {k: v for k, v in _one_post().items() if k not in ("user_id", "create_at")}
    for make in (Post.from_dict, lambda d: mm_parsed(Post, d)):  # a required key is missing
        with pytest.raises(KeyError, match="'id'"):
            make(without_id)
        with pytest.raises(KeyError, match="'create_at'"):  # the first one, in spec order
            make(without_two)
    with pytest.raises((TypeError, ValueError)):  # not an object: the errors of from_dict
        mm_parsed(PostMetadata, ["a", "list"])  # type: ignore[arg-type]
    gone = Post.from_dict(_one_post()).metadata
    del gone.embeds
    with pytest.raises(AttributeError, match="no attribute 'embeds'"):
        gone.embeds  # noqa: B018


@pytest.mark.parametrize(
    "extra",
    [
        {"to_dict": 1},
        {"from_dict": "x", "additional_properties": {"a": 1}},
        {"__deepcopy__": None, "__reduce_ex__": 2, "__getstate__": 3},
        {"_mm_raw": None},
        {"type_": "shadow of the python name of 'type'"},
    ],
    ids=["to_dict", "from_dict+additional_properties", "copy-hooks", "internal", "renamed"],
)
def test_keys_that_could_shadow_are_only_data(
    packages: dict[str, ModuleType], extra: dict[str, Any]
) -> None:
    """A newer server's key that is also a method or internal name changes nothing."""
    raw = {**_one_post(), **extra}
    stock = model(packages, "stock", "Post").from_dict(copy.deepcopy(raw))
    post = model(packages, "shipped", "Post").from_dict(raw)
    assert_same(post, stock)
    assert post.to_dict() == stock.to_dict() == raw
    assert post.type_ == raw["type"]
    for key, value in extra.items():
        assert post[key] == value
    assert copy.deepcopy(post) == post == pickle.loads(pickle.dumps(post))


@pytest.mark.parametrize("make", [page, odd_page], ids=["realistic", "edge-cases"])
def test_each_field_alone_same_as_stock(packages: dict[str, ModuleType], make: Any) -> None:
    """Every field read first, on a fresh model: the same value as stock (no field
    depends on another having been read)."""
    payload = make()
    for raw in payload["posts"].values():
        stock = model(packages, "stock", "Post").from_dict(copy.deepcopy(raw))
        for field in attrs.fields(type(stock)):
            fresh = model(packages, "fast", "Post").from_dict(raw)
            assert_same(getattr(fresh, field.name), getattr(stock, field.name), field.name)
        fresh = model(packages, "fast", "Post").from_dict(raw)
        fresh["added"] = 1
        assert fresh.to_dict() == {**raw, "added": 1}


def test_absent_optional_and_deleted_fields() -> None:
    from mattermost_api.models import Post
    from mattermost_api.types import UNSET

    raw = _one_post()
    raw.pop("props")
    raw.pop("hashtag", None)
    post = Post.from_dict(raw)
    assert post.props is UNSET and post.hashtag is UNSET
    built = Post(**{f.name: getattr(post, f.name) for f in attrs.fields(Post) if f.init})
    built.additional_properties.update(post.additional_properties)
    assert built == post and built.to_dict() == raw
    del built.message
    with pytest.raises(AttributeError, match="no attribute 'message'"):
        built.message  # noqa: B018


def test_shape_cache_keeps_every_check() -> None:
    """from_dict checks the required and the shadowing keys once per key tuple: a later
    object with other keys is checked again, a shadowing object is never remembered, and
    the cache stays bounded."""
    from mattermost_api.models import Post
    from mattermost_api.models import post as post_module
    from mattermost_api.types import SHAPES_MAX, UNSET

    raw = _one_post()
    assert Post.from_dict(raw).message == raw["message"]
    assert tuple(raw) in post_module._SHAPES
    missing = {k: v for k, v in raw.items() if k != "user_id"}
    for _ in range(2):
        with pytest.raises(KeyError, match="user_id"):
            Post.from_dict(missing)
    raw.pop("file_ids", None)
    shadow = {**raw, "to_dict": 1, "hashtag": "#x"}
    for _ in range(2):  # the same keys twice: still the side-store path, never cached
        post = Post.from_dict(shadow)
        assert post["to_dict"] == 1 and post.to_dict() == shadow
        assert post.hashtag == "#x" and post.message == raw["message"]
        assert post.original_id == raw["original_id"] and post.file_ids is UNSET
    assert tuple(shadow) not in post_module._SHAPES
    for i in range(SHAPES_MAX + 10):
        assert Post.from_dict({**raw, f"extra_{i}": i})[f"extra_{i}"] == i
    assert len(post_module._SHAPES) <= SHAPES_MAX


def test_absent_fields_read_unset_without_a_reader() -> None:
    """Absent optional fields read as UNSET (the class default for fields read as they are,
    a preset for the side-store ones) and none of them lands in to_dict or the extras."""
    from mattermost_api.models import Post, PostMetadata
    from mattermost_api.types import UNSET

    raw = _one_post()
    raw.pop("original_id")
    post = Post.from_dict(raw)
    assert post.original_id is UNSET and post.hashtag is UNSET and post.remote_id is UNSET
    assert "original_id" not in vars(post)  # nothing stored for it
    metadata = PostMetadata.from_dict({"reactions": [], "a_new_key": 1})
    assert metadata.embeds is UNSET and metadata.files is UNSET and metadata.reactions == []
    assert metadata.to_dict() == {"reactions": [], "a_new_key": 1}
    assert metadata.additional_properties == {"a_new_key": 1}
    assert post.to_dict() == raw and post.additional_properties == {}


def test_attrs_decorates_a_model_on_first_need() -> None:
    """Decoding and reading a response needs no attrs: it is imported (and a model's attrs
    methods written) on the first constructor call, repr, ==, attrs API or signature."""
    code = (
        "import sys, inspect\n"
        "sys.path.insert(0, 'scripts')\n"
        "import bench_payloads as bp\n"
        "from mattermost_api.models import Post, PostList, Emoji\n"
        "page = PostList.from_dict(bp.post_list(20))\n"
        "post = page.posts[page.order[0]]\n"
        "_ = post.message, post.props, post.metadata, post.metadata.reactions\n"
        "print('attrs' in sys.modules)\n"
        "print(str(inspect.signature(Emoji)))\n"
        "import attrs\n"
        "print([f.name for f in attrs.fields(Post)][:2])\n"
        "e = Emoji(id='e', creator_id='u', name='n', create_at=1, update_at=2, delete_at=0)\n"
        "print(e == attrs.evolve(e), e != attrs.evolve(e, name='m'), repr(e)[:13])\n"
        "match e:\n"
        "    case Emoji(i, c):\n"
        "        print(i, c)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "False"  # from_dict and reads: attrs not imported
    assert out[1].startswith("(id: 'str', creator_id: 'str', name: 'str'")
    assert out[2] == "['id', 'create_at']"
    assert out[3] == "True True Emoji(id='e',"
    assert out[4] == "e u"


def test_first_attrs_use_from_many_threads() -> None:
    """Threads that build, compare and print a model class nobody used yet all get attrs'
    methods (decorated once, under a lock)."""
    from mattermost_api.models.reaction import Reaction

    fields = {"user_id": "u", "post_id": "p", "emoji_name": "+1", "create_at": 1}
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            a, b = Reaction(**fields), Reaction(**fields)
            results.append(f"{a == b} {repr(a)[:9]}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == ["True Reaction("] * 8
    assert attrs.has(Reaction) and "__attrs_attrs__" in vars(Reaction)
