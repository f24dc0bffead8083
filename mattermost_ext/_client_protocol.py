"""What the helper modules (auth, pagination, files) need of a client, as protocols.

They take a :class:`~mattermost_ext.Mattermost` / :class:`~mattermost_ext.AsyncMattermost`
but depend only on this: imports go one way, ``client`` -> ``auth`` -> ``pagination``, and
none of them imports ``client`` back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import httpx
    from mattermost_api.client import AuthenticatedClient

    from ._redact import Secret

__all__ = ["AsyncClient", "SyncClient"]


class SyncClient(Protocol):
    """A sync client: :class:`mattermost_ext.Mattermost`."""

    @property
    def api(self) -> AuthenticatedClient: ...

    @property
    def http(self) -> httpx.Client: ...

    def set_token(self, token: str | Secret | None) -> None: ...


class AsyncClient(Protocol):
    """An asyncio client: :class:`mattermost_ext.AsyncMattermost`."""

    @property
    def api(self) -> AuthenticatedClient: ...

    @property
    def http(self) -> httpx.AsyncClient: ...

    def set_token(self, token: str | Secret | None) -> None: ...
