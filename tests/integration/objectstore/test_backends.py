"""What only one backend has: file modes and layout on disk, S3 errors, store selection."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from tests.support.s3_server import CREDENTIALS, S3Server, free_port

from engage.adapters.objectstore import (
    FilesystemObjectStore,
    S3ObjectStore,
    UnknownObjectStore,
    build_store,
)
from engage.bootstrap import build
from engage.config import Settings
from engage.services.ports import ObjectStoreError


def test_filesystem_layout_is_under_data_dir_objects(tmp_path: Path) -> None:
    store = build_store(Settings(data_dir=tmp_path))
    assert isinstance(store, FilesystemObjectStore)
    stored = store.put_content(io.BytesIO(b"abc"))
    path = tmp_path / "objects" / stored.key
    assert path.read_bytes() == b"abc"
    assert stored.key.startswith("sha256/ba/7816bf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # uploads are private to the service


def test_filesystem_delete_prunes_empty_folders(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path)
    store.put("a/b/c/d", io.BytesIO(b"x"))
    store.delete("a/b/c/d")
    assert not (tmp_path / "a").exists()


def test_filesystem_out_of_space_is_a_storage_error(tmp_path: Path) -> None:
    # a regular file where the temp folder should be: writing fails like a broken disk
    (tmp_path / ".tmp").write_bytes(b"")
    with pytest.raises(ObjectStoreError, match="cannot create a temporary object"):
        FilesystemObjectStore(tmp_path).put("k", io.BytesIO(b"x"))


def test_s3_missing_bucket_is_a_storage_error(s3_server: S3Server) -> None:
    store = S3ObjectStore(s3_server.client(), "no-such-bucket-here")
    with pytest.raises(ObjectStoreError, match="NoSuchBucket"):
        store.put("k", io.BytesIO(b"x"))


def test_s3_unreachable_endpoint_is_a_storage_error() -> None:
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(ObjectStoreError, match="cannot write object"):
        S3ObjectStore(client, "bucket").put("k", io.BytesIO(b"x"))


def test_s3_prefix_keeps_objects_apart(s3_server: S3Server) -> None:
    s3_server.store("shared-bucket")
    tenant = S3ObjectStore(s3_server.client(), "shared-bucket", prefix="engage/")
    other = S3ObjectStore(s3_server.client(), "shared-bucket", prefix="other")
    tenant.put("a", io.BytesIO(b"1"))
    other.put("a", io.BytesIO(b"2"))
    assert list(tenant.keys()) == ["a"]
    assert tenant.open("a").read() == b"1"
    raw = s3_server.client().list_objects_v2(Bucket="shared-bucket")
    assert sorted(o["Key"] for o in raw["Contents"]) == ["engage/a", "other/a"]


def test_s3_settings_select_the_s3_store(s3_server: S3Server) -> None:
    store = build_store(s3_server.settings("from-settings"))
    assert isinstance(store, S3ObjectStore)
    store.create_bucket()
    store.put("k", io.BytesIO(b"v"))
    assert s3_server.client().get_object(Bucket="from-settings", Key="k")["Body"].read() == b"v"
    assert CREDENTIALS["AWS_ACCESS_KEY_ID"]


def test_unknown_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownObjectStore, match="'ftp'"):
        build_store(Settings(object_store="ftp", data_dir=tmp_path))


def test_bootstrap_puts_the_store_on_the_container(tmp_path: Path) -> None:
    engage = build(Settings(database_url=f"sqlite:///{tmp_path / 'e.db'}", data_dir=tmp_path))
    try:
        assert isinstance(engage.store, FilesystemObjectStore)
        assert engage.store.root == tmp_path / "objects"
    finally:
        engage.close()
