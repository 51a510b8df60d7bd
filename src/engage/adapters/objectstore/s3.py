"""Object store on S3 or any S3-compatible service (MinIO, Ceph, moto) through boto3.

Small objects go up in one PutObject; larger streams in a multipart upload of PART_SIZE parts,
aborted on any failure, so an object appears only when the whole upload completed.
Content-addressed puts need the hash before the key: a seekable file is hashed in a first
pass and then uploaded, any other stream is spooled to a local temporary file first.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from engage.adapters.objectstore.keys import CHUNK, HashingReader, check_key, check_prefix
from engage.services.ports import ObjectNotFound, ObjectStoreError, StoredObject, content_key

if TYPE_CHECKING:
    from engage.config import Settings

PART_SIZE = 8 << 20  # S3 needs >= 5 MiB per part except the last; at most 10,000 parts
SPOOL_MEMORY = 8 << 20
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3ObjectStore:
    """Objects in one bucket, optionally under a key prefix."""

    def __init__(
        self, client: Any, bucket: str, *, prefix: str = "", part_size: int = PART_SIZE
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_size = max(part_size, 5 << 20)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        """A store for ``settings.s3_bucket`` at ``s3_endpoint_url`` (AWS when unset).

        Credentials come from boto3's usual chain (environment, profile, instance role).
        """
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            config=Config(
                retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=10, read_timeout=60
            ),
        )
        return cls(client, settings.s3_bucket)

    def __repr__(self) -> str:
        return f"S3ObjectStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, stream: BinaryIO) -> int:
        """Store ``stream`` under ``key`` (replacing any object there) and return its size."""
        return self._upload(self._key(key), HashingReader(stream))

    def put_content(self, stream: BinaryIO) -> StoredObject:
        """Store ``stream`` under its SHA-256 key; identical content is uploaded once."""
        if _seekable(stream):
            start = stream.tell()
            digest, size = _hash(stream)
            stored = StoredObject(content_key(digest), size, digest)
            if not self.exists(stored.key):
                stream.seek(start)
                self._upload(self._key(stored.key), HashingReader(stream))
            return stored
        with tempfile.SpooledTemporaryFile(SPOOL_MEMORY) as spool:
            while block := stream.read(CHUNK):
                spool.write(block)
            spool.seek(0)
            return self.put_content(cast(BinaryIO, spool))

    def open(self, key: str) -> BinaryIO:
        """Stream an object (the caller closes it)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            raise _error(exc, key) from exc
        except BotoCoreError as exc:
            raise ObjectStoreError(f"cannot read object {key!r}: {exc}") from exc
        return cast(BinaryIO, io.BufferedReader(_BodyReader(answer["Body"]), CHUNK))

    def size(self, key: str) -> int:
        """Size of an object in bytes."""
        return int(self._head(key)["ContentLength"])

    def exists(self, key: str) -> bool:
        """True when an object is stored under ``key``."""
        try:
            self._head(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove an object (nothing happens when it is missing)."""
        self._call(
            "delete object", key, self.client.delete_object, Bucket=self.bucket, Key=self._key(key)
        )

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in S3's (sorted) listing order."""
        check_prefix(prefix)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield str(item["Key"])[len(self.prefix) :]
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreError(f"cannot list objects: {exc}") from exc

    def create_bucket(self) -> None:
        """Create the bucket when it does not exist yet (tests, first-time setup)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self._call("create bucket", self.bucket, self.client.create_bucket, Bucket=self.bucket)

    def _head(self, key: str) -> dict[str, Any]:
        head: dict[str, Any] = self._call(
            "read object", key, self.client.head_object, Bucket=self.bucket, Key=self._key(key)
        )
        return head

    def _call(self, what: str, key: str, method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except ClientError as exc:
            raise _error(exc, key, what) from exc
        except BotoCoreError as exc:
            raise ObjectStoreError(f"cannot {what} {key!r}: {exc}") from exc

    def _upload(self, key: str, reader: HashingReader) -> int:
        first = _read_full(reader, self.part_size)
        if len(first) < self.part_size:
            self._call(
                "write object", key, self.client.put_object, Bucket=self.bucket, Key=key, Body=first
            )
            return reader.size
        upload = self._call(
            "write object", key, self.client.create_multipart_upload, Bucket=self.bucket, Key=key
        )
        upload_id = upload["UploadId"]
        try:
            parts = self._parts(key, upload_id, first, reader)
            self._call(
                "write object",
                key,
                self.client.complete_multipart_upload,
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            self._abort(key, upload_id)
            raise
        return reader.size

    def _parts(
        self, key: str, upload_id: str, first: bytes, reader: HashingReader
    ) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        block = first
        while block:
            number = len(parts) + 1
            answer = self._call(
                "write object",
                key,
                self.client.upload_part,
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=block,
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            block = _read_full(reader, self.part_size)
        return parts

    def _abort(self, key: str, upload_id: str) -> None:
        # if even the abort fails, the bucket's rule for incomplete uploads cleans up later
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw binary stream, so it can be buffered and closed."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _read_full(reader: HashingReader, size: int) -> bytes:
    """Exactly ``size`` bytes unless the stream ends first (pipes return short reads)."""
    chunks: list[bytes] = []
    got = 0
    while got < size and (block := reader.read(min(CHUNK, size - got))):
        chunks.append(block)
        got += len(block)
    return b"".join(chunks)


def _seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


def _hash(stream: BinaryIO) -> tuple[str, int]:
    reader = HashingReader(stream)
    while reader.read(CHUNK):
        pass
    return reader.hexdigest, reader.size


def _error(exc: ClientError, key: str, what: str = "read object") -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    if code in _MISSING:
        return ObjectNotFound(f"no object {key!r}")
    return ObjectStoreError(f"cannot {what} {key!r}: {code} {error.get('Message', '')}".rstrip())
