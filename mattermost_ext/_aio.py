"""asyncio, imported on first use: ``import mattermost_ext`` must not pay for it (a sync
program never loads it)."""

from __future__ import annotations


async def sleep(seconds: float) -> None:
    """``asyncio.sleep(seconds)``."""
    import asyncio

    await asyncio.sleep(seconds)
