"""The asyncio face: events on the caller's loop, handlers sync or async, no blocking."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from _fake_server import FakeMattermost, posted_data
from _support import FAST

from mattermost_ext.aio_listener import AsyncListener
from mattermost_ext.event_names import EventName
from mattermost_ext.events import Event, ListenerEvent, PostData
from mattermost_ext.listener import AuthenticationError

CHANNEL = "c" * 26


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_async_handlers_and_iterator_on_the_callers_loop(fake: FakeMattermost) -> None:
    async def main() -> None:
        loop_thread = threading.get_ident()
        handled: list[tuple[str, int]] = []
        ticks = 0

        async def ticker() -> None:  # one tick per turn of the loop: not a matter of timing
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        tick_task = asyncio.create_task(ticker())
        async with AsyncListener(fake.url, fake.token, backoff=FAST) as listener:

            @listener.on(EventName.POSTED)
            async def posted(event: Event[PostData]) -> None:
                assert threading.get_ident() == loop_thread
                await listener.user_typing(event.payload.channel_id)
                handled.append(("async", event.seq or 0))

            @listener.on(EventName.POSTED)
            def plain(event: Event[PostData]) -> None:
                handled.append(("sync", event.seq or 0))

            @listener.on(EventName.POSTED)
            async def broken(event: Event[PostData]) -> None:
                raise RuntimeError("isolated")

            assert await listener.wait_connected(5)
            statuses = await listener.get_statuses()
            assert statuses == fake.statuses
            assert (await listener.ping())["text"] == "pong"
            for i in range(3):
                fake.broadcast("posted", posted_data(str(i)), {"channel_id": CHANNEL})
            names = []
            async for event in listener.events():
                names.append(event.name)
                if len([n for n in names if n == EventName.TYPING]) == 3:
                    break
            for _ in range(1000):  # up to 10 s on a loaded machine
                if len(handled) == 6:
                    break
                await asyncio.sleep(0.01)
            # one event at a time, handlers in registration order
            assert handled == [(kind, seq) for seq in (1, 2, 3) for kind in ("async", "sync")]
        tick_task.cancel()
        # the loop kept running other tasks while the socket was read (the whole exchange
        # takes many turns of it; a driver blocking the loop would leave the ticker at 1)
        assert ticks >= 10

    run(main())


def test_async_events_iterator_starts_and_ends(fake: FakeMattermost) -> None:
    async def main() -> list[str]:
        listener = AsyncListener(fake.url, fake.token, backoff=FAST)
        seen: list[str] = []
        async for event in listener.events():
            seen.append(event.name)
            if event.name == EventName.HELLO:
                fake.broadcast("posted", posted_data("x"))
            if event.name == EventName.POSTED:
                await listener.close()
        return seen

    seen = run(main())
    assert seen == [ListenerEvent.CONNECTED, EventName.HELLO, EventName.POSTED]


def test_async_fatal_error_surfaces(fake: FakeMattermost) -> None:
    async def main() -> None:
        listener = AsyncListener(fake.url, "bad", backoff=FAST)
        with pytest.raises(AuthenticationError):
            await listener.run_forever()
        await listener.close()

    run(main())


def test_async_close_is_idempotent(fake: FakeMattermost) -> None:
    async def main() -> None:
        listener = AsyncListener(fake.url, fake.token, backoff=FAST)
        await listener.start()
        assert await listener.wait_connected(5)
        await listener.close()
        await listener.close()
        assert not listener.connected

    run(main())
