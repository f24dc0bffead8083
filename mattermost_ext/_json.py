"""The JSON decoder of the WebSocket path: orjson (a dependency of this package) when
importable, else the standard library; what orjson refuses that ``json.loads`` accepts (NaN,
integers beyond 64 bits) still decodes, through the fallback.

``fast_loads`` raises ``ValueError`` (orjson's ``JSONDecodeError`` is one) for anything it
does not decode; callers that need ``json.loads``'s exact answer then ask :func:`loads`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

fast_loads: Callable[[str | bytes], Any]
try:
    from orjson import loads as fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency; the stdlib is the fallback
    fast_loads = json.loads


def loads(data: str | bytes) -> Any:
    """``json.loads(data)``, decoded by orjson when it can."""
    try:
        return fast_loads(data)
    except ValueError:
        return json.loads(data)
