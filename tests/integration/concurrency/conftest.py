"""A real HTTP server (uvicorn in a thread) on the test database, for concurrent clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from engage.api.app import create_api
from engage.bootstrap import build
from tests.integration.conftest import World


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_url(world: World) -> Iterator[str]:
    """The API of `world` served over real HTTP on 127.0.0.1, with a real clock (every write
    then really changes the case row, as in production)."""
    port = free_port()
    served = build(world.engage.settings, engine=world.engage.engine)
    config = uvicorn.Config(create_api(served), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    # procrastinate's pool on PostgreSQL (not served.close(): the engine is the test's)
    close = getattr(served.jobs, "close", None)
    if callable(close):
        close()
