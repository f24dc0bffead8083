"""The WebSocket URL from the REST client's base URL (no token, ever)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = ["websocket_url"]

_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_API = "/api/v4"


def websocket_url(
    base_url: str,
    *,
    connection_id: str | None = None,
    sequence_number: int | None = None,
) -> str:
    """``https://host/mm`` → ``wss://host/mm/api/v4/websocket[?connection_id=…&sequence_number=…]``.

    The scheme maps http→ws and https→wss (ws/wss are kept); a subpath is kept;
    ``/api/v4`` is added once (a base URL that already ends with it is accepted).
    Query and fragment of the base URL are dropped: the token never goes in the URL.
    """
    parts = urlsplit(base_url.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"not an http(s) or ws(s) base URL: {parts.scheme}://{parts.netloc}")
    if "@" in parts.netloc:
        raise ValueError("credentials in the base URL are not supported")
    path = parts.path.rstrip("/")
    if path.endswith("/websocket"):
        path = path[: -len("/websocket")]
    if not path.endswith(_API):
        path += _API
    query = ""
    if connection_id:
        if sequence_number is None:
            raise ValueError("resuming needs both connection_id and sequence_number")
        query = urlencode({"connection_id": connection_id, "sequence_number": sequence_number})
    return urlunsplit((scheme, parts.netloc, path + "/websocket", query, ""))
