"""Fixtures for the listener tests: a fake Mattermost WebSocket server in a thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _fake_server import FakeMattermost
from _support import FAST, Recorder

from mattermost_ext.listener import Listener


@pytest.fixture
def fake() -> Iterator[FakeMattermost]:
    server = FakeMattermost()
    yield server
    server.stop()


@pytest.fixture
def make_listener(fake: FakeMattermost) -> Iterator[Callable[..., tuple[Listener, Recorder]]]:
    made: list[Listener] = []

    def make(start: bool = True, **options: Any) -> tuple[Listener, Recorder]:
        options.setdefault("backoff", FAST)
        options.setdefault("ping_interval", 5.0)
        options.setdefault("connect_timeout", 3.0)
        options.setdefault("action_timeout", 3.0)
        url = options.pop("url", fake.url)
        token = options.pop("token", fake.token)
        listener = Listener(url, token, **options)
        rec = Recorder()
        listener.add_handler(None, rec)
        made.append(listener)
        if start:
            listener.start()
            assert listener.wait_connected(5.0), "listener did not connect"
        return listener, rec

    yield make
    for listener in made:
        listener.close()
