"""Upload + post + download against the real server: bytes identical."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any

import pytest
from mattermost_api.api.posts import get_post

from mattermost_ext import (
    AsyncMattermost,
    Mattermost,
    NotFoundError,
    adownload_file,
    apost_files,
    download_file,
    post_files,
    upload_files,
)

pytestmark = pytest.mark.integration


def test_upload_post_download(
    admin: Mattermost, user: Mattermost, channel: str, tmp_path: Path
) -> None:
    big = os.urandom(3 * 1024 * 1024 + 17)  # several chunks
    on_disk = tmp_path / "notes.txt"
    on_disk.write_bytes("héllo\nworld\n".encode())
    post = post_files(
        admin,
        channel,
        [on_disk, ("blob.bin", big), ("img.dat", io.BytesIO(b"x"), "application/x-test")],
        "files attached",
    )
    assert post.message == "files attached"
    assert isinstance(post.file_ids, list) and len(post.file_ids) == 3
    stored = admin.call(get_post.sync, str(post.id))
    assert stored.file_ids == post.file_ids

    out = tmp_path / "out"
    out.mkdir()
    # into a directory: the server's file names (the server orders a post's files its own way)
    by_name = {}
    for file_id in post.file_ids:
        got = download_file(user, file_id, out)
        assert got.path is not None and got.path.parent == out and got.filename == got.path.name
        by_name[got.filename] = (file_id, got)
    assert set(by_name) == {"notes.txt", "blob.bin", "img.dat"}
    assert (out / "notes.txt").read_bytes() == on_disk.read_bytes()
    assert (out / "blob.bin").read_bytes() == big and by_name["blob.bin"][1].size == len(big)
    assert (out / "img.dat").read_bytes() == b"x"
    # to a named path
    blob_id = by_name["blob.bin"][0]
    second = download_file(user, blob_id, out / "copy.bin", chunk_size=8192)
    assert second.path == out / "copy.bin" and second.path.read_bytes() == big
    assert not (out / "copy.bin.part").exists()
    # into a file object
    buf = io.BytesIO()
    third = download_file(user, by_name["notes.txt"][0], buf)
    assert buf.getvalue() == on_disk.read_bytes() and third.path is None
    assert third.size == on_disk.stat().st_size


def test_upload_only_then_missing_file(admin: Mattermost, channel: str, tmp_path: Path) -> None:
    infos = upload_files(admin, channel, [("a.txt", b"aaa")])
    assert len(infos) == 1 and infos[0].name == "a.txt" and infos[0].size == 3
    with pytest.raises(NotFoundError):
        download_file(admin, "b" * 26, tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists() and not (tmp_path / "nothing.part").exists()


def test_limits_checked_before_sending(admin: Mattermost, channel: str) -> None:
    with pytest.raises(ValueError):
        post_files(admin, channel, [])
    with pytest.raises(ValueError):
        post_files(admin, channel, [(f"{i}.txt", b"x") for i in range(11)])
    with pytest.raises(TypeError):
        post_files(admin, channel, "one.txt")  # type: ignore[arg-type]


def test_async_round_trip(mm_server: Any, channel: str, tmp_path: Path) -> None:
    payload = os.urandom(200_000)

    async def main() -> bytes:
        async with AsyncMattermost(mm_server.url, mm_server.admin_token) as mm:
            post = await apost_files(mm, channel, [("async.bin", payload)], "async")
            assert isinstance(post.file_ids, list)
            got = await adownload_file(mm, post.file_ids[0], tmp_path)
            assert got.path is not None
            return got.path.read_bytes()

    assert asyncio.run(main()) == payload
