"""The public surface of mattermost_ext: exactly these names, each importable."""

from __future__ import annotations

import importlib

import mattermost_ext

EXPECTED = {
    # the client
    "Mattermost",
    "AsyncMattermost",
    "DEFAULT_TIMEOUT",
    "normalize_base_url",
    "Secret",
    # errors
    "MattermostError",
    "ApiError",
    "BadRequestError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "UnexpectedResponseError",
    "ConfigurationError",
    "BuilderError",
    # retries
    "RetryPolicy",
    "RateLimitPolicy",
    "ConnectionErrorPolicy",
    "ServerErrorPolicy",
    "RetryTransport",
    "AsyncRetryTransport",
    # auth
    "AccessToken",
    "LoginResult",
    # pagination
    "iter_pages",
    "aiter_pages",
    "iter_channel_posts",
    "aiter_channel_posts",
    # files
    "Download",
    "upload_files",
    "post_files",
    "apost_files",
    "download_file",
    "adownload_file",
    # the other modules' headline names (loaded lazily)
    "Attachment",
    "AttachmentField",
    "Button",
    "Menu",
    "Dialog",
    "Event",
    "EventName",
    "PostData",
    "Listener",
    "ListenerError",
    "AsyncListener",
    "WebhookError",
    "WebhookPayload",
    "post_webhook",
}


def test_exported_names() -> None:
    assert set(mattermost_ext.__all__) == EXPECTED
    assert len(mattermost_ext.__all__) == len(EXPECTED)


def test_every_exported_name_resolves() -> None:
    for name in mattermost_ext.__all__:
        assert getattr(mattermost_ext, name) is not None, name


def test_submodules_reachable() -> None:
    for name in (
        "client",
        "errors",
        "retry",
        "auth",
        "pagination",
        "files",
        "attachments",
        "integrations",
        "webhooks",
        "dialogs",
        "events",
        "event_names",
        "listener",
        "aio_listener",
    ):
        module = getattr(mattermost_ext, name)
        assert module is importlib.import_module(f"mattermost_ext.{name}")


def test_lazy_names_come_from_their_modules() -> None:
    from mattermost_ext.aio_listener import AsyncListener
    from mattermost_ext.listener import Listener

    assert mattermost_ext.Listener is Listener
    assert mattermost_ext.AsyncListener is AsyncListener


def test_every_module_all_is_accurate() -> None:
    for name in ("client", "errors", "retry", "auth", "pagination", "files"):
        module = importlib.import_module(f"mattermost_ext.{name}")
        for member in module.__all__:
            assert hasattr(module, member), f"{name}.{member}"


def test_unknown_name() -> None:
    import pytest

    with pytest.raises(AttributeError):
        mattermost_ext.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    assert "Mattermost" in dir(mattermost_ext)
