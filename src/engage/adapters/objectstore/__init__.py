"""Object stores behind the ``ObjectStore`` port: the local filesystem (default) and S3.

Example::

    store = build_store(settings)               # ENGAGE_OBJECT_STORE=filesystem|s3
    with open("bundle.tar.gz", "rb") as fh:
        stored = store.put_content(fh)          # StoredObject(key="sha256/ab/cdef...", ...)
"""

from __future__ import annotations

from engage.adapters.objectstore.filesystem import FilesystemObjectStore
from engage.adapters.objectstore.keys import InvalidObjectKey, check_key
from engage.adapters.objectstore.s3 import S3ObjectStore
from engage.config import Settings
from engage.services.ports import ObjectStore

__all__ = [
    "FilesystemObjectStore",
    "InvalidObjectKey",
    "S3ObjectStore",
    "UnknownObjectStore",
    "build_store",
    "check_key",
]


class UnknownObjectStore(ValueError):
    """ENGAGE_OBJECT_STORE names a backend that does not exist."""


def build_store(settings: Settings) -> ObjectStore:
    """The object store the settings choose; nothing connects until the first call."""
    kind = settings.object_store.strip().lower()
    if kind == "filesystem":
        return FilesystemObjectStore(settings.data_dir / "objects")
    if kind == "s3":
        return S3ObjectStore.from_settings(settings)
    raise UnknownObjectStore(
        f"unknown object store {settings.object_store!r}; use 'filesystem' or 's3'"
    )
