"""Exercises: system, config, licence reads, logs, roles, schemes, jobs, misc."""

from __future__ import annotations

import json
import time
from typing import Any

from .harness import Ctx, SetupError, check, exercise, operations, until_migrated

# ----------------------------------------------------------------- system


@exercise("GetSupportedTimezone")
def get_supported_timezone(c: Ctx) -> Any:
    return c.call("GetSupportedTimezone")


@exercise("GetPing")
def get_ping(c: Ctx) -> Any:
    return c.call("GetPing", get_server_status=True)


@exercise("GetNotices")
def get_notices(c: Ctx) -> Any:
    return c.call("GetNotices", team_id=c.team["id"], client_version="11.4.0", client_query="web")


@exercise("MarkNoticesViewed")
def mark_notices_viewed(c: Ctx) -> Any:
    return c.call("MarkNoticesViewed", body=["conformance_notice"])


@exercise("TestSiteURL")
def test_site_url(c: Ctx) -> Any:
    return c.call("TestSiteURL", body={"site_url": c.url})


@exercise("GetConfig")
def get_config(c: Ctx) -> Any:
    return c.call("GetConfig")


@exercise("UpdateConfig")
def update_config(c: Ctx) -> Any:
    # The whole config, unchanged but for one harmless setting.
    cfg = c.http("GET", "/config")
    cfg["TeamSettings"]["CustomDescriptionText"] = "conformance " + c.uid()
    return c.call("UpdateConfig", body=cfg)


@exercise("ReloadConfig")
def reload_config(c: Ctx) -> Any:
    return c.call("ReloadConfig")


@exercise("GetClientConfig")
def get_client_config(c: Ctx) -> Any:
    return c.call("GetClientConfig")


@exercise("GetEnvironmentConfig")
def get_environment_config(c: Ctx) -> Any:
    return c.call("GetEnvironmentConfig")


@exercise("PatchConfig")
def patch_config(c: Ctx) -> Any:
    return c.call("PatchConfig", body={"TeamSettings": {"CustomBrandText": "conformance"}})


@exercise("GetClientLicense")
def get_client_license(c: Ctx) -> Any:
    return c.call("GetClientLicense", format_="old")


@exercise("GetLicenseLoadMetric")
def get_license_load_metric(c: Ctx) -> Any:
    return c.call("GetLicenseLoadMetric")


@exercise("GetAudits")
def get_audits(c: Ctx) -> Any:
    return c.call("GetAudits", per_page=20)


@exercise("InvalidateCaches")
def invalidate_caches(c: Ctx) -> Any:
    return c.call("InvalidateCaches")


@exercise("GetLogs")
def get_logs(c: Ctx) -> Any:
    return c.call("GetLogs", logs_per_page=20)


@exercise("PostLog")
def post_log(c: Ctx) -> Any:
    return c.call("PostLog", body={"level": "INFO", "message": "conformance"})


@exercise("GetAnalyticsOld")
def get_analytics_old(c: Ctx) -> Any:
    return c.call("GetAnalyticsOld")


@exercise("SetServerBusy")
def set_server_busy(c: Ctx) -> Any:
    r = c.call("SetServerBusy", seconds="1")
    c.http("DELETE", "/server_busy")
    return r


@exercise("GetServerBusyExpires")
def get_server_busy_expires(c: Ctx) -> Any:
    return c.call("GetServerBusyExpires")


@exercise("ClearServerBusy")
def clear_server_busy(c: Ctx) -> Any:
    return c.call("ClearServerBusy")


@exercise("GetRedirectLocation")
def get_redirect_location(c: Ctx) -> Any:
    return c.call("GetRedirectLocation", url_query="http://127.0.0.1:9/")


@exercise("UpgradeToEnterpriseStatus")
def upgrade_to_enterprise_status(c: Ctx) -> Any:
    return c.call("UpgradeToEnterpriseStatus")


@exercise("IsAllowedToUpgradeToEnterprise")
def is_allowed_to_upgrade_to_enterprise(c: Ctx) -> Any:
    return c.call("IsAllowedToUpgradeToEnterprise")


@exercise("UpdateMarketplaceVisitedByAdmin")
def update_marketplace_visited_by_admin(c: Ctx) -> Any:
    return c.call(
        "UpdateMarketplaceVisitedByAdmin",
        body={"name": "FirstAdminVisitMarketplace", "value": "true"},
    )


@exercise("GetMarketplaceVisitedByAdmin")
def get_marketplace_visited_by_admin(c: Ctx) -> Any:
    return c.call("GetMarketplaceVisitedByAdmin")


@exercise("GetAncillaryPermissionsPost")
def get_ancillary_permissions_post(c: Ctx) -> Any:
    return c.call("GetAncillaryPermissionsPost", body=["sysconsole_read_user_management_users"])


@exercise("SubmitPerformanceReport")
def submit_performance_report(c: Ctx) -> Any:
    now = int(time.time() * 1000)
    return c.call(
        "SubmitPerformanceReport",
        body={
            "version": "0.1.0",
            "start": now - 1000,
            "end": now,
            "counters": [{"metric": "webapp_plugins_loaded", "value": 1, "timestamp": now}],
        },
    )


@exercise("GetPostsUsage")
def get_posts_usage(c: Ctx) -> Any:
    return c.call("GetPostsUsage")


@exercise("GetStorageUsage")
def get_storage_usage(c: Ctx) -> Any:
    return c.call("GetStorageUsage")


@exercise("GetUsersForReporting")
def get_users_for_reporting(c: Ctx) -> Any:
    # A user saved without a timezone (PUT /users/{id} without one) is reported with
    # timezone null (user-report-timezone-nullable) ...
    u = c.new_user()
    c.http(
        "PUT", f"/users/{u['id']}", {"id": u["id"], "email": u["email"], "username": u["username"]}
    )
    found = c.call("GetUsersForReporting", search_term=u["username"])
    rows = json.loads(found.content)
    if [row.get("timezone", "absent") for row in rows] != [None]:
        raise SetupError(f"a user saved without timezone is reported as {found.content[:200]!r}")
    problems = check(operations()["GetUsersForReporting"], found)
    if problems:
        raise AssertionError(f"GetUsersForReporting of a user without timezone: {problems}")
    # ... and a page of users
    return c.call("GetUsersForReporting", page_size=20)


@exercise("GetUserCountForReporting")
def get_user_count_for_reporting(c: Ctx) -> Any:
    return c.call("GetUserCountForReporting")


# ----------------------------------------------------------------- roles and schemes


@exercise("GetAllRoles")
def get_all_roles(c: Ctx) -> Any:
    return c.call("GetAllRoles")


def _role(c: Ctx, name: str = "channel_user") -> dict[str, Any]:
    return c.http("GET", f"/roles/name/{name}")


@exercise("GetRole")
def get_role(c: Ctx) -> Any:
    return c.call("GetRole", role_id=_role(c)["id"])


@exercise("GetRoleByName")
def get_role_by_name(c: Ctx) -> Any:
    return c.call("GetRoleByName", role_name="system_user")


@exercise("PatchRole")
def patch_role(c: Ctx) -> Any:
    role = _role(c, "channel_user")
    return c.call("PatchRole", role_id=role["id"], body={"permissions": role["permissions"]})


@exercise("GetRolesByNames")
def get_roles_by_names(c: Ctx) -> Any:
    return c.call("GetRolesByNames", body=["system_user", "team_user", "channel_user"])


@exercise("GetSchemes")
def get_schemes(c: Ctx) -> Any:
    return until_migrated(lambda: c.call("GetSchemes"))  # a fresh server migrates first


# ----------------------------------------------------------------- jobs


def _job(c: Ctx) -> dict[str, Any]:
    return c.http("POST", "/jobs", {"type": "export_delete"})


@exercise("GetJobs")
def get_jobs(c: Ctx) -> Any:
    c.cached("job", lambda: _job(c))
    return c.call("GetJobs", per_page=20)


@exercise("CreateJob")
def create_job(c: Ctx) -> Any:
    return c.call("CreateJob", body={"type": "export_delete"})


@exercise("GetJob")
def get_job(c: Ctx) -> Any:
    return c.call("GetJob", job_id=c.cached("job", lambda: _job(c))["id"])


@exercise("CancelJob")
def cancel_job(c: Ctx) -> Any:
    return c.call("CancelJob", job_id=_job(c)["id"])


@exercise("GetJobsByType")
def get_jobs_by_type(c: Ctx) -> Any:
    c.cached("job", lambda: _job(c))
    return c.call("GetJobsByType", type_="export_delete")


@exercise("UpdateJobStatus")
def update_job_status(c: Ctx) -> Any:
    return c.call(
        "UpdateJobStatus", job_id=_job(c)["id"], body={"status": "canceled", "force": True}
    )


# ----------------------------------------------------------------- terms, brand, exports


@exercise("ListImports")
def list_imports(c: Ctx) -> Any:
    # an import file, uploaded through an upload session of type import
    up = c.http(
        "POST",
        "/uploads",
        {
            "type": "import",
            "filename": c.uid("imp") + ".zip",
            "file_size": 5,
            "user_id": c.s.admin_id,
        },
    )
    c.admin.get_httpx_client().post(
        f"/api/v4/uploads/{up['id']}",
        content=b"hello",
        headers={"Content-Type": "application/octet-stream"},
    )
    return c.call("ListImports")


@exercise("ListExports")
def list_exports(c: Ctx) -> Any:
    return c.call("ListExports")


@exercise("GetClusterStatus")
def get_cluster_status(c: Ctx) -> Any:
    return c.call("GetClusterStatus")


@exercise("CanUserDirectMessage")
def can_user_direct_message(c: Ctx) -> Any:
    return c.call("CanUserDirectMessage", user_id=c.s.admin_id, other_user_id=c.s.user_id)


@exercise("GetAgents")
def get_agents(c: Ctx) -> Any:
    return c.call("GetAgents")


@exercise("GetLLMServices")
def get_llm_services(c: Ctx) -> Any:
    return c.call("GetLLMServices")
