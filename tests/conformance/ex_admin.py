"""Exercises: brand, schemes, reports, logs, search indexes, post moves, exports."""

from __future__ import annotations

from typing import Any

from .harness import Ctx, exercise, png_file


def _brand(c: Ctx) -> None:
    c.call("UploadBrandImage", body={"image": png_file("brand.png")})


@exercise("UploadBrandImage")
def upload_brand_image(c: Ctx) -> Any:
    return c.call("UploadBrandImage", body={"image": png_file("brand.png")})


@exercise("GetBrandImage")
def get_brand_image(c: Ctx) -> Any:
    _brand(c)
    return c.call("GetBrandImage")


@exercise("DeleteBrandImage")
def delete_brand_image(c: Ctx) -> Any:
    _brand(c)
    return c.call("DeleteBrandImage")


@exercise("DownloadSystemLogs")
def download_system_logs(c: Ctx) -> Any:
    return c.call("DownloadSystemLogs")


# ----------------------------------------------------------------- certificates (files only)

_PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _cert_body() -> dict[str, Any]:
    from io import BytesIO

    from mattermost_api.types import File

    return {"certificate": File(payload=BytesIO(_PEM), file_name="c.pem",
                                mime_type="application/x-pem-file")}


def _cert_pair(upload_op: str, delete_op: str, path: str) -> None:
    @exercise(upload_op)
    def upload(c: Ctx) -> Any:
        return c.call(upload_op, body=_cert_body())

    @exercise(delete_op)
    def delete(c: Ctx) -> Any:
        c.http("POST", path, files={"certificate": ("c.pem", _PEM, "application/x-pem-file")})
        return c.call(delete_op)


for _up, _del, _path in [
    ("UploadSamlIdpCertificate", "DeleteSamlIdpCertificate", "/saml/certificate/idp"),
    ("UploadSamlPublicCertificate", "DeleteSamlPublicCertificate", "/saml/certificate/public"),
    ("UploadSamlPrivateCertificate", "DeleteSamlPrivateCertificate", "/saml/certificate/private"),
    ("UploadLdapPublicCertificate", "DeleteLdapPublicCertificate", "/ldap/certificate/public"),
    ("UploadLdapPrivateCertificate", "DeleteLdapPrivateCertificate", "/ldap/certificate/private"),
    ("AddAuditLogCertificate", "RemoveAuditLogCertificate", "/audit_logs/certificate"),
]:
    _cert_pair(_up, _del, _path)


@exercise("GetSamlCertificateStatus")
def get_saml_certificate_status(c: Ctx) -> Any:
    return c.call("GetSamlCertificateStatus")


@exercise("InviteUsersToTeam")
def invite_users_to_team(c: Ctx) -> Any:
    return c.call("InviteUsersToTeam", team_id=c.team["id"],
                  body=[f"invitee-{c.uid()}@example.com"])


@exercise("UpdateUserAuth")
def update_user_auth(c: Ctx) -> Any:
    return c.call("UpdateUserAuth", user_id=c.new_user()["id"],
                  body={"auth_data": c.uid("gl"), "auth_service": "gitlab"})


@exercise("TestNotification")
def test_notification(c: Ctx) -> Any:
    return c.call("TestNotification")


# ----------------------------------------------------------------- imports and exports


def _import_file(c: Ctx) -> str:
    """An import file (resumable upload of type import); answers its name."""
    from io import BytesIO

    up = c.http("POST", "/uploads", {"channel_id": "", "filename": "conf.zip",
                                     "file_size": 5, "type": "import"})
    c.admin.get_httpx_client().post(f"/api/v4/uploads/{up['id']}",
                                    content=BytesIO(b"hello").getvalue())
    names = c.http("GET", "/imports")
    return next(n for n in names if up["id"] in n)


@exercise("DeleteImport")
def delete_import(c: Ctx) -> Any:
    return c.call("DeleteImport", import_name=_import_file(c))


def _export_file(c: Ctx) -> str:
    """A bulk export (job export_process), waited for; answers its file name."""
    import time

    job = c.http("POST", "/jobs", {"type": "export_process"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = c.http("GET", f"/jobs/{job['id']}")
        if state["status"] in ("success", "error", "canceled"):
            break
        time.sleep(0.5)
    names = c.http("GET", "/exports")
    if not names:
        raise AssertionError(f"export job ended {state['status']}, no export file")
    return str(names[-1])


@exercise("DownloadExport")
def download_export(c: Ctx) -> Any:
    return c.call("DownloadExport", export_name=c.cached("export", lambda: _export_file(c)))


@exercise("DeleteExport")
def delete_export(c: Ctx) -> Any:
    name = c.cached("export", lambda: _export_file(c))
    r = c.call("DeleteExport", export_name=name)
    c._cache.pop("export", None)
    return r


@exercise("GetAccessControlPolicyAutocompleteFields")
def get_access_control_policy_autocomplete_fields(c: Ctx) -> Any:
    return c.call("GetAccessControlPolicyAutocompleteFields", limit=10)


@exercise("RemoveLicenseFile")
def remove_license_file(c: Ctx) -> Any:
    # Team Edition has no licence to remove: the call is a harmless no-op answering OK.
    return c.call("RemoveLicenseFile")
