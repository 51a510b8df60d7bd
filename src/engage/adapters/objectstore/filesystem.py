"""Object store on the local filesystem under ``<data_dir>/objects``.

A put streams into a private temporary file in ``objects/.tmp`` (same filesystem), flushes and
fsyncs it, then renames it over the target: a reader sees the old object, the new one or
nothing, never part of one. Content-addressed puts hash while writing and then rename to
``sha256/ab/cdef...``; an object that already exists is kept and the copy dropped.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from engage.adapters.objectstore.keys import CHUNK, HashingReader, check_key, check_prefix
from engage.services.ports import ObjectNotFound, ObjectStoreError, StoredObject, content_key

TMP = ".tmp"


class FilesystemObjectStore:
    """Objects as files under one root folder; keys map to relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FilesystemObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, key: str, stream: BinaryIO) -> int:
        """Store ``stream`` under ``key`` (replacing any object there) and return its size."""
        target = self._path(key)
        reader = HashingReader(stream)
        self._commit(self._spool(reader), target, replace=True)
        return reader.size

    def put_content(self, stream: BinaryIO) -> StoredObject:
        """Store ``stream`` under its SHA-256 key; identical content is stored once."""
        reader = HashingReader(stream)
        tmp = self._spool(reader)
        key = content_key(reader.hexdigest)
        self._commit(tmp, self._path(key), replace=False)
        return StoredObject(key=key, size=reader.size, sha256=reader.hexdigest)

    def open(self, key: str) -> BinaryIO:
        """Open an object for reading (the caller closes it)."""
        try:
            return cast(BinaryIO, self._path(key).open("rb"))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise ObjectNotFound(f"no object {key!r}") from exc

    def size(self, key: str) -> int:
        """Size of an object in bytes."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object {key!r}")
        return path.stat().st_size

    def exists(self, key: str) -> bool:
        """True when an object is stored under ``key``."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove an object (nothing happens when it is missing) and its empty folders."""
        path = self._path(key)
        if path.is_dir() and not path.is_symlink():
            return  # a key prefix, not an object
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in sorted order."""
        check_prefix(prefix)
        head, _, _ = prefix.rpartition("/")
        start = self.root.joinpath(*head.split("/")) if head else self.root
        yield from (k for k in self._walk(start) if k.startswith(prefix))

    def _walk(self, folder: Path) -> Iterator[str]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # the temp folder and anything a key could not name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path).relative_to(self.root).as_posix()

    def _spool(self, reader: HashingReader) -> Path:
        """Copy the stream into a fresh temp file, fsynced; removed again on any failure."""
        tmpdir = self.root / TMP
        try:
            tmpdir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=tmpdir, prefix="put-")
        except OSError as exc:
            raise _storage_error(exc, "cannot create a temporary object") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                # errors reading the source propagate as they are; only disk errors are ours
                while block := reader.read(CHUNK):
                    _disk(fh.write, block)
                _disk(fh.flush)
                _disk(os.fsync, fh.fileno())
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def _commit(self, tmp: Path, target: Path, *, replace: bool) -> None:
        try:
            if not replace and target.is_file():
                tmp.unlink()
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise _storage_error(exc, f"cannot store object at {target.name}") from exc


def _disk(func: Callable[..., object], *args: object) -> None:
    try:
        func(*args)
    except OSError as exc:
        raise _storage_error(exc, "cannot write object") from exc


def _storage_error(exc: OSError, what: str) -> ObjectStoreError:
    if exc.errno == errno.ENOSPC:
        return ObjectStoreError(f"{what}: the object store is out of space")
    return ObjectStoreError(f"{what}: {exc.strerror or exc}")
