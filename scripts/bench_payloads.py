"""Realistic Mattermost payloads for scripts/bench.py and tests/unit/test_fast_path.py.

Shapes follow what a Mattermost 10/11 server sends (omitempty fields left out, as
the server does, extra fields the spec does not declare kept): an ~800-byte user
for ``GET /api/v4/users/me`` and a ``PostList`` page for
``GET /api/v4/channels/{id}/posts`` whose posts carry props and metadata
(OpenGraph embeds, files, images, reactions, custom emojis, priority,
acknowledgements) and average ~1.5 KB each. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

BASE_TIME = 1_735_000_000_000
WORDS = (
    "the release build deploy channel team review merge ticket customer latency cache "
    "server client mobile desktop webhook plugin migration database index query rollout "
    "incident postmortem alert metric dashboard standup sprint backlog roadmap feature "
    "flag config staging production hotfix regression test coverage benchmark"
).split()
EMOJIS = ("+1", "heart", "tada", "eyes", "white_check_mark", "rocket", "laughing", "thinking")
CUSTOM_EMOJIS = ("partyparrot", "shipit", "lgtm", "this-is-fine")


def new_id(rng: random.Random) -> str:
    """A 26-character Mattermost id."""
    return "".join(rng.choices(string.ascii_lowercase + string.digits, k=26))


def _sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def user(seed: int = 1) -> dict[str, Any]:
    """The current user as ``GET /api/v4/users/me`` returns it (~800 bytes of JSON)."""
    rng = random.Random(seed)
    uid = new_id(rng)
    return {
        "id": uid,
        "create_at": BASE_TIME - 86_400_000 * 400,
        "update_at": BASE_TIME - 3_600_000,
        "delete_at": 0,
        "username": "alice.example",
        "auth_data": "",
        "auth_service": "",
        "email": "alice@example.com",
        "email_verified": True,
        "nickname": "Alice",
        "first_name": "Alice",
        "last_name": "Example",
        "position": "Staff engineer",
        "roles": "system_user system_admin",
        "props": {"customStatus": ""},
        "notify_props": {
            "auto_responder_active": "false",
            "channel": "true",
            "comments": "never",
            "desktop": "mention",
            "desktop_sound": "true",
            "desktop_threads": "all",
            "email": "true",
            "email_threads": "all",
            "first_name": "false",
            "mention_keys": "",
            "push": "mention",
            "push_threads": "all",
        },
        "last_password_update": BASE_TIME - 86_400_000 * 400,
        "last_picture_update": BASE_TIME - 86_400_000 * 30,
        "locale": "en",
        "timezone": {
            "automaticTimezone": "Europe/Berlin",
            "manualTimezone": "",
            "useAutomaticTimezone": "true",
        },
        "disable_welcome_email": False,
    }


def _file_info(rng: random.Random, user_id: str, post_id: str, channel_id: str) -> dict[str, Any]:
    ext, mime = rng.choice(
        [("png", "image/png"), ("pdf", "application/pdf"), ("log", "text/plain")]
    )
    image = ext == "png"
    info: dict[str, Any] = {
        "id": new_id(rng),
        "user_id": user_id,
        "post_id": post_id,
        "channel_id": channel_id,
        "create_at": BASE_TIME,
        "update_at": BASE_TIME,
        "delete_at": 0,
        "name": f"{rng.choice(WORDS)}-{rng.randint(1, 999)}.{ext}",
        "extension": ext,
        "size": rng.randint(1_000, 5_000_000),
        "mime_type": mime,
        "has_preview_image": image,
        "mini_preview": None,
        "remote_id": "",
        "archived": False,
    }
    if image:
        info["width"] = rng.choice([640, 1280, 1920])
        info["height"] = rng.choice([480, 720, 1080])
    return info


def _embed(rng: random.Random) -> tuple[dict[str, Any], str, dict[str, Any]]:
    host = rng.choice(["github.com", "docs.example.org", "status.example.com"])
    url = f"https://{host}/{rng.choice(WORDS)}/{rng.randint(100, 99999)}"
    image_url = f"https://{host}/og/{rng.randint(1, 9999)}.png"
    size = {"width": 1200, "height": 630, "format": "png", "frame_count": 0}
    embed = {
        "type": "opengraph",
        "url": url,
        "data": {
            "type": "object",
            "url": url,
            "title": _sentence(rng, 3, 8),
            "description": _sentence(rng, 10, 25),
            "determiner": "",
            "site_name": host,
            "locale": "",
            "locales_alternate": None,
            "images": [
                {
                    "url": "",
                    "secure_url": image_url,
                    "type": "",
                    "width": 1200,
                    "height": 630,
                    "alt": "",
                }
            ],
            "audios": None,
            "videos": None,
        },
    }
    return embed, image_url, size


def post(rng: random.Random, i: int, channel_id: str, users: list[str]) -> dict[str, Any]:
    """One post as it appears in a channel page (~1.5 KB of JSON on average)."""
    pid = new_id(rng)
    user_id = users[i % len(users)]
    created = BASE_TIME - i * 60_000
    message = " ".join(rng.choices(WORDS, k=rng.randint(12, 70)))
    p: dict[str, Any] = {
        "id": pid,
        "create_at": created,
        "update_at": created + rng.choice([0, 0, 5_000]),
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": i % 17 == 0,
        "user_id": user_id,
        "channel_id": channel_id,
        "root_id": "" if i % 4 else new_id(rng),
        "original_id": "",
        "message": message,
        "type": "",
        "props": {"disable_group_highlight": True},
        "hashtags": "",
        "pending_post_id": "",
        "reply_count": rng.randint(0, 12),
        "last_reply_at": created + 120_000,
        "participants": None,
    }
    metadata: dict[str, Any] = {}
    if i % 3 == 0:
        embed, image_url, size = _embed(rng)
        metadata["embeds"] = [embed]
        metadata["images"] = {image_url: size}
    if i % 5 == 0:
        files = [_file_info(rng, user_id, pid, channel_id) for _ in range(rng.randint(1, 2))]
        metadata["files"] = files
        p["file_ids"] = [f["id"] for f in files]
    if i % 2 == 0:
        reactions = []
        for name in rng.sample(EMOJIS + CUSTOM_EMOJIS, rng.randint(1, 4)):
            reactions.append(
                {
                    "user_id": rng.choice(users),
                    "post_id": pid,
                    "emoji_name": name,
                    "create_at": created + 30_000,
                    "update_at": created + 30_000,
                    "delete_at": 0,
                    "remote_id": "",
                    "channel_id": channel_id,
                }
            )
        metadata["reactions"] = reactions
        custom = sorted({str(r["emoji_name"]) for r in reactions} & set(CUSTOM_EMOJIS))
        if custom:
            metadata["emojis"] = [
                {
                    "id": new_id(rng),
                    "creator_id": users[0],
                    "name": name,
                    "create_at": BASE_TIME - 86_400_000,
                    "update_at": BASE_TIME - 86_400_000,
                    "delete_at": 0,
                }
                for name in custom
            ]
    if i % 7 == 0:
        p["props"]["attachments"] = [
            {
                "id": 0,
                "fallback": "Deployment finished",
                "color": "#2eb886",
                "pretext": "",
                "title": "Deploy " + rng.choice(WORDS),
                "text": _sentence(rng, 8, 20),
                "fields": [
                    {"title": "Environment", "value": "production", "short": True},
                    {"title": "Duration", "value": f"{rng.randint(1, 59)}m", "short": True},
                ],
            }
        ]
        p["props"]["from_webhook"] = "true"
        p["props"]["override_username"] = "deploy-bot"
    if i % 11 == 0:
        metadata["priority"] = {"priority": "important", "requested_ack": True}
        metadata["acknowledgements"] = [
            {"user_id": users[1], "post_id": pid, "acknowledged_at": created + 90_000}
        ]
    p["metadata"] = metadata
    return p


def post_list(count: int = 200, seed: int = 7) -> dict[str, Any]:
    """A ``PostList`` page as ``GET /api/v4/channels/{id}/posts`` returns it."""
    rng = random.Random(seed)
    channel_id = new_id(rng)
    users = [new_id(rng) for _ in range(8)]
    posts = [post(rng, i, channel_id, users) for i in range(count)]
    return {
        "order": [p["id"] for p in posts],
        "posts": {p["id"]: p for p in posts},
        "next_post_id": "",
        "prev_post_id": new_id(rng),
        "has_next": True,
        "first_inaccessible_post_time": 0,
    }


def encode(value: Any) -> bytes:
    """JSON as the Go server writes it (compact, UTF-8)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


if __name__ == "__main__":
    page = post_list()
    print(f"user {len(encode(user()))} B; PostList {len(encode(page))} B, "
          f"{len(encode(page)) / len(page['posts']):.0f} B/post")  # fmt: skip
