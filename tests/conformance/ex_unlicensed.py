"""Exercises: operations once excluded as licensed that Team Edition answers (issue 12)."""

from __future__ import annotations

from typing import Any

from .harness import DUMMY_ID, Ctx, exercise


@exercise("TeamMembersMinusGroupMembers")
def team_members_minus_group_members(c: Ctx) -> Any:
    # a group nobody is in: every team member is listed
    return c.call(
        "TeamMembersMinusGroupMembers", team_id=c.team["id"], group_ids=DUMMY_ID, per_page=50
    )


@exercise("ChannelMembersMinusGroupMembers")
def channel_members_minus_group_members(c: Ctx) -> Any:
    return c.call(
        "ChannelMembersMinusGroupMembers",
        channel_id=c.channel["id"],
        group_ids=DUMMY_ID,
        per_page=50,
    )


@exercise("SearchChannelsForRetentionPolicy")
def search_channels_for_retention_policy(c: Ctx) -> Any:
    return c.call("SearchChannelsForRetentionPolicy", policy_id=DUMMY_ID, body={"term": "c"})


@exercise("SearchTeamsForRetentionPolicy")
def search_teams_for_retention_policy(c: Ctx) -> Any:
    return c.call("SearchTeamsForRetentionPolicy", policy_id=DUMMY_ID, body={"term": "t"})


@exercise("SearchChannelsForAccessControlPolicy")
def search_channels_for_access_control_policy(c: Ctx) -> Any:
    return c.call("SearchChannelsForAccessControlPolicy", policy_id=DUMMY_ID, body={"term": "c"})
