"""What both listener drivers share besides the protocol core: reconnect backoff, the
errors a driver raises, the REST helpers (token check, catch-up fetch)."""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mattermost_ext._ws_url import websocket_url
from mattermost_ext.ws_core import ListenerError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_CLIENT_MESSAGE_BYTES",
    "ActionTimeoutError",
    "Backoff",
    "ConnectionFailedError",
    "fetch_posts_since",
    "token_status",
]

MAX_CLIENT_MESSAGE_BYTES = 8 * 1024
"""The server's read limit for one client message."""


class ActionTimeoutError(ListenerError, TimeoutError):
    """No reply to an action within the timeout."""


class ConnectionFailedError(ListenerError):
    """No connection to the server (``url``) within the ``connect_deadline``, or a
    connection that failed with ``reconnect=False`` before it was ever up."""

    def __init__(self, url: str, reason: str, *, attempts: int, waited: float) -> None:
        super().__init__(
            f"could not connect to {url}: {reason} ({attempts} attempt"
            f"{'s' if attempts != 1 else ''} over {waited:.1f} s)"
        )
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.waited = waited


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: ``initial`` for the first ``steady_attempts`` attempts,
    then growing by ``factor`` up to ``maximum``; each multiplied by a random
    factor in ``[1 - jitter, 1 + jitter]`` (then capped at ``maximum``).

    The defaults follow Mattermost's web client (3 s, then growing, capped at 5 min).
    """

    initial: float = 3.0
    maximum: float = 300.0
    factor: float = 2.0
    steady_attempts: int = 3
    jitter: float = 0.3

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (0-based)."""
        grow = max(0, attempt - self.steady_attempts + 1)
        base = min(self.maximum, self.initial * self.factor**grow)
        jittered = base * (1.0 + self.jitter * (2.0 * rng() - 1.0))
        return max(0.0, min(self.maximum, jittered))


def _rest_base(base_url: str) -> str:
    return websocket_url(base_url).replace("ws", "http", 1).rsplit("/websocket", 1)[0]


def token_status(
    base_url: str,
    token: str,
    *,
    client: httpx.Client | None = None,
    verify: bool | str | ssl.SSLContext = True,
    timeout: float = 5.0,
) -> int:
    """The HTTP status of ``GET /api/v4/users/me`` with ``token`` (200: valid, 401: not)."""
    import httpx

    url = _rest_base(base_url) + "/users/me"
    headers = {"Authorization": f"Bearer {token}"}
    if client is not None:
        return client.get(url, headers=headers).status_code
    verify = verify if url.startswith("https:") else False  # no TLS set-up for http
    with httpx.Client(timeout=timeout, verify=verify) as http:
        return http.get(url, headers=headers).status_code


def _statuses(data: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): v for k, v in (data or {}).items() if isinstance(v, str)}


def fetch_posts_since(
    base_url: str,
    token: str,
    since_ms: int,
    *,
    client: httpx.Client | None = None,
    skip_ids: Iterable[str] = (),
    timeout: float = 30.0,
    max_retries: int = 5,
) -> list[dict[str, Any]]:
    """Posts created at or after ``since_ms`` in every channel of the token's user
    (all teams, plus direct and group messages), oldest first, as raw dicts.

    Uses ``GET /api/v4/users/me/teams``, ``GET /api/v4/users/me/teams/{id}/channels``
    and ``GET /api/v4/channels/{id}/posts?since=``; a 429 is retried after the
    server's ``X-RateLimit-Reset`` (at most ``max_retries`` times).
    """
    import httpx

    api = _rest_base(base_url)
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"}
    skip = set(skip_ids)
    try:

        def get(path: str, params: Mapping[str, Any] | None = None) -> Any:
            r = http.get(api + path, params=params, headers=headers)
            for _ in range(max_retries):
                if r.status_code != 429:
                    break
                # Mattermost's limiter: X-RateLimit-Reset (seconds), else Retry-After.
                wait = r.headers.get("X-RateLimit-Reset") or r.headers.get("Retry-After")
                try:
                    delay = float(wait) if wait else 1.0
                except ValueError:
                    delay = 1.0
                time.sleep(min(max(delay, 0.1), 30.0))
                r = http.get(api + path, params=params, headers=headers)
            r.raise_for_status()
            return r.json()

        channel_ids: dict[str, None] = {}
        for team in get("/users/me/teams") or []:
            for ch in get(f"/users/me/teams/{team['id']}/channels") or []:
                channel_ids[ch["id"]] = None
        found: dict[str, dict[str, Any]] = {}
        for cid in channel_ids:
            body = get(f"/channels/{cid}/posts", {"since": since_ms}) or {}
            for pid, post in (body.get("posts") or {}).items():
                if pid in skip or post.get("delete_at"):
                    continue
                if int(post.get("create_at", 0)) >= since_ms:
                    found[pid] = post
    except httpx.HTTPStatusError as exc:
        raise ListenerError(
            f"catch-up request failed: HTTP {exc.response.status_code} {exc.request.url.path}"
        ) from None
    finally:
        if own:
            http.close()
    return sorted(found.values(), key=lambda p: (int(p.get("create_at", 0)), p.get("id", "")))
