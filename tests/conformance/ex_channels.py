"""Exercises: channels, channel members, sidebar categories, bookmarks."""

from __future__ import annotations

from typing import Any

from .harness import Ctx, SetupError, check, exercise, operations


def _gm(c: Ctx) -> dict[str, Any]:
    return c.cached(
        "gm", lambda: c.http("POST", "/channels/group", [c.s.admin_id, c.s.user_id, c.user2["id"]])
    )


@exercise("GetAllChannels")
def get_all_channels(c: Ctx) -> Any:
    _ = c.channel
    return c.call("GetAllChannels", per_page=50)


@exercise("CreateChannel")
def create_channel(c: Ctx) -> Any:
    name = c.uid("ch")
    return c.call(
        "CreateChannel",
        body={"team_id": c.team["id"], "name": name, "display_name": name, "type": "O"},
    )


@exercise("CreateDirectChannel")
def create_direct_channel(c: Ctx) -> Any:
    return c.call("CreateDirectChannel", body=[c.s.admin_id, c.new_user()["id"]])


@exercise("CreateGroupChannel")
def create_group_channel(c: Ctx) -> Any:
    return c.call("CreateGroupChannel", body=[c.s.admin_id, c.new_user()["id"], c.new_user()["id"]])


@exercise("SearchAllChannels")
def search_all_channels(c: Ctx) -> Any:
    _ = c.channel
    return c.call("SearchAllChannels", body={"term": "conf", "page": 0, "per_page": 20})


@exercise("SearchGroupChannels")
def search_group_channels(c: Ctx) -> Any:
    _gm(c)
    return c.call("SearchGroupChannels", body={"term": c.user2["username"][:6]})


@exercise("GetPublicChannelsByIdsForTeam")
def get_public_channels_by_ids_for_team(c: Ctx) -> Any:
    return c.call("GetPublicChannelsByIdsForTeam", team_id=c.team["id"], body=[c.channel["id"]])


@exercise("GetChannelMembersTimezones")
def get_channel_members_timezones(c: Ctx) -> Any:
    # A channel whose one member has no timezone: the server answers null, not []
    # (channel-timezones-nullable) ...
    team_id, loner = c.team["id"], c.new_user()
    c.http("POST", f"/teams/{team_id}/members", {"team_id": team_id, "user_id": loner["id"]})
    client = c.new_user_client(loner)
    name = c.uid("ch")
    alone = c.http(
        "POST",
        "/channels",
        {"team_id": team_id, "name": name, "display_name": "Conf " + name, "type": "O"},
        client=client,
    )
    fresh = c.call("GetChannelMembersTimezones", channel_id=alone["id"])
    if fresh.content.strip() != b"null":
        raise SetupError(f"a channel without timezones answered {fresh.content[:80]!r}, not null")
    problems = check(operations()["GetChannelMembersTimezones"], fresh)
    if problems:
        raise AssertionError(f"GetChannelMembersTimezones without timezones: {problems}")
    # ... and a member with a manual timezone, so the items are checked too
    c.http(
        "PUT",
        f"/users/{c.s.user_id}/patch",
        {
            "timezone": {
                "useAutomaticTimezone": "false",
                "manualTimezone": "Europe/Paris",
                "automaticTimezone": "",
            }
        },
    )
    return c.call("GetChannelMembersTimezones", channel_id=c.channel["id"])


@exercise("GetChannel")
def get_channel(c: Ctx) -> Any:
    return c.call("GetChannel", channel_id=c.channel["id"])


@exercise("UpdateChannel")
def update_channel(c: Ctx) -> Any:
    ch = c.new_channel()
    return c.call(
        "UpdateChannel",
        channel_id=ch["id"],
        body={
            "id": ch["id"],
            "name": ch["name"],
            "display_name": "Updated",
            "purpose": "p",
            "header": "h",
        },
    )


@exercise("DeleteChannel")
def delete_channel(c: Ctx) -> Any:
    return c.call("DeleteChannel", channel_id=c.new_channel()["id"])


@exercise("PatchChannel")
def patch_channel(c: Ctx) -> Any:
    return c.call("PatchChannel", channel_id=c.new_channel()["id"], body={"header": "patched"})


@exercise("UpdateChannelPrivacy")
def update_channel_privacy(c: Ctx) -> Any:
    return c.call("UpdateChannelPrivacy", channel_id=c.new_channel()["id"], body={"privacy": "P"})


@exercise("RestoreChannel")
def restore_channel(c: Ctx) -> Any:
    ch = c.new_channel()
    c.http("DELETE", f"/channels/{ch['id']}")
    return c.call("RestoreChannel", channel_id=ch["id"])


@exercise("MoveChannel")
def move_channel(c: Ctx) -> Any:
    ch = c.new_channel()
    return c.call(
        "MoveChannel", channel_id=ch["id"], body={"team_id": c.new_team()["id"], "force": True}
    )


@exercise("GetChannelStats")
def get_channel_stats(c: Ctx) -> Any:
    return c.call("GetChannelStats", channel_id=c.channel["id"])


@exercise("GetPinnedPosts")
def get_pinned_posts(c: Ctx) -> Any:
    def pin() -> None:
        p = c.new_post(message="pinned")
        c.http("POST", f"/posts/{p['id']}/pin")

    c.cached("pinned", pin)
    return c.call("GetPinnedPosts", channel_id=c.channel["id"])


@exercise("GetPublicChannelsForTeam")
def get_public_channels_for_team(c: Ctx) -> Any:
    _ = c.channel
    return c.call("GetPublicChannelsForTeam", team_id=c.team["id"])


@exercise("GetPrivateChannelsForTeam")
def get_private_channels_for_team(c: Ctx) -> Any:
    c.cached("private", lambda: c.new_channel(kind="P"))
    return c.call("GetPrivateChannelsForTeam", team_id=c.team["id"])


@exercise("GetDeletedChannelsForTeam")
def get_deleted_channels_for_team(c: Ctx) -> Any:
    def deleted() -> None:
        ch = c.new_channel()
        c.http("DELETE", f"/channels/{ch['id']}")

    c.cached("deleted-channel", deleted)
    return c.call("GetDeletedChannelsForTeam", team_id=c.team["id"])


@exercise("AutocompleteChannelsForTeam")
def autocomplete_channels_for_team(c: Ctx) -> Any:
    return c.call("AutocompleteChannelsForTeam", team_id=c.team["id"], name=c.channel["name"][:4])


@exercise("AutocompleteChannelsForTeamForSearch")
def autocomplete_channels_for_team_for_search(c: Ctx) -> Any:
    return c.call(
        "AutocompleteChannelsForTeamForSearch", team_id=c.team["id"], name=c.channel["name"][:4]
    )


@exercise("SearchChannels")
def search_channels(c: Ctx) -> Any:
    return c.call("SearchChannels", team_id=c.team["id"], body={"term": c.channel["name"]})


@exercise("GetChannelByName")
def get_channel_by_name(c: Ctx) -> Any:
    return c.call("GetChannelByName", team_id=c.team["id"], channel_name=c.channel["name"])


@exercise("GetChannelByNameForTeamName")
def get_channel_by_name_for_team_name(c: Ctx) -> Any:
    return c.call(
        "GetChannelByNameForTeamName", team_name=c.team["name"], channel_name=c.channel["name"]
    )


@exercise("GetChannelMembers")
def get_channel_members(c: Ctx) -> Any:
    return c.call("GetChannelMembers", channel_id=c.channel["id"])


@exercise("AddChannelMember")
def add_channel_member(c: Ctx) -> Any:
    ch = c.new_channel()
    return c.call("AddChannelMember", channel_id=ch["id"], body={"user_id": c.s.user_id})


@exercise("GetChannelMembersByIds")
def get_channel_members_by_ids(c: Ctx) -> Any:
    return c.call(
        "GetChannelMembersByIds", channel_id=c.channel["id"], body=[c.s.admin_id, c.s.user_id]
    )


@exercise("GetChannelMember")
def get_channel_member(c: Ctx) -> Any:
    return c.call("GetChannelMember", channel_id=c.channel["id"], user_id=c.s.user_id)


@exercise("RemoveUserFromChannel")
def remove_user_from_channel(c: Ctx) -> Any:
    ch = c.new_channel(members=(c.s.user_id,))
    return c.call("RemoveUserFromChannel", channel_id=ch["id"], user_id=c.s.user_id)


@exercise("UpdateChannelRoles")
def update_channel_roles(c: Ctx) -> Any:
    ch = c.new_channel(members=(c.s.user_id,))
    return c.call(
        "UpdateChannelRoles",
        channel_id=ch["id"],
        user_id=c.s.user_id,
        body={"roles": "channel_user channel_admin"},
    )


@exercise("UpdateChannelMemberSchemeRoles")
def update_channel_member_scheme_roles(c: Ctx) -> Any:
    ch = c.new_channel(members=(c.s.user_id,))
    return c.call(
        "UpdateChannelMemberSchemeRoles",
        channel_id=ch["id"],
        user_id=c.s.user_id,
        body={"scheme_admin": True, "scheme_user": True},
    )


@exercise("UpdateChannelNotifyProps")
def update_channel_notify_props(c: Ctx) -> Any:
    ch = c.new_channel()
    return c.call(
        "UpdateChannelNotifyProps",
        channel_id=ch["id"],
        user_id=c.s.admin_id,
        body={"desktop": "mention", "mark_unread": "all"},
    )


@exercise("ViewChannel")
def view_channel(c: Ctx) -> Any:
    return c.call("ViewChannel", user_id=c.s.admin_id, body={"channel_id": c.channel["id"]})


@exercise("GetChannelMembersForUser")
def get_channel_members_for_user(c: Ctx) -> Any:
    return c.call("GetChannelMembersForUser", user_id=c.s.user_id, team_id=c.team["id"])


@exercise("GetChannelsForTeamForUser")
def get_channels_for_team_for_user(c: Ctx) -> Any:
    return c.call("GetChannelsForTeamForUser", user_id=c.s.user_id, team_id=c.team["id"])


@exercise("GetChannelsForUser")
def get_channels_for_user(c: Ctx) -> Any:
    return c.call("GetChannelsForUser", user_id=c.s.user_id)


@exercise("GetChannelUnread")
def get_channel_unread(c: Ctx) -> Any:
    return c.call("GetChannelUnread", user_id=c.s.user_id, channel_id=c.channel["id"])


@exercise("GetGroupMessageMembersCommonTeams")
def get_group_message_members_common_teams(c: Ctx) -> Any:
    return c.call("GetGroupMessageMembersCommonTeams", channel_id=_gm(c)["id"])


# ----------------------------------------------------------------- sidebar categories


def _cat_owner(c: Ctx) -> tuple[dict[str, Any], dict[str, Any], Any]:
    u = c.new_user()
    t = c.new_team(members=(u["id"],))
    return u, t, c.new_user_client(u)


def _new_category(c: Ctx, u: dict[str, Any], t: dict[str, Any], client: Any) -> dict[str, Any]:
    return c.http(
        "POST",
        f"/users/{u['id']}/teams/{t['id']}/channels/categories",
        {"user_id": u["id"], "team_id": t["id"], "display_name": "Conf", "type": "custom"},
        client=client,
    )


@exercise("GetSidebarCategoriesForTeamForUser")
def get_sidebar_categories(c: Ctx) -> Any:
    return c.as_user(
        "GetSidebarCategoriesForTeamForUser", user_id=c.s.user_id, team_id=c.team["id"]
    )


@exercise("CreateSidebarCategoryForTeamForUser")
def create_sidebar_category(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    return c.call(
        "CreateSidebarCategoryForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        body={"user_id": u["id"], "team_id": t["id"], "display_name": "Conf", "type": "custom"},
    )


@exercise("UpdateSidebarCategoriesForTeamForUser")
def update_sidebar_categories(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    cat = _new_category(c, u, t, client)
    cat["display_name"] = "Renamed"
    return c.call(
        "UpdateSidebarCategoriesForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        body=[cat],
    )


@exercise("GetSidebarCategoryOrderForTeamForUser")
def get_sidebar_category_order(c: Ctx) -> Any:
    return c.as_user(
        "GetSidebarCategoryOrderForTeamForUser", user_id=c.s.user_id, team_id=c.team["id"]
    )


@exercise("UpdateSidebarCategoryOrderForTeamForUser")
def update_sidebar_category_order(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    order = c.http(
        "GET", f"/users/{u['id']}/teams/{t['id']}/channels/categories/order", client=client
    )
    return c.call(
        "UpdateSidebarCategoryOrderForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        body=list(reversed(order)),
    )


@exercise("GetSidebarCategoryForTeamForUser")
def get_sidebar_category(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    cat = _new_category(c, u, t, client)
    return c.call(
        "GetSidebarCategoryForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        category_id=cat["id"],
    )


@exercise("UpdateSidebarCategoryForTeamForUser")
def update_sidebar_category(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    cat = _new_category(c, u, t, client)
    cat["display_name"] = "Renamed"
    return c.call(
        "UpdateSidebarCategoryForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        category_id=cat["id"],
        body=cat,
    )


@exercise("RemoveSidebarCategoryForTeamForUser")
def remove_sidebar_category(c: Ctx) -> Any:
    u, t, client = _cat_owner(c)
    cat = _new_category(c, u, t, client)
    return c.call(
        "RemoveSidebarCategoryForTeamForUser",
        client=client,
        user_id=u["id"],
        team_id=t["id"],
        category_id=cat["id"],
    )


# ----------------------------------------------------------------- bookmarks


def _bookmark(c: Ctx, channel_id: str) -> dict[str, Any]:
    return c.http(
        "POST",
        f"/channels/{channel_id}/bookmarks",
        {"display_name": "Conf link", "type": "link", "link_url": "https://example.com/"},
    )
