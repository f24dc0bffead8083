"""Exercises: posts, threads, reactions, files, uploads, scheduled posts, emoji."""

from __future__ import annotations

import time
from typing import Any

from .harness import PNG_1PX, Ctx, exercise, png_file

# ----------------------------------------------------------------- posts


@exercise("CreatePost")
def create_post(c: Ctx) -> Any:
    return c.call("CreatePost", body={"channel_id": c.channel["id"], "message": "conformance"})


@exercise("CreatePostEphemeral")
def create_post_ephemeral(c: Ctx) -> Any:
    return c.call("CreatePostEphemeral", body={
        "user_id": c.s.user_id, "post": {"channel_id": c.channel["id"], "message": "psst"}})


@exercise("GetPost")
def get_post(c: Ctx) -> Any:
    return c.call("GetPost", post_id=c.post["id"])


@exercise("DeletePost")
def delete_post(c: Ctx) -> Any:
    return c.call("DeletePost", post_id=c.new_post()["id"])


@exercise("UpdatePost")
def update_post(c: Ctx) -> Any:
    p = c.new_post()
    return c.call("UpdatePost", post_id=p["id"], body={"id": p["id"], "message": "edited"})


@exercise("SetPostUnread")
def set_post_unread(c: Ctx) -> Any:
    p = c.new_post()
    return c.call("SetPostUnread", client=c.user, user_id=c.s.user_id, post_id=p["id"])


@exercise("PatchPost")
def patch_post(c: Ctx) -> Any:
    return c.call("PatchPost", post_id=c.new_post()["id"], body={"message": "patched"})


@exercise("GetPostThread")
def get_post_thread(c: Ctx) -> Any:
    return c.call("GetPostThread", post_id=c.post["id"])


@exercise("GetFlaggedPostsForUser")
def get_flagged_posts_for_user(c: Ctx) -> Any:
    def flag() -> None:
        c.http("PUT", f"/users/{c.s.admin_id}/preferences", [
            {"user_id": c.s.admin_id, "category": "flagged_post", "name": c.post["id"],
             "value": "true"}])

    c.cached("flagged", flag)
    return c.call("GetFlaggedPostsForUser", user_id=c.s.admin_id)


@exercise("GetFileInfosForPost")
def get_file_infos_for_post(c: Ctx) -> Any:
    info = c.upload_file()
    p = c.new_post(message="with file", file_ids=[info["id"]])
    return c.call("GetFileInfosForPost", post_id=p["id"])


@exercise("GetPostsForChannel")
def get_posts_for_channel(c: Ctx) -> Any:
    _ = c.post, c.file
    return c.call("GetPostsForChannel", channel_id=c.channel["id"])


@exercise("GetPostsAroundLastUnread")
def get_posts_around_last_unread(c: Ctx) -> Any:
    _ = c.post
    return c.call("GetPostsAroundLastUnread", client=c.user, user_id=c.s.user_id,
                  channel_id=c.channel["id"])


@exercise("SearchPosts")
def search_posts(c: Ctx) -> Any:
    _ = c.post
    return c.call("SearchPosts", team_id=c.team["id"],
                  body={"terms": "conformance", "is_or_search": False})


@exercise("PinPost")
def pin_post(c: Ctx) -> Any:
    return c.call("PinPost", post_id=c.new_post()["id"])


@exercise("UnpinPost")
def unpin_post(c: Ctx) -> Any:
    p = c.new_post()
    c.http("POST", f"/posts/{p['id']}/pin")
    return c.call("UnpinPost", post_id=p["id"])


@exercise("getPostsByIds")
def get_posts_by_ids(c: Ctx) -> Any:
    return c.call("getPostsByIds", body=[c.post["id"]])


@exercise("SetPostReminder")
def set_post_reminder(c: Ctx) -> Any:
    p = c.new_post()
    return c.call("SetPostReminder", client=c.user, user_id=c.s.user_id, post_id=p["id"],
                  body={"target_time": int(time.time()) + 3600})


@exercise("RestorePostVersion")
def restore_post_version(c: Ctx) -> Any:
    p = c.new_post(message="version one")
    c.http("PUT", f"/posts/{p['id']}/patch", {"message": "version two"})
    edits = c.http("GET", f"/posts/{p['id']}/edit_history")
    return c.call("RestorePostVersion", post_id=p["id"], restore_version_id=edits[0]["id"])


# ----------------------------------------------------------------- threads


def _thread(c: Ctx) -> dict[str, Any]:
    """A thread the regular user follows (root by the user, reply by admin)."""
    root = c.new_post(client=c.user, message="thread root")
    c.new_post(root_id=root["id"], message="thread reply")
    return root


@exercise("GetUserThreads")
def get_user_threads(c: Ctx) -> Any:
    c.cached("thread", lambda: _thread(c))
    return c.call("GetUserThreads", client=c.user, user_id=c.s.user_id, team_id=c.team["id"])


@exercise("UpdateThreadsReadForUser")
def update_threads_read_for_user(c: Ctx) -> Any:
    c.cached("thread", lambda: _thread(c))
    return c.call("UpdateThreadsReadForUser", client=c.user, user_id=c.s.user_id,
                  team_id=c.team["id"])


@exercise("UpdateThreadReadForUser")
def update_thread_read_for_user(c: Ctx) -> Any:
    root = _thread(c)
    return c.call("UpdateThreadReadForUser", client=c.user, user_id=c.s.user_id,
                  team_id=c.team["id"], thread_id=root["id"],
                  timestamp=int(time.time() * 1000))


@exercise("SetThreadUnreadByPostId")
def set_thread_unread_by_post_id(c: Ctx) -> Any:
    root = _thread(c)
    return c.call("SetThreadUnreadByPostId", client=c.user, user_id=c.s.user_id,
                  team_id=c.team["id"], thread_id=root["id"], post_id=root["id"])


@exercise("StartFollowingThread")
def start_following_thread(c: Ctx) -> Any:
    root = c.new_post(message="admin root")
    c.new_post(root_id=root["id"], message="reply")
    return c.call("StartFollowingThread", client=c.user, user_id=c.s.user_id,
                  team_id=c.team["id"], thread_id=root["id"])


@exercise("StopFollowingThread")
def stop_following_thread(c: Ctx) -> Any:
    root = _thread(c)
    return c.call("StopFollowingThread", client=c.user, user_id=c.s.user_id,
                  team_id=c.team["id"], thread_id=root["id"])


@exercise("GetUserThread")
def get_user_thread(c: Ctx) -> Any:
    root = c.cached("thread", lambda: _thread(c))
    return c.call("GetUserThread", client=c.user, user_id=c.s.user_id, team_id=c.team["id"],
                  thread_id=root["id"])


# ----------------------------------------------------------------- reactions


@exercise("SaveReaction")
def save_reaction(c: Ctx) -> Any:
    p = c.new_post()
    return c.call("SaveReaction", body={"user_id": c.s.admin_id, "post_id": p["id"],
                                        "emoji_name": "thumbsup"})


@exercise("GetReactions")
def get_reactions(c: Ctx) -> Any:
    return c.call("GetReactions", post_id=c.post["id"])


@exercise("DeleteReaction")
def delete_reaction(c: Ctx) -> Any:
    p = c.new_post()
    c.http("POST", "/reactions", {"user_id": c.s.admin_id, "post_id": p["id"],
                                  "emoji_name": "thumbsup"})
    return c.call("DeleteReaction", user_id=c.s.admin_id, post_id=p["id"],
                  emoji_name="thumbsup")


@exercise("GetBulkReactions")
def get_bulk_reactions(c: Ctx) -> Any:
    return c.call("GetBulkReactions", body=[c.post["id"]])


# ----------------------------------------------------------------- files and uploads


@exercise("UploadFile")
def upload_file(c: Ctx) -> Any:
    return c.call("UploadFile", body={"channel_id": c.channel["id"],
                                      "files": png_file("upload.png")})


@exercise("GetFile")
def get_file(c: Ctx) -> Any:
    return c.call("GetFile", file_id=c.file["id"])


@exercise("GetFileThumbnail")
def get_file_thumbnail(c: Ctx) -> Any:
    return c.call("GetFileThumbnail", file_id=c.file["id"])


@exercise("GetFilePreview")
def get_file_preview(c: Ctx) -> Any:
    return c.call("GetFilePreview", file_id=c.file["id"])


@exercise("GetFileLink")
def get_file_link(c: Ctx) -> Any:
    c.cached("public-links", lambda: c.http("PUT", "/config/patch", {
        "FileSettings": {"EnablePublicLink": True}}))
    return c.call("GetFileLink", file_id=c.file["id"])


@exercise("GetFileInfo")
def get_file_info(c: Ctx) -> Any:
    return c.call("GetFileInfo", file_id=c.file["id"])


@exercise("GetFilePublic")
def get_file_public(c: Ctx) -> Any:
    c.cached("public-links", lambda: c.http("PUT", "/config/patch", {
        "FileSettings": {"EnablePublicLink": True}}))
    link = c.http("GET", f"/files/{c.file['id']}/link")["link"]
    from urllib.parse import parse_qs, urlparse

    h = parse_qs(urlparse(link).query)["h"][0]
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        return c.call("GetFilePublic", client=anon, file_id=c.file["id"], h=h)


@exercise("SearchFilesAcrossTeams")
def search_files_across_teams(c: Ctx) -> Any:
    _ = c.file
    return c.call("SearchFilesAcrossTeams", body={"terms": "hello", "is_or_search": False})


def _upload(c: Ctx, size: int = 5) -> dict[str, Any]:
    return c.http("POST", "/uploads", {"channel_id": c.channel["id"], "filename": "up.txt",
                                       "file_size": size})


@exercise("CreateUpload")
def create_upload(c: Ctx) -> Any:
    return c.call("CreateUpload", body={"channel_id": c.channel["id"], "filename": "u.txt",
                                        "file_size": 5})


@exercise("GetUpload")
def get_upload(c: Ctx) -> Any:
    return c.call("GetUpload", upload_id=_upload(c)["id"])


@exercise("UploadData")
def upload_data(c: Ctx) -> Any:
    from io import BytesIO

    from mattermost_api.types import File

    up = _upload(c, 5)
    return c.call("UploadData", upload_id=up["id"],
                  body=File(payload=BytesIO(b"hello"), file_name="up.txt",
                            mime_type="text/plain"))


# ----------------------------------------------------------------- scheduled posts


def _scheduled(c: Ctx) -> dict[str, Any]:
    return c.http("POST", "/posts/schedule", {
        "channel_id": c.channel["id"], "message": "later",
        "scheduled_at": int(time.time() * 1000) + 3_600_000})


# ----------------------------------------------------------------- emoji


def _emoji(c: Ctx) -> dict[str, Any]:
    import json

    name = c.uid("emo")
    return c.http("POST", "/emoji", files={
        "image": ("e.png", PNG_1PX, "image/png"),
        "emoji": (None, json.dumps({"name": name, "creator_id": c.s.admin_id}).encode()),
    })


def _shared_emoji(c: Ctx) -> dict[str, Any]:
    return c.cached("emoji", lambda: _emoji(c))


@exercise("CreateEmoji")
def create_emoji(c: Ctx) -> Any:
    import json

    return c.call("CreateEmoji", body={
        "image": png_file("e.png"),
        "emoji": json.dumps({"name": c.uid("emo"), "creator_id": c.s.admin_id})})


@exercise("GetEmojiList")
def get_emoji_list(c: Ctx) -> Any:
    _shared_emoji(c)
    return c.call("GetEmojiList")


@exercise("GetEmoji")
def get_emoji(c: Ctx) -> Any:
    return c.call("GetEmoji", emoji_id=_shared_emoji(c)["id"])


@exercise("DeleteEmoji")
def delete_emoji(c: Ctx) -> Any:
    return c.call("DeleteEmoji", emoji_id=_emoji(c)["id"])


@exercise("GetEmojiByName")
def get_emoji_by_name(c: Ctx) -> Any:
    return c.call("GetEmojiByName", emoji_name=_shared_emoji(c)["name"])


@exercise("GetEmojiImage")
def get_emoji_image(c: Ctx) -> Any:
    return c.call("GetEmojiImage", emoji_id=_shared_emoji(c)["id"])


@exercise("SearchEmoji")
def search_emoji(c: Ctx) -> Any:
    return c.call("SearchEmoji", body={"term": _shared_emoji(c)["name"][:5]})


@exercise("AutocompleteEmoji")
def autocomplete_emoji(c: Ctx) -> Any:
    return c.call("AutocompleteEmoji", name=_shared_emoji(c)["name"][:5])


@exercise("GetEmojisByNames")
def get_emojis_by_names(c: Ctx) -> Any:
    return c.call("GetEmojisByNames", body=[_shared_emoji(c)["name"]])
