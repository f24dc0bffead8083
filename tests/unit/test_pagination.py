"""iter_pages and iter_channel_posts against in-memory fakes of Mattermost's semantics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mattermost_api.api.users import get_users

from mattermost_ext import (
    AsyncMattermost,
    Mattermost,
    aiter_channel_posts,
    aiter_pages,
    iter_channel_posts,
    iter_pages,
)
from tests.unit import _payloads as payloads

# --- iter_pages -------------------------------------------------------------------------------


Handler = Callable[[httpx.Request], httpx.Response]


def users_handler(total: int, log: list[dict[str, str]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        log.append(params)
        page, per_page = int(params["page"]), int(params["per_page"])
        start = page * per_page
        items = [
            payloads.user(f"u{i}", f"user{i}") for i in range(start, min(total, start + per_page))
        ]
        return httpx.Response(200, json=items)

    return handler


def mm_for(handler: Callable[[httpx.Request], httpx.Response]) -> Mattermost:
    return Mattermost("https://h", "t" * 26, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("total", "per_page", "requests"),
    [(0, 10, 1), (5, 10, 1), (10, 10, 2), (25, 10, 3), (450, 200, 3)],
)
def test_iter_pages_stops_on_short_page(total: int, per_page: int, requests: int) -> None:
    log: list[dict[str, str]] = []
    with mm_for(users_handler(total, log)) as mm:
        users = list(iter_pages(get_users.sync, client=mm, per_page=per_page, in_team="t1"))
    assert [u.id for u in users] == [f"u{i}" for i in range(total)]
    assert len(log) == requests
    assert all(p["in_team"] == "t1" for p in log)


def test_iter_pages_options() -> None:
    log: list[dict[str, str]] = []
    with mm_for(users_handler(100, log)) as mm:
        got = list(
            iter_pages(get_users.sync, client=mm.api, per_page=10, start_page=2, max_pages=3)
        )
    assert [u.id for u in got] == [f"u{i}" for i in range(20, 50)]
    with pytest.raises(ValueError):
        list(iter_pages(get_users.sync, per_page=201))
    with pytest.raises(ValueError):
        list(iter_pages(get_users.sync, per_page=0))


def test_iter_pages_needs_a_list() -> None:
    with pytest.raises(TypeError):
        list(iter_pages(lambda **kw: {"not": "a list"}))  # type: ignore[arg-type,return-value]


def test_aiter_pages() -> None:
    log: list[dict[str, str]] = []

    async def main() -> list[str]:
        async with AsyncMattermost(
            "https://h", "t", transport=httpx.MockTransport(users_handler(23, log))
        ) as mm:
            return [str(u.id) async for u in aiter_pages(get_users.asyncio, client=mm, per_page=10)]

    assert asyncio.run(main()) == [f"u{i}" for i in range(23)]
    assert len(log) == 3


# --- channel posts ----------------------------------------------------------------------------


class FakeChannel:
    """GET /api/v4/channels/{id}/posts as Mattermost answers it: `after`/`before` compare
    create_at strictly (ties excluded), ascending/descending, LIMIT per_page OFFSET page;
    without a cursor, newest first.  `order` is shuffled-ish to prove the client sorts."""

    def __init__(self) -> None:
        self.posts: dict[str, dict[str, Any]] = {}
        self.clock = 1_000
        self.requests: list[dict[str, str]] = []
        self.on_request: Callable[[FakeChannel], None] | None = None

    def add(self, n: int = 1, same_ms: bool = False) -> list[str]:
        ids = []
        for _ in range(n):
            if not same_ms:
                self.clock += 1
            pid = f"p{len(self.posts):05d}"
            self.posts[pid] = payloads.post(pid, "c1", pid, create_at=self.clock)
            ids.append(pid)
        return ids

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        if self.on_request is not None:
            self.on_request(self)
        page, per_page = int(params.get("page", 0)), int(params.get("per_page", 60))
        everything = sorted(self.posts.values(), key=lambda p: p["create_at"])
        if "after" in params:
            at = self.posts[params["after"]]["create_at"]
            chosen = [p for p in everything if p["create_at"] > at]
        elif "before" in params:
            at = self.posts[params["before"]]["create_at"]
            chosen = [p for p in reversed(everything) if p["create_at"] < at]
        else:
            chosen = list(reversed(everything))
        chosen = chosen[page * per_page : (page + 1) * per_page]
        order = [p["id"] for p in chosen]
        order = order[1::2] + order[0::2]
        body = {
            "order": order,
            "posts": {p["id"]: p for p in chosen},
            "next_post_id": "",
            "prev_post_id": "",
        }
        # a parent post outside `order`, as the server adds for replies
        if self.posts:
            first = next(iter(self.posts.values()))
            body["posts"][first["id"]] = first  # type: ignore[index]
        return httpx.Response(
            200, content=json.dumps(body), headers={"content-type": "application/json"}
        )


def walk(channel: FakeChannel, **kwargs: Any) -> list[str]:
    with mm_for(channel) as mm:
        return [str(p.id) for p in iter_channel_posts(mm, "c1", **kwargs)]


def test_forward_from_the_start() -> None:
    ch = FakeChannel()
    ids = ch.add(25)
    assert walk(ch, per_page=10) == ids


def test_forward_empty_channel() -> None:
    assert walk(FakeChannel(), per_page=10) == []


def test_forward_since() -> None:
    ch = FakeChannel()
    ids = ch.add(30)
    assert walk(ch, since_post_id=ids[4], per_page=7) == ids[5:]
    assert walk(ch, since_post_id=ids[-1], per_page=7) == []


def test_backward() -> None:
    ch = FakeChannel()
    ids = ch.add(23)
    assert walk(ch, direction="backward", per_page=5) == ids[::-1]
    assert walk(ch, direction="backward", since_post_id=ids[10], per_page=4) == ids[:10][::-1]


def test_forward_with_posts_arriving() -> None:
    ch = FakeChannel()
    ids = ch.add(35)

    def arrive(c: FakeChannel) -> None:
        if len(c.requests) <= 12:
            ids.extend(c.add(3))

    ch.on_request = arrive
    got = walk(ch, per_page=10)
    assert got == ids and len(got) == len(set(got))


def test_ties_on_the_page_boundary_are_not_lost() -> None:
    ch = FakeChannel()
    ids = ch.add(8)
    ids += ch.add(1)
    ids += ch.add(6, same_ms=True)  # 7 posts in one millisecond across a page boundary
    ids += ch.add(9)
    for per_page in (3, 4, 5, 10):
        got = walk(ch, per_page=per_page)
        assert sorted(got) == sorted(ids) and len(got) == len(ids), per_page
        got = walk(ch, per_page=per_page, direction="backward")
        assert sorted(got) == sorted(ids) and len(got) == len(ids), per_page


def test_whole_page_in_one_millisecond() -> None:
    ch = FakeChannel()
    ids = ch.add(2) + ch.add(1) + ch.add(11, same_ms=True) + ch.add(3)
    for per_page in (2, 3, 5):
        for direction in ("forward", "backward"):
            got = walk(ch, per_page=per_page, direction=direction)
            assert sorted(got) == sorted(ids) and len(got) == len(ids), (per_page, direction)


def test_oldest_group_tied() -> None:
    ch = FakeChannel()
    ids = ch.add(1) + ch.add(4, same_ms=True) + ch.add(5)
    assert sorted(walk(ch, per_page=2)) == sorted(ids)


def test_posts_are_models_and_requests_skip_threads() -> None:
    ch = FakeChannel()
    ch.add(3)
    with mm_for(ch) as mm:
        posts = list(iter_channel_posts(mm, "c1", per_page=2))
    assert posts[0].message == "p00000" and posts[0].create_at == 1001
    assert all(r.get("skipFetchThreads") == "true" for r in ch.requests)
    assert "since" not in str(ch.requests)


def test_bad_arguments() -> None:
    with mm_for(FakeChannel()) as mm:
        with pytest.raises(ValueError):
            list(iter_channel_posts(mm, "c1", direction="sideways"))  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            list(iter_channel_posts(mm, "c1", per_page=500))


def test_generated_client_accepted() -> None:
    ch = FakeChannel()
    ids = ch.add(4)
    with mm_for(ch) as mm:
        assert [p.id for p in iter_channel_posts(mm.api, "c1", per_page=3)] == ids


def test_async_channel_posts() -> None:
    ch = FakeChannel()
    ids = ch.add(17)

    async def main(**kwargs: Any) -> list[str]:
        async with AsyncMattermost("https://h", "t", transport=httpx.MockTransport(ch)) as mm:
            return [str(p.id) async for p in aiter_channel_posts(mm, "c1", **kwargs)]

    assert asyncio.run(main(per_page=4)) == ids
    assert asyncio.run(main(per_page=4, direction="backward")) == ids[::-1]
    assert asyncio.run(main(per_page=4, since_post_id=ids[7])) == ids[8:]
