"""The handler registry both listener drivers share: who is called for which event.

Copy-on-write lists under a lock: registering from any thread (or from a handler) never
disturbs a dispatch in progress.  :meth:`HandlerRegistry.for_event` is the dispatch rule:
the handlers of the event's name, then the catch-all ones; an event whose payload does not
parse (``event.malformed``) goes to the catch-all handlers only, since a typed handler was
promised a typed payload.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from mattermost_ext.events import Event

__all__ = ["HandlerRegistry"]

H = TypeVar("H", bound=Callable[..., Any])


class HandlerRegistry(Generic[H]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, list[H]] = {}
        self._catch_all: list[H] = []
        self._for_name: dict[str, list[H]] = {}  # named + catch-all, rebuilt on change

    def _rebuild(self) -> None:
        catch_all = self._catch_all
        self._for_name = {k: [*v, *catch_all] for k, v in self._by_name.items() if v}

    def add(self, name: str | None, handler: H) -> None:
        """``name``: an event name (any string); ``None``: every event."""
        with self._lock:
            if name is None:
                self._catch_all = [*self._catch_all, handler]
            else:
                key = str(name)
                self._by_name[key] = [*self._by_name.get(key, ()), handler]
            self._rebuild()

    def remove(self, name: str | None, handler: H) -> None:
        with self._lock:
            if name is None:
                self._catch_all = [h for h in self._catch_all if h is not handler]
            else:
                key = str(name)
                self._by_name[key] = [h for h in self._by_name.get(key, ()) if h is not handler]
            self._rebuild()

    def for_event(self, event: Event[Any]) -> list[H]:
        """The handlers to run for ``event``, in order (a list nobody changes: the registry
        replaces its lists instead of changing them)."""
        if event.malformed is not None:
            return self._catch_all
        return self._for_name.get(event.name) or self._catch_all
