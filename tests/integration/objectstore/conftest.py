"""One test suite, two backends: the filesystem store on tmp_path and S3 on a real moto server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tests.support.s3_server import S3Server, s3_server_fixture

from engage.adapters.objectstore import build_store
from engage.config import Settings
from engage.services.ports import ObjectStore

s3_server = pytest.fixture(scope="session")(s3_server_fixture)


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """A fresh, empty store of each kind, chosen through settings like a deployment does."""
    if request.param == "filesystem":
        return build_store(Settings(object_store="filesystem", data_dir=tmp_path))
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = f"engage-{uuid.uuid4().hex[:12]}"
    built = build_store(server.settings(bucket))
    built.create_bucket()  # type: ignore[attr-defined]
    return built
