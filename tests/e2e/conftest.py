"""End-to-end fixtures: the real app served by uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from engage.adapters.db.migrate import upgrade
from engage.bootstrap import Engage, build
from engage.config import Settings
from engage.server import create_app
from engage.services.demo import DemoInfo, load_demo


class ShiftableClock:
    """The real clock plus an offset tests can move (to see SLA clocks run out)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        """Now (UTC) plus the offset."""
        return datetime.now(UTC) + self.offset

    @contextmanager
    def shifted(self, **delta: float) -> Iterator[None]:
        """Move the clock forward for the duration of a `with` block."""
        self.offset += timedelta(**delta)
        try:
            yield
        finally:
            self.offset -= timedelta(**delta)


@dataclass
class LiveServer:
    """A running engage server: its base URL, the container, its clock and the demo data."""

    url: str
    engage: Engage
    clock: ShiftableClock
    demo: DemoInfo


def serve_in_thread(engage: Engage) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve the app for `engage` on a free 127.0.0.1 port from a thread; returns its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(engage), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A migrated SQLite database with the demo loaded, served on 127.0.0.1 for the session."""
    root: Path = tmp_path_factory.mktemp("live-server")
    settings = Settings(database_url=f"sqlite:///{root / 'engage.db'}", data_dir=root / "data")
    clock = ShiftableClock()
    engage = build(settings, clock=clock)
    upgrade(engage.engine)
    demo = load_demo(engage.uow(), engage.clock)
    server, thread, url = serve_in_thread(engage)
    try:
        yield LiveServer(url=url, engage=engage, clock=clock, demo=demo)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engage.close()
