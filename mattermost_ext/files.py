"""Files: upload and post in one call; download streaming to disk.

::

    post = post_files(mm, channel_id, ["report.pdf", ("data.csv", csv_bytes)], "Weekly report")
    got = download_file(mm, post.file_ids[0], "downloads/")        # a directory or a file path
    got.path, got.size, got.filename

``upload_files`` sends one multipart ``POST /api/v4/files`` (the ``channel_id`` form field
first, as Mattermost's streaming parser prefers); ``post_files`` then creates the post with
the file ids (``POST /api/v4/posts``).  ``download_file`` streams ``GET /api/v4/files/{id}``
to a temporary ``<name>.part`` file renamed into place when complete (or into an open binary
file object you pass).  Errors are the usual :mod:`mattermost_ext.errors`; an upload is a
POST, so it is retried only on 429 (or with ``retry_non_idempotent``).
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from .auth import _model
from .errors import UnexpectedResponseError

if TYPE_CHECKING:
    import httpx
    from mattermost_api.models.file_info import FileInfo
    from mattermost_api.models.post import Post

    from ._client_protocol import AsyncClient, SyncClient

__all__ = [
    "MAX_FILES_PER_POST",
    "Download",
    "FileSource",
    "adownload_file",
    "apost_files",
    "aupload_files",
    "download_file",
    "post_files",
    "upload_files",
]

MAX_FILES_PER_POST = 10
"""Mattermost refuses posts with more file ids."""

_CHUNK = 64 * 1024

FileSource = (
    str | os.PathLike[str] | tuple[str, bytes | IO[bytes]] | tuple[str, bytes | IO[bytes], str]
)
"""A path, or ``(filename, bytes or binary file object[, content type])``."""


@dataclass(frozen=True)
class Download:
    """What :func:`download_file` wrote: ``path`` (``None`` for a file object), bytes, and
    the server's file name and content type."""

    path: Path | None
    size: int
    filename: str | None
    content_type: str | None


def _parts(files: Sequence[FileSource], stack: contextlib.ExitStack) -> list[tuple[str, Any]]:
    if isinstance(files, str | bytes | os.PathLike | tuple):
        raise TypeError("files must be a sequence (list) of paths or (name, content) tuples")
    if not files:
        raise ValueError("no files to upload")
    if len(files) > MAX_FILES_PER_POST:
        raise ValueError(f"at most {MAX_FILES_PER_POST} files per post, got {len(files)}")
    parts: list[tuple[str, Any]] = []
    for item in files:
        if isinstance(item, tuple):
            name, content, *rest = item
            mime = rest[0] if rest else None
        else:
            path = Path(os.fspath(item))
            name = path.name
            content = stack.enter_context(path.open("rb"))
            mime = None
        if not name:
            raise ValueError("every file needs a name")
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        parts.append(("files", (name, content, mime)))
    return parts


def _file_infos(response: httpx.Response) -> list[FileInfo]:
    from mattermost_api.models.file_info import FileInfo

    data = response.json()
    infos = data.get("file_infos") if isinstance(data, Mapping) else None
    if not isinstance(infos, list):
        raise UnexpectedResponseError(response.status_code, response.text[:2000])
    return [FileInfo.from_dict(info) for info in infos]


def upload_files(mm: SyncClient, channel_id: str, files: Sequence[FileSource]) -> list[FileInfo]:
    """Upload files to a channel (not yet posted); their ``FileInfo``s, ids included."""
    with contextlib.ExitStack() as stack:
        response = mm.http.post(
            "/api/v4/files",
            params={"channel_id": channel_id},
            data={"channel_id": channel_id},
            files=_parts(files, stack),
        )
    return _file_infos(response)


async def aupload_files(
    mm: AsyncClient, channel_id: str, files: Sequence[FileSource]
) -> list[FileInfo]:
    with contextlib.ExitStack() as stack:
        response = await mm.http.post(
            "/api/v4/files",
            params={"channel_id": channel_id},
            data={"channel_id": channel_id},
            files=_parts(files, stack),
        )
    return _file_infos(response)


def _post_body(
    channel_id: str,
    message: str,
    file_ids: list[str],
    root_id: str | None,
    props: Mapping[str, Any] | None,
) -> Any:
    from mattermost_api.models.create_post_body import CreatePostBody
    from mattermost_api.models.create_post_body_props import CreatePostBodyProps
    from mattermost_api.types import UNSET

    body = CreatePostBody(
        channel_id=channel_id,
        message=message,
        file_ids=file_ids,
        root_id=root_id if root_id else UNSET,
        props=CreatePostBodyProps.from_dict(dict(props)) if props else UNSET,
    )
    return body


def post_files(
    mm: SyncClient,
    channel_id: str,
    files: Sequence[FileSource],
    message: str = "",
    *,
    root_id: str | None = None,
    props: Mapping[str, Any] | None = None,
) -> Post:
    """Upload ``files`` and post them (with ``message``; in a thread if ``root_id``)."""
    from mattermost_api.api.posts import create_post
    from mattermost_api.models.post import Post

    infos = upload_files(mm, channel_id, files)
    body = _post_body(channel_id, message, [str(i.id) for i in infos], root_id, props)
    return _model(create_post.sync_detailed(client=mm.api, body=body), Post)


async def apost_files(
    mm: AsyncClient,
    channel_id: str,
    files: Sequence[FileSource],
    message: str = "",
    *,
    root_id: str | None = None,
    props: Mapping[str, Any] | None = None,
) -> Post:
    from mattermost_api.api.posts import create_post
    from mattermost_api.models.post import Post

    infos = await aupload_files(mm, channel_id, files)
    body = _post_body(channel_id, message, [str(i.id) for i in infos], root_id, props)
    return _model(await create_post.asyncio_detailed(client=mm.api, body=body), Post)


_UNSAFE = re.compile(r"[\x00-\x1f/\\]")


def _server_filename(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition")
    if not header:
        return None
    msg = Message()
    msg["content-disposition"] = header
    name = msg.get_filename()
    if not name:
        return None
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    return name or None


def _target(dest: str | os.PathLike[str], filename: str | None, file_id: str) -> Path:
    path = Path(os.fspath(dest))
    if path.is_dir():
        path = path / (filename or file_id)
    return path


def _path(file_id: str) -> str:
    return f"/api/v4/files/{quote(file_id, safe='')}"


def download_file(
    mm: SyncClient,
    file_id: str,
    dest: str | os.PathLike[str] | IO[bytes],
    *,
    chunk_size: int = _CHUNK,
) -> Download:
    """Stream a file to ``dest``: a file path, a directory (the server's file name is used,
    sanitised) or a binary file object.  A path is written through ``<name>.part`` and
    renamed, so a failed download leaves no partial file under the final name."""
    with mm.http.stream("GET", _path(file_id)) as response:
        filename = _server_filename(response)
        ctype = response.headers.get("content-type")
        if not isinstance(dest, str | os.PathLike):
            size = 0
            for chunk in response.iter_bytes(chunk_size):
                dest.write(chunk)
                size += len(chunk)
            return Download(None, size, filename, ctype)
        target = _target(dest, filename, file_id)
        part = target.with_name(target.name + ".part")
        size = 0
        try:
            with part.open("wb") as out:
                for chunk in response.iter_bytes(chunk_size):
                    out.write(chunk)
                    size += len(chunk)
            os.replace(part, target)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
    return Download(target, size, filename, ctype)


async def adownload_file(
    mm: AsyncClient,
    file_id: str,
    dest: str | os.PathLike[str] | IO[bytes],
    *,
    chunk_size: int = _CHUNK,
) -> Download:
    """:func:`download_file` for :class:`~mattermost_ext.AsyncMattermost` (disk writes are
    blocking, chunk by chunk)."""
    async with mm.http.stream("GET", _path(file_id)) as response:
        filename = _server_filename(response)
        ctype = response.headers.get("content-type")
        if not isinstance(dest, str | os.PathLike):
            size = 0
            async for chunk in response.aiter_bytes(chunk_size):
                dest.write(chunk)
                size += len(chunk)
            return Download(None, size, filename, ctype)
        target = _target(dest, filename, file_id)
        part = target.with_name(target.name + ".part")
        size = 0
        try:
            with part.open("wb") as out:
                async for chunk in response.aiter_bytes(chunk_size):
                    out.write(chunk)
                    size += len(chunk)
            os.replace(part, target)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
    return Download(target, size, filename, ctype)
