"""Helpers shared by the listener tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from mattermost_ext.events import Event
from mattermost_ext.listener import Backoff, Listener

FAST = Backoff(initial=0.05, maximum=0.5, factor=2.0, steady_attempts=1, jitter=0.2)


class Recorder:
    """A catch-all handler that remembers events and lets a test wait for them."""

    def __init__(self) -> None:
        self.events: list[Event[Any]] = []
        self.cond = threading.Condition()

    def __call__(self, event: Event[Any]) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def named(self, name: str) -> list[Event[Any]]:
        with self.cond:
            return [e for e in self.events if e.name == name]

    def wait_for(self, pred: Callable[[list[Event[Any]]], bool], timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: pred(self.events), timeout)

    def wait_count(self, name: str, n: int, timeout: float = 5.0) -> list[Event[Any]]:
        ok = self.wait_for(lambda evs: sum(1 for e in evs if e.name == name) >= n, timeout)
        got = self.named(name)
        assert ok, f"expected {n} {name} events, got {len(got)}: {[e.name for e in self.events]}"
        return got


def wait_until(pred: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


MakeListener = Callable[..., tuple[Listener, Recorder]]
"""The ``make_listener`` fixture: options → a started listener and its recorder."""
