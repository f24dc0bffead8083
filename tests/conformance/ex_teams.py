"""Exercises: teams, team members, team icons and invites."""

from __future__ import annotations

from typing import Any

from .harness import Ctx, exercise, png_file


@exercise("CreateTeam")
def create_team(c: Ctx) -> Any:
    name = c.uid("t")
    return c.call("CreateTeam", body={"name": name, "display_name": "Conf " + name, "type": "O"})


@exercise("GetAllTeams")
def get_all_teams(c: Ctx) -> Any:
    return c.call("GetAllTeams", per_page=50)


@exercise("GetTeam")
def get_team(c: Ctx) -> Any:
    return c.call("GetTeam", team_id=c.team["id"])


@exercise("UpdateTeam")
def update_team(c: Ctx) -> Any:
    t = c.new_team()
    return c.call("UpdateTeam", team_id=t["id"], body={
        "id": t["id"], "display_name": "Updated", "description": "d", "company_name": "c",
        "allowed_domains": "", "invite_id": t["invite_id"], "allow_open_invite": False})


@exercise("SoftDeleteTeam")
def soft_delete_team(c: Ctx) -> Any:
    return c.call("SoftDeleteTeam", team_id=c.new_team()["id"])


@exercise("PatchTeam")
def patch_team(c: Ctx) -> Any:
    return c.call("PatchTeam", team_id=c.new_team()["id"], body={"description": "patched"})


@exercise("UpdateTeamPrivacy")
def update_team_privacy(c: Ctx) -> Any:
    return c.call("UpdateTeamPrivacy", team_id=c.new_team()["id"], body={"privacy": "I"})


@exercise("RestoreTeam")
def restore_team(c: Ctx) -> Any:
    t = c.new_team()
    c.http("DELETE", f"/teams/{t['id']}")
    return c.call("RestoreTeam", team_id=t["id"])


@exercise("GetTeamByName")
def get_team_by_name(c: Ctx) -> Any:
    return c.call("GetTeamByName", name=c.team["name"])


@exercise("SearchTeams")
def search_teams(c: Ctx) -> Any:
    return c.call("SearchTeams", body={"term": c.team["name"], "page": 0, "per_page": 20})


@exercise("TeamExists")
def team_exists(c: Ctx) -> Any:
    return c.call("TeamExists", name=c.team["name"])


@exercise("GetTeamsForUser")
def get_teams_for_user(c: Ctx) -> Any:
    return c.call("GetTeamsForUser", user_id=c.s.user_id)


@exercise("GetTeamMembers")
def get_team_members(c: Ctx) -> Any:
    return c.call("GetTeamMembers", team_id=c.team["id"])


@exercise("AddTeamMember")
def add_team_member(c: Ctx) -> Any:
    t = c.new_team()
    return c.call("AddTeamMember", team_id=t["id"],
                  body={"team_id": t["id"], "user_id": c.new_user()["id"]})


@exercise("AddTeamMembers")
def add_team_members(c: Ctx) -> Any:
    t = c.new_team()
    return c.call("AddTeamMembers", team_id=t["id"], body=[
        {"team_id": t["id"], "user_id": c.new_user()["id"]},
        {"team_id": t["id"], "user_id": c.new_user()["id"]}])


@exercise("GetTeamMembersForUser")
def get_team_members_for_user(c: Ctx) -> Any:
    return c.call("GetTeamMembersForUser", user_id=c.s.user_id)


@exercise("GetTeamMember")
def get_team_member(c: Ctx) -> Any:
    return c.call("GetTeamMember", team_id=c.team["id"], user_id=c.s.user_id)


@exercise("RemoveTeamMember")
def remove_team_member(c: Ctx) -> Any:
    u = c.new_user()
    t = c.new_team(members=(u["id"],))
    return c.call("RemoveTeamMember", team_id=t["id"], user_id=u["id"])


@exercise("GetTeamMembersByIds")
def get_team_members_by_ids(c: Ctx) -> Any:
    return c.call("GetTeamMembersByIds", team_id=c.team["id"],
                  body=[c.s.admin_id, c.s.user_id])


@exercise("GetTeamStats")
def get_team_stats(c: Ctx) -> Any:
    return c.call("GetTeamStats", team_id=c.team["id"])


@exercise("RegenerateTeamInviteId")
def regenerate_team_invite_id(c: Ctx) -> Any:
    return c.call("RegenerateTeamInviteId", team_id=c.new_team()["id"])


def _team_with_icon(c: Ctx) -> dict[str, Any]:
    t = c.new_team()
    c.call("SetTeamIcon", team_id=t["id"], body={"image": png_file()})
    return t


@exercise("GetTeamIcon")
def get_team_icon(c: Ctx) -> Any:
    t = c.cached("team-icon", lambda: _team_with_icon(c))
    return c.call("GetTeamIcon", team_id=t["id"])


@exercise("SetTeamIcon")
def set_team_icon(c: Ctx) -> Any:
    return c.call("SetTeamIcon", team_id=c.new_team()["id"], body={"image": png_file()})


@exercise("RemoveTeamIcon")
def remove_team_icon(c: Ctx) -> Any:
    return c.call("RemoveTeamIcon", team_id=_team_with_icon(c)["id"])


@exercise("UpdateTeamMemberRoles")
def update_team_member_roles(c: Ctx) -> Any:
    u = c.new_user()
    t = c.new_team(members=(u["id"],))
    return c.call("UpdateTeamMemberRoles", team_id=t["id"], user_id=u["id"],
                  body={"roles": "team_user team_admin"})


@exercise("UpdateTeamMemberSchemeRoles")
def update_team_member_scheme_roles(c: Ctx) -> Any:
    u = c.new_user()
    t = c.new_team(members=(u["id"],))
    return c.call("UpdateTeamMemberSchemeRoles", team_id=t["id"], user_id=u["id"],
                  body={"scheme_admin": True, "scheme_user": True})


@exercise("GetTeamsUnreadForUser")
def get_teams_unread_for_user(c: Ctx) -> Any:
    return c.call("GetTeamsUnreadForUser", user_id=c.s.user_id, exclude_team=c.s.team_id)


@exercise("GetTeamUnread")
def get_team_unread(c: Ctx) -> Any:
    return c.call("GetTeamUnread", user_id=c.s.user_id, team_id=c.team["id"])


@exercise("InvalidateEmailInvites")
def invalidate_email_invites(c: Ctx) -> Any:
    return c.call("InvalidateEmailInvites")


@exercise("GetTeamInviteInfo")
def get_team_invite_info(c: Ctx) -> Any:
    t = c.cached("open-team", lambda: c.new_team(allow_open_invite=True))
    return c.call("GetTeamInviteInfo", invite_id=t["invite_id"])


@exercise("SearchFiles")
def search_files(c: Ctx) -> Any:
    _ = c.file
    return c.call("SearchFiles", team_id=c.team["id"], body={"terms": "hello",
                                                             "is_or_search": False})
