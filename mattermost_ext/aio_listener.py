"""The listener for asyncio: events on the caller's event loop, never blocking it.

::

    async with AsyncListener("https://chat.example.com", token) as listener:

        @listener.on(EventName.POSTED)
        async def posted(event: Event[PostData]) -> None:
            await listener.user_typing(event.payload.channel_id)

        async for event in listener.events():
            ...

The socket is read by a :class:`~mattermost_ext.listener.Listener` on its own
thread (websocket-client is blocking); events are handed to the loop in
batches through ``loop.call_soon_threadsafe``. Handlers (sync or ``async``)
run on the loop, one event at a time and in order; a failing handler is
logged and the others still run. Actions are awaitable and wait in a worker
thread, so a handler may await a reply.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Literal, TypeAlias, TypeVar, overload

from mattermost_ext.event_names import EventName
from mattermost_ext.events import (
    ChannelData,
    ChannelMemberData,
    ConnectedData,
    DisconnectedData,
    Event,
    HelloData,
    ListenerEvent,
    MissedEventsData,
    PostData,
    ReactionData,
    StatusChangeData,
    TypingData,
    UserUpdatedData,
)
from mattermost_ext.listener import Listener, ListenerError

__all__ = ["AsyncHandler", "AsyncListener"]

logger = logging.getLogger("mattermost_ext.listener")

T = TypeVar("T")
AsyncHandler: TypeAlias = Callable[[Event[Any]], Awaitable[object] | object]
"""A handler for the asyncio face: a plain function or a coroutine function."""
_H: TypeAlias = Callable[[Event[Any]], Awaitable[object] | object]
_Fn: TypeAlias = Callable[[Event[T]], Awaitable[object] | object]
_STOP: Any = object()


class AsyncListener:
    """asyncio face of :class:`~mattermost_ext.listener.Listener` (same options)."""

    def __init__(self, url: str, token: str, **options: Any) -> None:
        self.listener = Listener(url, token, **options)
        self._handlers: dict[str, list[_H]] = {}
        self._catch_all: list[_H] = []
        self._subscribers: list[asyncio.Queue[Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: deque[Any] = deque()
        self._scheduled = False
        self._dispatch_queue: asyncio.Queue[Any] | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._connected: asyncio.Event | None = None
        self._stopped: asyncio.Event | None = None

    def __repr__(self) -> str:
        return f"<AsyncListener {self.listener!r}>"

    # -- handlers -------------------------------------------------------------

    @overload
    def on(
        self, name: Literal[EventName.POSTED, EventName.POST_EDITED, EventName.POST_DELETED]
    ) -> Callable[[_Fn[PostData]], _Fn[PostData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.TYPING]
    ) -> Callable[[_Fn[TypingData]], _Fn[TypingData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.REACTION_ADDED, EventName.REACTION_REMOVED]
    ) -> Callable[[_Fn[ReactionData]], _Fn[ReactionData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.STATUS_CHANGE]
    ) -> Callable[[_Fn[StatusChangeData]], _Fn[StatusChangeData]]: ...
    @overload
    def on(
        self,
        name: Literal[
            EventName.CHANNEL_CREATED, EventName.CHANNEL_UPDATED, EventName.CHANNEL_DELETED
        ],
    ) -> Callable[[_Fn[ChannelData]], _Fn[ChannelData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_ADDED, EventName.USER_REMOVED]
    ) -> Callable[[_Fn[ChannelMemberData]], _Fn[ChannelMemberData]]: ...
    @overload
    def on(
        self, name: Literal[EventName.USER_UPDATED]
    ) -> Callable[[_Fn[UserUpdatedData]], _Fn[UserUpdatedData]]: ...
    @overload
    def on(self, name: Literal[EventName.HELLO]) -> Callable[[_Fn[HelloData]], _Fn[HelloData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.MISSED_EVENTS]
    ) -> Callable[[_Fn[MissedEventsData]], _Fn[MissedEventsData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.CONNECTED]
    ) -> Callable[[_Fn[ConnectedData]], _Fn[ConnectedData]]: ...
    @overload
    def on(
        self, name: Literal[ListenerEvent.DISCONNECTED]
    ) -> Callable[[_Fn[DisconnectedData]], _Fn[DisconnectedData]]: ...
    @overload
    def on(self, name: str | None = None) -> Callable[[_H], _H]: ...
    def on(self, name: str | None = None) -> Callable[[Any], Any]:
        """Decorator: a sync or ``async`` handler for ``name`` (all events if None)."""

        def register(func: Any) -> Any:
            self.add_handler(name, func)
            return func

        return register

    def add_handler(self, name: str | None, handler: AsyncHandler) -> None:
        if name is None:
            self._catch_all = [*self._catch_all, handler]
        else:
            self._handlers[str(name)] = [*self._handlers.get(str(name), ()), handler]

    def remove_handler(self, name: str | None, handler: AsyncHandler) -> None:
        if name is None:
            self._catch_all = [h for h in self._catch_all if h is not handler]
        else:
            key = str(name)
            self._handlers[key] = [h for h in self._handlers.get(key, ()) if h is not handler]

    # -- running ---------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.listener.connected

    async def start(self) -> None:
        """Start reading (in a thread) and dispatching (a task on the running loop)."""
        if self._loop is not None:
            raise ListenerError("listener already started")
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._dispatch_queue = asyncio.Queue()
        self._connected = asyncio.Event()
        self._stopped = asyncio.Event()
        self._dispatcher = loop.create_task(self._dispatch_loop(), name="mattermost-dispatch")
        self.listener.add_handler(None, self._feed)
        self.listener._stop_callbacks.append(lambda: self._feed(_STOP))
        self.listener.start()

    async def wait_connected(self, timeout: float | None = None) -> bool:
        if self._connected is None:
            await self.start()
        assert self._connected is not None and self._stopped is not None
        if self.listener.connected:
            return True
        waiters = [
            asyncio.ensure_future(self._connected.wait()),
            asyncio.ensure_future(self._stopped.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self.listener.connected

    async def run_forever(self) -> None:
        """Start if needed and wait until closed; raises the listener's fatal error."""
        if self._loop is None:
            await self.start()
        assert self._dispatcher is not None
        await asyncio.shield(self._dispatcher)
        if self.listener._fatal is not None:
            raise self.listener._fatal

    async def close(self) -> None:
        """Idempotent; waits (in a worker thread) for the socket thread to end."""
        await asyncio.to_thread(self.listener.close)
        if self._dispatcher is not None and self._loop is asyncio.get_running_loop():
            self._deliver(_STOP)
            await asyncio.wait([self._dispatcher], timeout=5)

    async def __aenter__(self) -> AsyncListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def events(self) -> AsyncIterator[Event[Any]]:
        """Every event, in order, until the listener closes (raising its fatal error)."""
        q: asyncio.Queue[Any] = asyncio.Queue()
        self._subscribers.append(q)
        try:
            if self._loop is None:
                await self.start()
            while True:
                item = await q.get()
                if item is _STOP:
                    if self.listener._fatal is not None:
                        raise self.listener._fatal
                    return
                yield item
        finally:
            self._subscribers = [x for x in self._subscribers if x is not q]

    # -- actions (awaitable) ---------------------------------------------------

    async def ping(self, *, timeout: float | None = None) -> dict[str, Any]:
        return await asyncio.to_thread(self.listener.ping, timeout=timeout)

    async def user_typing(
        self, channel_id: str, parent_id: str | None = None, *, timeout: float | None = None
    ) -> None:
        await asyncio.to_thread(self.listener.user_typing, channel_id, parent_id, timeout=timeout)

    async def get_statuses(self, *, timeout: float | None = None) -> dict[str, str]:
        return await asyncio.to_thread(self.listener.get_statuses, timeout=timeout)

    async def get_statuses_by_ids(
        self, user_ids: Iterable[str], *, timeout: float | None = None
    ) -> dict[str, str]:
        ids = list(user_ids)
        return await asyncio.to_thread(self.listener.get_statuses_by_ids, ids, timeout=timeout)

    async def send_action(
        self, action: str, data: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> dict[str, Any] | None:
        return await asyncio.to_thread(self.listener.send_action, action, data, timeout=timeout)

    async def catch_up(self, missed: MissedEventsData | None = None) -> list[Event[PostData]]:
        """Fetch missed posts over REST (in a worker thread) and dispatch them on the loop."""
        events = await asyncio.to_thread(self.listener.catch_up, missed, dispatch=False)
        for ev in events:
            self._deliver(ev)
        return events

    # -- internals ---------------------------------------------------------------

    def _feed(self, event: Any) -> None:
        """On the socket thread: queue for the loop; one wake-up per batch."""
        self._inbox.append(event)
        if not self._scheduled:
            self._scheduled = True
            loop = self._loop
            if loop is None:
                return
            try:
                loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # the loop is closed
                self._scheduled = False

    def _drain(self) -> None:
        self._scheduled = False
        inbox = self._inbox
        while inbox:
            self._deliver(inbox.popleft())

    def _deliver(self, event: Any) -> None:
        if event is not _STOP:
            name = getattr(event, "name", None)
            if name is ListenerEvent.CONNECTED and self._connected is not None:
                self._connected.set()
            elif name is ListenerEvent.DISCONNECTED and self._connected is not None:
                self._connected.clear()
        elif self._stopped is not None:
            self._stopped.set()
        if self._dispatch_queue is not None:
            self._dispatch_queue.put_nowait(event)
        for q in self._subscribers:
            q.put_nowait(event)

    async def _dispatch_loop(self) -> None:
        assert self._dispatch_queue is not None
        q = self._dispatch_queue
        while True:
            event = await q.get()
            if event is _STOP:
                return
            handlers = self._handlers.get(event.name)
            for h in (*handlers, *self._catch_all) if handlers else self._catch_all:
                try:
                    result = h(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception(
                        "handler %s failed on %s event", getattr(h, "__qualname__", h), event.name
                    )
