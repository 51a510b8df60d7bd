"""A real S3-compatible server on loopback for tests: moto's standalone ``moto_server``.

Example (a session-scoped pytest fixture in a conftest.py)::

    from tests.support.s3_server import s3_server_fixture
    s3_server = pytest.fixture(scope="session")(s3_server_fixture)

    def test_put(s3_server, monkeypatch):
        store = s3_server.store("my-bucket")          # bucket created, credentials set
        store.put("a/b", io.BytesIO(b"data"))

The server runs as a subprocess on a free port of 127.0.0.1; boto3 talks to it over HTTP with
dummy credentials, multipart uploads included.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import httpx

from engage.adapters.objectstore.s3 import S3ObjectStore
from engage.config import Settings

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "engage-test",
    "AWS_SECRET_ACCESS_KEY": "engage-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3ServerError(RuntimeError):
    """moto_server did not start (not installed, or it never answered)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    beside = Path(sys.executable).with_name("moto_server")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("moto_server")
    if found is None:
        raise S3ServerError('moto_server not found; pip install "moto[server]"')
    return [found]


class S3Server:
    """moto_server in a subprocess; ``endpoint_url`` is set once it answers."""

    def __init__(self, *, startup_timeout: float = 30.0) -> None:
        self.startup_timeout = startup_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start the server on a free port and wait until it answers (retries a taken port)."""
        for _ in range(3):
            self.port = free_port()
            self._proc = subprocess.Popen(
                [*_command(), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait():
                return self
            self.stop()
        raise S3ServerError("moto_server did not answer on loopback")

    def _wait(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:
                httpx.get(f"{self.endpoint_url}/moto-api/", timeout=1.0)
                return True
            except httpx.HTTPError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop the server process."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset endpoint)."""
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10.0).raise_for_status()

    def use_credentials(self) -> None:
        """Put dummy AWS credentials in the environment (boto3's chain reads them)."""
        os.environ.update(CREDENTIALS)

    def client(self) -> Any:
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def settings(self, bucket: str = "engage", **overrides: Any) -> Settings:
        """Settings that select this server as the object store."""
        return Settings(
            object_store="s3",
            s3_bucket=bucket,
            s3_endpoint_url=self.endpoint_url,
            s3_region=CREDENTIALS["AWS_DEFAULT_REGION"],
            **overrides,
        )

    def store(self, bucket: str = "engage", **kwargs: Any) -> S3ObjectStore:
        """An S3ObjectStore on a (new or existing) bucket of this server."""
        store = S3ObjectStore(self.client(), bucket, **kwargs)
        store.create_bucket()
        return store


def s3_server_fixture() -> Iterator[S3Server]:
    """Generator for a pytest fixture: one moto_server for the session, with credentials set."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    with S3Server() as server:
        server.use_credentials()
        try:
            yield server
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
