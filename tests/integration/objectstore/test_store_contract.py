"""The ObjectStore contract, run against the filesystem store and against S3 (moto_server)."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from engage.adapters.objectstore import InvalidObjectKey, S3ObjectStore
from engage.services.ports import ObjectNotFound, ObjectStore, StoredObject, content_key

MiB = 1 << 20


class Stream(io.RawIOBase):
    """A non-seekable stream of ``size`` pseudo-random bytes; can fail or look around midway."""

    def __init__(self, size: int, *, fail_at: int | None = None, on_read=None) -> None:
        self.data = hashlib.sha256(str(size).encode()).digest() * (size // 32 + 1)
        self.data = self.data[:size]
        self.pos = 0
        self.fail_at = fail_at
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        if self.on_read is not None:
            self.on_read(self.pos)
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise ConnectionResetError("client went away")
        chunk = self.data[self.pos : self.pos + min(len(buffer), 256 * 1024)]
        buffer[: len(chunk)] = chunk
        self.pos += len(chunk)
        return len(chunk)


def read_all(store: ObjectStore, key: str) -> bytes:
    with store.open(key) as fh:
        return fh.read()


def test_put_open_size_exists_round_trip(store: ObjectStore) -> None:
    assert store.put("cases/1/notes.txt", io.BytesIO(b"hello")) == 5
    assert store.exists("cases/1/notes.txt")
    assert store.size("cases/1/notes.txt") == 5
    assert read_all(store, "cases/1/notes.txt") == b"hello"


def test_put_replaces_an_existing_object(store: ObjectStore) -> None:
    store.put("a/b", io.BytesIO(b"first version"))
    store.put("a/b", io.BytesIO(b"second"))
    assert read_all(store, "a/b") == b"second"
    assert list(store.keys()) == ["a/b"]


def test_open_reads_in_chunks(store: ObjectStore) -> None:
    store.put("big", io.BytesIO(bytes(range(256)) * 1000))
    with store.open("big") as fh:
        first = fh.read(100)
        rest = fh.read()
    assert first == bytes(range(100))
    assert len(first) + len(rest) == 256_000


def test_put_content_is_content_addressed_and_deduplicated(store: ObjectStore) -> None:
    data = b"diagnostic bundle bytes" * 1000
    digest = hashlib.sha256(data).hexdigest()
    first = store.put_content(io.BytesIO(data))
    assert first == StoredObject(
        key=f"sha256/{digest[:2]}/{digest[2:]}", size=len(data), sha256=digest
    )
    assert first.key == content_key(digest)
    again = store.put_content(io.BytesIO(data))
    assert again == first
    assert list(store.keys()) == [first.key]
    assert read_all(store, first.key) == data


def test_put_content_from_a_non_seekable_stream(store: ObjectStore) -> None:
    stream = Stream(3 * MiB + 17)
    stored = store.put_content(stream)  # type: ignore[arg-type]
    assert stored.sha256 == hashlib.sha256(stream.data).hexdigest()
    assert stored.size == len(stream.data)
    assert read_all(store, stored.key) == stream.data


def test_large_stream_goes_up_in_parts_and_reads_back_whole(store: ObjectStore) -> None:
    stream = Stream(11 * MiB + 5)  # two multipart parts on S3
    assert store.put("bundles/large.tar.gz", stream) == len(stream.data)  # type: ignore[arg-type]
    assert store.size("bundles/large.tar.gz") == len(stream.data)
    assert (
        hashlib.sha256(read_all(store, "bundles/large.tar.gz")).digest()
        == hashlib.sha256(stream.data).digest()
    )


def test_missing_objects(store: ObjectStore) -> None:
    assert not store.exists("nope/nothing")
    with pytest.raises(ObjectNotFound):
        store.open("nope/nothing")
    with pytest.raises(ObjectNotFound):
        store.size("nope/nothing")
    store.delete("nope/nothing")  # deleting what is not there is fine (retention reruns)
    store.put("folder/inside", io.BytesIO(b"x"))
    assert not store.exists("folder")
    with pytest.raises(ObjectNotFound):
        store.open("folder")
    store.delete("folder")  # a prefix is not an object: nothing happens
    assert store.exists("folder/inside")


def test_delete_removes_the_object(store: ObjectStore) -> None:
    store.put("x/y/z", io.BytesIO(b"1"))
    store.put("x/keep", io.BytesIO(b"2"))
    store.delete("x/y/z")
    assert not store.exists("x/y/z")
    assert list(store.keys()) == ["x/keep"]


def test_keys_lists_by_prefix_in_order(store: ObjectStore) -> None:
    for key in ("b/2", "a/1", "b/1", "ba/3", "c"):
        store.put(key, io.BytesIO(key.encode()))
    assert list(store.keys()) == ["a/1", "b/1", "b/2", "ba/3", "c"]
    assert list(store.keys("b/")) == ["b/1", "b/2"]
    assert list(store.keys("b")) == ["b/1", "b/2", "ba/3"]
    assert list(store.keys("zzz/")) == []


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../escape",
        "a/../../b",
        "a//b",
        ".tmp/x",
        "a/./b",
        "a\\b",
        "a b",
        "k\x00",
        "x" * 600,
    ],
)
def test_unsafe_keys_are_refused_before_anything_is_written(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        store.put(key, io.BytesIO(b"data"))
    with pytest.raises(InvalidObjectKey):
        store.open(key)
    assert list(store.keys()) == []


@pytest.mark.parametrize("size, fail_at", [(1 * MiB, MiB // 2), (20 * MiB, 9 * MiB)])
def test_an_interrupted_put_leaves_no_object(store: ObjectStore, size: int, fail_at: int) -> None:
    stream = Stream(size, fail_at=fail_at)
    with pytest.raises(ConnectionResetError):
        store.put("uploads/interrupted", stream)  # type: ignore[arg-type]
    assert not store.exists("uploads/interrupted")
    assert list(store.keys()) == []
    if isinstance(store, S3ObjectStore):  # the multipart upload was aborted, not left behind
        pending = store.client.list_multipart_uploads(Bucket=store.bucket)
        assert pending.get("Uploads", []) == []
    else:
        assert os.listdir(store.root / ".tmp") == []  # type: ignore[attr-defined]


def test_an_interrupted_content_put_leaves_no_object(store: ObjectStore) -> None:
    with pytest.raises(ConnectionResetError):
        store.put_content(Stream(2 * MiB, fail_at=MiB))  # type: ignore[arg-type]
    assert list(store.keys()) == []


def test_readers_never_see_a_partial_object(store: ObjectStore) -> None:
    seen: list[bool] = []
    stream = Stream(12 * MiB, on_read=lambda pos: seen.append(store.exists("uploads/slow")))
    store.put("uploads/slow", stream)  # type: ignore[arg-type]
    assert len(seen) > 10 and not any(seen)
    assert store.size("uploads/slow") == 12 * MiB


def test_overwrite_is_atomic_for_readers(store: ObjectStore) -> None:
    store.put("doc", io.BytesIO(b"old content"))
    during: list[bytes] = []
    stream = Stream(2 * MiB, on_read=lambda pos: during.append(read_all(store, "doc")))
    store.put("doc", stream)  # type: ignore[arg-type]
    assert set(during) == {b"old content"}
    assert read_all(store, "doc") == stream.data
