"""Server-shaped objects for fake transports: every field the real server always sends
(the `required` lists of spec/overrides.yaml's core-models-required-fields), plus overrides."""

from __future__ import annotations

from typing import Any


def user(id: str = "u1", username: str = "alice", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "username": username,
        "email": f"{username}@example.com",
        "auth_service": "",
        "delete_at": 0,
        "locale": "en",
        "roles": "system_user",
        **fields,
    }


def post(
    id: str = "p1", channel_id: str = "c1", message: str = "", **fields: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "channel_id": channel_id,
        "message": message,
        "user_id": "u1",
        "root_id": "",
        "type": "",
        "create_at": 1,
        "update_at": 1,
        "edit_at": 0,
        "delete_at": 0,
        "props": {},
        **fields,
    }


def channel(id: str = "c1", name: str = "town-square", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "display_name": name,
        "team_id": "t1",
        "type": "O",
        "header": "",
        "purpose": "",
        "creator_id": "u1",
        "create_at": 1,
        "update_at": 1,
        "delete_at": 0,
        "last_post_at": 0,
        **fields,
    }


def reaction(
    user_id: str = "u1", post_id: str = "p1", emoji_name: str = "+1", **fields: Any
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "post_id": post_id,
        "emoji_name": emoji_name,
        "create_at": 1,
        **fields,
    }


def access_token(id: str = "t1", user_id: str = "u1", **fields: Any) -> dict[str, Any]:
    return {"id": id, "user_id": user_id, "description": "d", "is_active": True, **fields}
