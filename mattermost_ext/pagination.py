"""Iterating over paged endpoints and over a channel's posts.

``iter_pages`` drives any generated ``page``/``per_page`` function::

    from mattermost_api.api.users import get_users
    for user in iter_pages(get_users.sync, client=mm, in_team=team_id):
        ...

It stops at the first short page (Mattermost caps ``per_page`` at 200; asking for more
would make every page look short, hence the ``ValueError``).

``iter_channel_posts`` walks a channel with ``before``/``after`` post-id cursors rather than
``page`` offsets (which shift when posts arrive) or ``since`` (which ignores ``per_page`` and
returns edits too)::

    for post in iter_channel_posts(mm, channel_id):                       # oldest -> newest
    for post in iter_channel_posts(mm, channel_id, since_post_id=last_id):  # only newer ones
    for post in iter_channel_posts(mm, channel_id, direction="backward"): # newest -> oldest

Forward iteration ends at the first short page, so posts created while it runs are included
(none twice, none missed); backward iteration yields the posts older than its first page.
Mattermost compares ``create_at`` (milliseconds) strictly, so posts sharing the boundary
post's ``create_at`` would be lost by a naive cursor; the walker moves its cursor to the last
post *before* the boundary millisecond and de-duplicates the boundary group instead.
Forward iteration without ``since_post_id`` first walks backward to find the oldest post
(one extra pass of requests, constant memory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from .errors import UnexpectedResponseError

if TYPE_CHECKING:
    from mattermost_api.client import AuthenticatedClient
    from mattermost_api.models.app_error import AppError
    from mattermost_api.models.post import Post

    from ._client_protocol import AsyncClient, SyncClient

__all__ = [
    "MAX_PER_PAGE",
    "aiter_channel_posts",
    "aiter_pages",
    "iter_channel_posts",
    "iter_pages",
]

T = TypeVar("T")

MAX_PER_PAGE = 200
"""Mattermost's cap on ``per_page`` (larger values are silently lowered by the server)."""

Direction = Literal["forward", "backward"]


def _check_per_page(per_page: int) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")


def _client_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``client=mm`` (a facade) -> ``client=mm.api`` (the generated client it holds)."""
    from mattermost_api.client import AuthenticatedClient

    api = getattr(kwargs.get("client"), "api", None)
    if isinstance(api, AuthenticatedClient):
        kwargs = {**kwargs, "client": api}
    return kwargs


def _page_items(result: object, fn: object, page: int) -> list[Any]:
    if isinstance(result, list):
        return result
    if result is None:
        raise UnexpectedResponseError(0, f"{getattr(fn, '__module__', fn)} page {page}: no model")
    raise TypeError(
        f"{getattr(fn, '__module__', fn)} did not return a list "
        f"(got {type(result).__name__}); iter_pages needs a list endpoint"
    )


def iter_pages(
    fn: Callable[..., AppError | list[T] | None],
    *,
    per_page: int = MAX_PER_PAGE,
    start_page: int = 0,
    max_pages: int | None = None,
    **kwargs: Any,
) -> Iterator[T]:
    """Items of every page of a generated ``sync`` list function, page after page.

    ``kwargs`` go to ``fn`` (``client=`` may be the facade or ``mm.api``).  Stops after the
    first page shorter than ``per_page`` (or after ``max_pages`` pages).
    """
    _check_per_page(per_page)
    kwargs = _client_kwargs(kwargs)
    page = start_page
    pages = 0
    while max_pages is None or pages < max_pages:
        items = _page_items(fn(page=page, per_page=per_page, **kwargs), fn, page)
        yield from items
        pages += 1
        if len(items) < per_page:
            return
        page += 1


async def aiter_pages(
    fn: Callable[..., Awaitable[AppError | list[T] | None]],
    *,
    per_page: int = MAX_PER_PAGE,
    start_page: int = 0,
    max_pages: int | None = None,
    **kwargs: Any,
) -> AsyncIterator[T]:
    """:func:`iter_pages` for a generated ``asyncio`` function."""
    _check_per_page(per_page)
    kwargs = _client_kwargs(kwargs)
    page = start_page
    pages = 0
    while max_pages is None or pages < max_pages:
        items = _page_items(await fn(page=page, per_page=per_page, **kwargs), fn, page)
        for item in items:
            yield item
        pages += 1
        if len(items) < per_page:
            return
        page += 1


# ---------------------------------------------------------------------------------------------
# channel posts


def _key(post: dict[str, Any]) -> tuple[int, str]:
    return (int(post.get("create_at") or 0), str(post.get("id") or ""))


class _Walker:
    """The cursor logic shared by the sync and async post iterators (no I/O)."""

    def __init__(
        self,
        channel_id: str,
        cursor: str | None,
        forward: bool,
        per_page: int,
        include_deleted: bool,
    ) -> None:
        self.path = f"/api/v4/channels/{channel_id}/posts"
        self.cursor = cursor
        self.forward = forward
        self.per_page = per_page
        self.include_deleted = include_deleted
        self.page = 0
        self.seen: set[str] = set()
        self.done = False

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "per_page": self.per_page,
            "page": self.page,
            "skipFetchThreads": "true",
        }
        if self.include_deleted:
            params["include_deleted"] = "true"
        if self.cursor is not None:
            params["after" if self.forward else "before"] = self.cursor
        return params

    def feed(self, body: Any) -> list[dict[str, Any]]:
        """Posts (as dicts) to yield from one answer; moves the cursor."""
        if not isinstance(body, dict):
            raise UnexpectedResponseError(200, f"not a post list: {str(body)[:200]}")
        order = body.get("order") or []
        posts = body.get("posts") or {}
        page = [posts[i] for i in order if i in posts]
        page.sort(key=_key, reverse=not self.forward)
        seen = self.seen
        fresh = [p for p in page if p.get("id") not in seen] if seen else list(page)
        if len(order) < self.per_page:
            self.done = True
            if page:
                self.cursor = str(page[-1]["id"])
            return fresh
        # sorted by (create_at, id): the posts of the boundary millisecond (the last one's)
        # are the tail of the page, page[cut:]
        edge = _key(page[-1])[0]
        cut = len(page) - 1
        while cut > 0 and _key(page[cut - 1])[0] == edge:
            cut -= 1
        if cut:
            # Restart from the last post before the boundary millisecond; the boundary
            # group comes again and is filtered by `seen`.
            self.cursor = str(page[cut - 1]["id"])
            self.page = 0
            self.seen = {str(p["id"]) for p in page[cut:]}
        else:
            # A whole page in one millisecond: keep the cursor, take the next offset.
            self.page += 1
            self.seen |= {str(p["id"]) for p in page}
        return fresh


def _json(response: httpx.Response) -> Any:
    """The body decoded as ``response.json()`` does, with the generated layer's faster
    decoder (orjson when installed; issue 16)."""
    from mattermost_api.types import json_loads

    return json_loads(response.content)


def _post_type() -> type[Post]:
    """The generated ``Post`` model (imported on the first walk, not with this module)."""
    from mattermost_api.models.post import Post

    return Post


def _oldest_first_sync(
    http: httpx.Client, channel_id: str, per_page: int, include_deleted: bool
) -> list[dict[str, Any]]:
    """The oldest millisecond's posts of the channel (walking backward)."""
    walker = _Walker(channel_id, None, False, per_page, include_deleted)
    oldest: list[dict[str, Any]] = []
    while not walker.done:
        got = walker.feed(_json(http.get(walker.path, params=walker.params())))
        if got:
            edge = _key(got[-1])[0]
            if not oldest or edge < _key(oldest[0])[0]:
                oldest = []
            oldest.extend(p for p in got if _key(p)[0] == edge)
    oldest.sort(key=_key)
    return oldest


def _http_of(client: SyncClient | AuthenticatedClient) -> httpx.Client:
    from mattermost_api.client import AuthenticatedClient

    if isinstance(client, AuthenticatedClient):
        return client.get_httpx_client()
    return client.http


def iter_channel_posts(
    client: SyncClient | AuthenticatedClient,
    channel_id: str,
    *,
    since_post_id: str | None = None,
    direction: Direction = "forward",
    per_page: int = MAX_PER_PAGE,
    include_deleted: bool = False,
) -> Iterator[Post]:
    """The channel's posts, replies included, one by one (see the module docstring).

    ``direction="forward"``: oldest to newest, starting after ``since_post_id`` (or at the
    channel's first post).  ``"backward"``: newest to oldest, starting before
    ``since_post_id`` (or at the newest post).
    """
    _check_per_page(per_page)
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
    http = _http_of(client)
    forward = direction == "forward"
    walker = _Walker(channel_id, since_post_id, forward, per_page, include_deleted)
    post = _post_type().from_dict
    if forward and since_post_id is None:
        first = _oldest_first_sync(http, channel_id, per_page, include_deleted)
        if not first:
            return  # an empty channel: no post to anchor the cursor to
        for data in first:
            yield post(data)
        walker.cursor = str(first[-1]["id"])
    while not walker.done:
        for data in walker.feed(_json(http.get(walker.path, params=walker.params()))):
            yield post(data)


async def _oldest_first_async(
    http: httpx.AsyncClient, channel_id: str, per_page: int, include_deleted: bool
) -> list[dict[str, Any]]:
    walker = _Walker(channel_id, None, False, per_page, include_deleted)
    oldest: list[dict[str, Any]] = []
    while not walker.done:
        got = walker.feed(_json(await http.get(walker.path, params=walker.params())))
        if got:
            edge = _key(got[-1])[0]
            if not oldest or edge < _key(oldest[0])[0]:
                oldest = []
            oldest.extend(p for p in got if _key(p)[0] == edge)
    oldest.sort(key=_key)
    return oldest


async def aiter_channel_posts(
    client: AsyncClient | AuthenticatedClient,
    channel_id: str,
    *,
    since_post_id: str | None = None,
    direction: Direction = "forward",
    per_page: int = MAX_PER_PAGE,
    include_deleted: bool = False,
) -> AsyncIterator[Post]:
    """:func:`iter_channel_posts` for :class:`~mattermost_ext.AsyncMattermost`."""
    from mattermost_api.client import AuthenticatedClient

    _check_per_page(per_page)
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
    http = (
        client.get_async_httpx_client() if isinstance(client, AuthenticatedClient) else client.http
    )
    forward = direction == "forward"
    walker = _Walker(channel_id, since_post_id, forward, per_page, include_deleted)
    post = _post_type().from_dict
    if forward and since_post_id is None:
        first = await _oldest_first_async(http, channel_id, per_page, include_deleted)
        if not first:
            return
        for data in first:
            yield post(data)
        walker.cursor = str(first[-1]["id"])
    while not walker.done:
        body = _json(await http.get(walker.path, params=walker.params()))
        for data in walker.feed(body):
            yield post(data)
