"""Exercises: users, sessions, tokens, status, preferences."""

from __future__ import annotations

from typing import Any

from .harness import PNG_1PX, Ctx, check, exercise, operations, png_file

# ----------------------------------------------------------------- login / logout


@exercise("Login")
def login(c: Ctx) -> Any:
    user = c.new_user()
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        return c.call("Login", client=anon,
                      body={"login_id": user["username"], "password": user["password"]})


@exercise("Logout")
def logout(c: Ctx) -> Any:
    user = c.new_user()
    return c.call("Logout", client=c.new_user_client(user))


@exercise("CreateUser")
def create_user(c: Ctx) -> Any:
    name = c.uid("u")
    response = c.call("CreateUser", body={"username": name, "email": f"{name}@example.com",
                                          "password": "Passw0rd!" + name})
    if response.status_code == 201:
        c.created_users.append(response.parsed.id)
    return response


@exercise("GetUsers")
def get_users(c: Ctx) -> Any:
    return c.call("GetUsers", per_page=50)


@exercise("GetUsersByIds")
def get_users_by_ids(c: Ctx) -> Any:
    return c.call("GetUsersByIds", body=[c.s.admin_id, c.s.user_id])


@exercise("GetUsersByGroupChannelIds")
def get_users_by_group_channel_ids(c: Ctx) -> Any:
    gm = c.cached("gm", lambda: c.http("POST", "/channels/group",
                                        [c.s.admin_id, c.s.user_id, c.user2["id"]]))
    return c.call("GetUsersByGroupChannelIds", body=[gm["id"]])


@exercise("GetUsersByUsernames")
def get_users_by_usernames(c: Ctx) -> Any:
    me = c.http("GET", "/users/me")
    return c.call("GetUsersByUsernames", body=[me["username"]])


@exercise("SearchUsers")
def search_users(c: Ctx) -> Any:
    return c.call("SearchUsers", body={"term": "conf", "team_id": c.team["id"]})


@exercise("AutocompleteUsers")
def autocomplete_users(c: Ctx) -> Any:
    return c.call("AutocompleteUsers", name="u", team_id=c.team["id"],
                  channel_id=c.channel["id"])


@exercise("GetKnownUsers")
def get_known_users(c: Ctx) -> Any:
    return c.as_user("GetKnownUsers")


@exercise("GetTotalUsersStats")
def get_total_users_stats(c: Ctx) -> Any:
    return c.call("GetTotalUsersStats")


@exercise("GetTotalUsersStatsFiltered")
def get_total_users_stats_filtered(c: Ctx) -> Any:
    return c.call("GetTotalUsersStatsFiltered", in_team=c.team["id"])


@exercise("GetUser")
def get_user(c: Ctx) -> Any:
    return c.call("GetUser", user_id=c.s.user_id)


@exercise("UpdateUser")
def update_user(c: Ctx) -> Any:
    u = c.new_user()
    return c.call("UpdateUser", user_id=u["id"],
                  body={"id": u["id"], "email": u["email"], "username": u["username"],
                        "nickname": "updated"})


@exercise("DeleteUser")
def delete_user(c: Ctx) -> Any:
    return c.call("DeleteUser", user_id=c.new_user()["id"])


@exercise("PatchUser")
def patch_user(c: Ctx) -> Any:
    return c.call("PatchUser", user_id=c.new_user()["id"], body={"nickname": "patched"})


@exercise("UpdateUserRoles")
def update_user_roles(c: Ctx) -> Any:
    return c.call("UpdateUserRoles", user_id=c.new_user()["id"],
                  body={"roles": "system_user"})


@exercise("UpdateUserActive")
def update_user_active(c: Ctx) -> Any:
    return c.call("UpdateUserActive", user_id=c.new_user()["id"], body={"active": False})


@exercise("GetProfileImage")
def get_profile_image(c: Ctx) -> Any:
    return c.call("GetProfileImage", user_id=c.s.user_id)


@exercise("SetProfileImage")
def set_profile_image(c: Ctx) -> Any:
    return c.call("SetProfileImage", user_id=c.new_user()["id"], body={"image": png_file()})


@exercise("SetDefaultProfileImage")
def set_default_profile_image(c: Ctx) -> Any:
    u = c.new_user()
    c.http("POST", f"/users/{u['id']}/image", files={"image": ("a.png", PNG_1PX, "image/png")})
    return c.call("SetDefaultProfileImage", user_id=u["id"])


@exercise("GetDefaultProfileImage")
def get_default_profile_image(c: Ctx) -> Any:
    return c.call("GetDefaultProfileImage", user_id=c.s.user_id)


@exercise("GetUserByUsername")
def get_user_by_username(c: Ctx) -> Any:
    return c.call("GetUserByUsername", username=c.http("GET", f"/users/{c.s.user_id}")["username"])


@exercise("GetUserByEmail")
def get_user_by_email(c: Ctx) -> Any:
    return c.call("GetUserByEmail", email=c.http("GET", f"/users/{c.s.user_id}")["email"])


@exercise("GenerateMfaSecret")
def generate_mfa_secret(c: Ctx) -> Any:
    c.cached("mfa-on", lambda: c.http("PUT", "/config/patch", {
        "ServiceSettings": {"EnableMultifactorAuthentication": True}}))
    u = c.new_user()
    return c.call("GenerateMfaSecret", client=c.new_user_client(u), user_id=u["id"])


@exercise("UpdateUserMfa")
def update_user_mfa(c: Ctx) -> Any:
    # Turning MFA off needs no code.
    c.cached("mfa-on", lambda: c.http("PUT", "/config/patch", {
        "ServiceSettings": {"EnableMultifactorAuthentication": True}}))
    u = c.new_user()
    return c.call("UpdateUserMfa", client=c.new_user_client(u), user_id=u["id"],
                  body={"activate": False})


@exercise("UpdateUserPassword")
def update_user_password(c: Ctx) -> Any:
    u = c.new_user()
    return c.call("UpdateUserPassword", user_id=u["id"],
                  body={"new_password": "NewPassw0rd!" + u["username"]})


@exercise("SendPasswordResetEmail")
def send_password_reset_email(c: Ctx) -> Any:
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        return c.call("SendPasswordResetEmail", client=anon,
                      body={"email": "nobody-" + c.uid() + "@example.com"})


@exercise("GetSessions")
def get_sessions(c: Ctx) -> Any:
    return c.call("GetSessions", user_id=c.s.user_id)


def _session_user(c: Ctx) -> tuple[dict[str, Any], str]:
    u = c.new_user()
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        answer = anon.get_httpx_client().post(
            "/api/v4/users/login", json={"login_id": u["username"], "password": u["password"]})
    return u, answer.headers["Token"]


@exercise("RevokeSession")
def revoke_session(c: Ctx) -> Any:
    u, _token = _session_user(c)
    sessions = c.http("GET", f"/users/{u['id']}/sessions")
    return c.call("RevokeSession", user_id=u["id"], body={"session_id": sessions[0]["id"]})


@exercise("RevokeAllSessions")
def revoke_all_sessions(c: Ctx) -> Any:
    u, _token = _session_user(c)
    return c.call("RevokeAllSessions", user_id=u["id"])


@exercise("AttachDeviceExtraProps")
def attach_device_extra_props(c: Ctx) -> Any:
    _u, token = _session_user(c)
    return c.call("AttachDeviceExtraProps", client=c.client_for(token),
                  body={"device_id": "android_rn:" + c.uid(), "mobileVersion": "2.0.0"})


@exercise("GetUserAudits")
def get_user_audits(c: Ctx) -> Any:
    # A user without audit records: the server answers null, not [] (user-audits-nullable) ...
    fresh = c.call("GetUserAudits", user_id=c.new_user()["id"])
    problems = check(operations()["GetUserAudits"], fresh)
    if problems:
        raise AssertionError(f"GetUserAudits of a user without audits: {problems}")
    # ... and the admin's records, so the items are checked too
    return c.call("GetUserAudits", user_id=c.s.admin_id)


@exercise("VerifyUserEmailWithoutToken")
def verify_user_email_without_token(c: Ctx) -> Any:
    return c.call("VerifyUserEmailWithoutToken", user_id=c.new_user()["id"])


@exercise("SendVerificationEmail")
def send_verification_email(c: Ctx) -> Any:
    from mattermost_api import Client

    with Client(base_url=c.url) as anon:
        return c.call("SendVerificationEmail", client=anon,
                      body={"email": "nobody-" + c.uid() + "@example.com"})


# ----------------------------------------------------------------- access tokens


def _token(c: Ctx, user_id: str | None = None) -> dict[str, Any]:
    return c.http("POST", f"/users/{user_id or c.s.user_id}/tokens",
                  {"description": "conformance " + c.uid()})


@exercise("CreateUserAccessToken")
def create_user_access_token(c: Ctx) -> Any:
    return c.call("CreateUserAccessToken", user_id=c.new_user()["id"],
                  body={"description": "conformance"})


@exercise("GetUserAccessTokensForUser")
def get_user_access_tokens_for_user(c: Ctx) -> Any:
    return c.call("GetUserAccessTokensForUser", user_id=c.s.user_id)


@exercise("GetUserAccessTokens")
def get_user_access_tokens(c: Ctx) -> Any:
    return c.call("GetUserAccessTokens", per_page=20)


@exercise("RevokeUserAccessToken")
def revoke_user_access_token(c: Ctx) -> Any:
    return c.call("RevokeUserAccessToken",
                  body={"token_id": _token(c, c.new_user()["id"])["id"]})


@exercise("GetUserAccessToken")
def get_user_access_token(c: Ctx) -> Any:
    return c.call("GetUserAccessToken", token_id=_token(c, c.new_user()["id"])["id"])


@exercise("DisableUserAccessToken")
def disable_user_access_token(c: Ctx) -> Any:
    return c.call("DisableUserAccessToken",
                  body={"token_id": _token(c, c.new_user()["id"])["id"]})


@exercise("EnableUserAccessToken")
def enable_user_access_token(c: Ctx) -> Any:
    token = _token(c, c.new_user()["id"])
    c.http("POST", "/users/tokens/disable", {"token_id": token["id"]})
    return c.call("EnableUserAccessToken", body={"token_id": token["id"]})


@exercise("SearchUserAccessTokens")
def search_user_access_tokens(c: Ctx) -> Any:
    user = c.new_user()
    c.http("POST", f"/users/{user['id']}/tokens", {"description": "conformance search"})
    return c.call("SearchUserAccessTokens", body={"term": user["username"]})


@exercise("PublishUserTyping")
def publish_user_typing(c: Ctx) -> Any:
    return c.call("PublishUserTyping", user_id=c.s.admin_id,
                  body={"channel_id": c.channel["id"]})


@exercise("GetUploadsForUser")
def get_uploads_for_user(c: Ctx) -> Any:
    c.cached("upload", lambda: c.http("POST", "/uploads", {
        "channel_id": c.channel["id"], "filename": "big.txt", "file_size": 10}))
    return c.call("GetUploadsForUser", user_id=c.s.admin_id)


@exercise("GetChannelMembersWithTeamDataForUser")
def get_channel_members_with_team_data_for_user(c: Ctx) -> Any:
    return c.call("GetChannelMembersWithTeamDataForUser", user_id=c.s.user_id, page=0,
                  per_page=20)


@exercise("resetPasswordFailedAttempts")
def reset_password_failed_attempts(c: Ctx) -> Any:
    return c.call("resetPasswordFailedAttempts", user_id=c.new_user()["id"])


@exercise("GetServerLimits")
def get_server_limits(c: Ctx) -> Any:
    return c.call("GetServerLimits")


# ----------------------------------------------------------------- status


@exercise("GetUserStatus")
def get_user_status(c: Ctx) -> Any:
    return c.call("GetUserStatus", user_id=c.s.user_id)


@exercise("UpdateUserStatus")
def update_user_status(c: Ctx) -> Any:
    u = c.new_user()
    return c.call("UpdateUserStatus", user_id=u["id"],
                  body={"user_id": u["id"], "status": "away"})


@exercise("GetUsersStatusesByIds")
def get_users_statuses_by_ids(c: Ctx) -> Any:
    return c.call("GetUsersStatusesByIds", body=[c.s.admin_id, c.s.user_id])


def _custom_status(c: Ctx, u: dict[str, Any]) -> None:
    c.http("PUT", f"/users/{u['id']}/status/custom", {"emoji": "smile", "text": "conformance"},
           client=c.new_user_client(u))


@exercise("UpdateUserCustomStatus")
def update_user_custom_status(c: Ctx) -> Any:
    u = c.new_user()
    return c.call("UpdateUserCustomStatus", client=c.new_user_client(u), user_id=u["id"],
                  body={"emoji": "smile", "text": "in a meeting"})


@exercise("UnsetUserCustomStatus")
def unset_user_custom_status(c: Ctx) -> Any:
    u = c.new_user()
    _custom_status(c, u)
    return c.call("UnsetUserCustomStatus", client=c.new_user_client(u), user_id=u["id"])


@exercise("RemoveRecentCustomStatus")
def remove_recent_custom_status(c: Ctx) -> Any:
    u = c.new_user()
    _custom_status(c, u)
    return c.call("RemoveRecentCustomStatus", client=c.new_user_client(u), user_id=u["id"],
                  body={"emoji": "smile", "text": "conformance", "duration": "",
                        "expires_at": "0001-01-01T00:00:00Z"})


@exercise("PostUserRecentCustomStatusDelete")
def post_user_recent_custom_status_delete(c: Ctx) -> Any:
    u = c.new_user()
    _custom_status(c, u)
    return c.call("PostUserRecentCustomStatusDelete", client=c.new_user_client(u),
                  user_id=u["id"], body={"emoji": "smile", "text": "conformance",
                                         "duration": "", "expires_at": "0001-01-01T00:00:00Z"})


# ----------------------------------------------------------------- preferences


@exercise("GetPreferences")
def get_preferences(c: Ctx) -> Any:
    return c.call("GetPreferences", user_id=c.s.admin_id)


def _pref(c: Ctx, u: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": u["id"], "category": "display_settings", "name": "use_military_time",
            "value": "true"}


@exercise("UpdatePreferences")
def update_preferences(c: Ctx) -> Any:
    u = c.new_user()
    return c.call("UpdatePreferences", user_id=u["id"], body=[_pref(c, u)])


@exercise("DeletePreferences")
def delete_preferences(c: Ctx) -> Any:
    u = c.new_user()
    c.http("PUT", f"/users/{u['id']}/preferences", [_pref(c, u)])
    return c.call("DeletePreferences", user_id=u["id"], body=[_pref(c, u)])


def _admin_pref(c: Ctx) -> dict[str, Any]:
    me = {"id": c.s.admin_id}
    return c.cached("pref", lambda: c.http("PUT", f"/users/{c.s.admin_id}/preferences",
                                           [_pref(c, me)]))


@exercise("GetPreferencesByCategory")
def get_preferences_by_category(c: Ctx) -> Any:
    _admin_pref(c)
    return c.call("GetPreferencesByCategory", user_id=c.s.admin_id, category="display_settings")


@exercise("GetPreferencesByCategoryByName")
def get_preferences_by_category_by_name(c: Ctx) -> Any:
    _admin_pref(c)
    return c.call("GetPreferencesByCategoryByName", user_id=c.s.admin_id,
                  category="display_settings", preference_name="use_military_time")
