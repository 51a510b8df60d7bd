"""The engage bundle: manifest, a streaming writer with sha256 and sizes, inspect/verify, import.

A bundle is `engage-bundle-<case-or-host>-<UTC timestamp>.tar.gz` holding one top folder with
`manifest.json` first, then per instance `environments/<env>/<cluster>/<namespace>/...` laid out
like a troubleshoot support bundle. Text goes through the redactor on its way to disk; binary
artefacts (heap profiles, the aggregator DB copy) are kept byte-exact and flagged `binary`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tarfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Literal, Protocol

import yaml
from pydantic import BaseModel, Field, ValidationError

from engage.diagnostics.archive_safety import ArchiveRejected, TarGuard

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
SPOOL = 4 << 20  # per text file in flight before it spills to an anonymous temp file
COMPRESSLEVEL = 3  # gzip level: logs shrink ~8x already at 3, and level 6 costs twice the CPU
Status = Literal["ok", "partial", "failed", "skipped"]
Flavour = Literal["2.x-duckdb", "2.x-clickhouse", "3.x", "unknown"]


class BundleError(Exception):
    """A bundle that cannot be written, read or imported."""


class DiskFull(BundleError):
    """The disk filled up while writing the bundle."""


class BundleClosed(BundleError):
    """A write arrived after the bundle was finalised (a collector that overran the deadline)."""


# -- manifest ----------------------------------------------------------------------------------
class CollectorRun(BaseModel):
    """One collector's outcome for one instance."""

    name: str
    status: Status
    seconds: float = 0.0
    error: str | None = None


class Instance(BaseModel):
    """One Kubecost install (cluster + namespace + release) in the bundle."""

    cluster: str
    namespace: str
    release: str | None = None
    version: str | None = None
    flavour: Flavour = "unknown"
    path: str
    collectors: list[CollectorRun] = Field(default_factory=list)


class Environment(BaseModel):
    """One environment: a kubeconfig context the user named (prod, staging ...)."""

    name: str
    context: str | None = None
    instances: list[Instance] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class CollectedBy(BaseModel):
    """Who ran the collection, and on which machine."""

    user: str
    host: str


class Permissions(BaseModel):
    """Permissions the collector lacked (from SelfSubjectAccessReview and 403 answers)."""

    missing: list[str] = Field(default_factory=list)


class FileEntry(BaseModel):
    """One file in the bundle, relative to the top folder."""

    path: str
    size: int
    sha256: str
    binary: bool = False


class Manifest(BaseModel):
    """`manifest.json`: what was collected, from where, by whom, with checksums of every file."""

    schema_version: int = SCHEMA_VERSION
    engage_version: str
    created_at: str
    case_id: str | None = None
    collected_by: CollectedBy
    environments: list[Environment] = Field(default_factory=list)
    permissions: Permissions = Field(default_factory=Permissions)
    files: list[FileEntry] = Field(default_factory=list)
    redaction: dict[str, Any] = Field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict written as manifest.json."""
        return self.model_dump(mode="json")


# -- writing -----------------------------------------------------------------------------------
class Redacting(Protocol):
    """What the writer needs from `engage.diagnostics.redact.Redactor`."""

    def redact_stream(self, src: BinaryIO, dst: BinaryIO, *, name: str) -> Any:
        """Copy ``src`` to ``dst`` redacted; ``name`` picks the format."""

    def redact_document(self, obj: Any, *, name: str) -> Any:
        """A redacted copy of a parsed document (JSON or YAML)."""


class _HashingFile:
    """A binary file wrapper that counts and hashes what is written through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self._fh.write(data)

    def flush(self) -> None:
        self._fh.flush()

    def writable(self) -> bool:
        return True


class BundleWriter:
    """Writes bundle files into a staging folder, then packs them with the manifest; thread-safe."""

    def __init__(self, staging: Path, top: str, redactor: Redacting) -> None:
        self.top = top
        self.root = staging / top
        self.root.mkdir(parents=True, exist_ok=False)
        self.redactor = redactor
        self._files: dict[str, FileEntry] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def files(self) -> list[FileEntry]:
        """Entries of every completed file, in path order."""
        with self._lock:
            return [self._files[k] for k in sorted(self._files)]

    @contextmanager
    def open(self, relpath: str, *, binary: bool) -> Iterator[_HashingFile]:
        """Open a new file for writing; it joins the manifest only when the block ends cleanly."""
        target = self._target(relpath)
        try:
            with target.open("wb") as fh:
                hashing = _HashingFile(fh)
                yield hashing
        except OSError as exc:
            target.unlink(missing_ok=True)
            if exc.errno == errno.ENOSPC:
                raise DiskFull(
                    f"disk full while writing {relpath} under {self.root.parent}"
                ) from exc
            raise
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        with self._lock:
            if self._closed:
                raise BundleClosed(f"{relpath} finished after the bundle was closed")
            self._files[relpath] = FileEntry(
                path=relpath, size=hashing.size, sha256=hashing.sha.hexdigest(), binary=binary
            )

    def write_text(self, relpath: str, src: IO[bytes]) -> FileEntry:
        """Stream text (a log, a raw API answer) through the redactor into the bundle.

        The Redactor is safe to share between threads, so every stream is redacted as it
        arrives: nothing unredacted ever touches the disk, and a slow stream holds up no other.
        """
        with self.open(relpath, binary=False) as dst:
            self.redactor.redact_stream(src, dst, name=relpath)  # type: ignore[arg-type]
        return self._files[relpath]

    def write_json(self, relpath: str, obj: Any) -> FileEntry:
        """Redact a JSON document (Kubernetes objects, API answers) and write it indented."""
        clean = self.redactor.redact_document(obj, name=relpath)
        with self.open(relpath, binary=False) as dst:
            dst.write(json.dumps(clean, indent=2, sort_keys=False).encode())
        return self._files[relpath]

    def write_yaml(self, relpath: str, obj: Any) -> FileEntry:
        """Redact a document (Helm values) and write it as YAML."""
        clean = self.redactor.redact_document(obj, name=relpath)
        with self.open(relpath, binary=False) as dst:
            dst.write(yaml.safe_dump(clean, sort_keys=False).encode())
        return self._files[relpath]

    def write_binary(self, relpath: str, chunks: Iterable[bytes]) -> FileEntry:
        """Write a binary artefact byte-exact (heap profile, database copy)."""
        with self.open(relpath, binary=True) as dst:
            for chunk in chunks:
                dst.write(chunk)
        return self._files[relpath]

    def discard(self, relpath: str) -> None:
        """Forget a file already written (a copy that turned out to be inconsistent)."""
        with self._lock:
            self._files.pop(relpath, None)
        (self.root / relpath).unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        """True once the bundle refuses new files."""
        return self._closed

    def close(self) -> None:
        """Refuse further files; work still running after this point is dropped."""
        with self._lock:
            self._closed = True

    def pack(self, manifest: Manifest, out: Path) -> Path:
        """Write manifest.json and the tar.gz (manifest first), atomically at `out`."""
        self.close()
        manifest.files = self.files
        partial = out.with_name(out.name + ".partial")
        try:
            with tarfile.open(
                partial, "w:gz", compresslevel=COMPRESSLEVEL, format=tarfile.PAX_FORMAT
            ) as tar:
                data = json.dumps(manifest.to_dict(), indent=2).encode()
                (self.root / MANIFEST).write_bytes(data)
                tar.add(self.root / MANIFEST, arcname=f"{self.top}/{MANIFEST}")
                for entry in manifest.files:
                    tar.add(self.root / entry.path, arcname=f"{self.top}/{entry.path}")
        except OSError as exc:
            partial.unlink(missing_ok=True)
            if exc.errno == errno.ENOSPC:
                raise DiskFull(f"disk full while packing {out}") from exc
            raise BundleError(f"cannot write {out}: {exc.strerror or exc}") from exc
        os.replace(partial, out)
        return out

    def cleanup(self) -> None:
        """Remove the staging folder."""
        shutil.rmtree(self.root, ignore_errors=True)

    def _target(self, relpath: str) -> Path:
        rel = PurePosixPath(relpath)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise BundleError(f"unsafe path in bundle: {relpath!r}")
        target = self.root.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


# -- reading and verifying ---------------------------------------------------------------------
def _walk(path: Path) -> Iterator[tuple[str, IO[bytes] | None, str | None]]:
    """(relative path, open file or None, problem) for every entry of a bundle file or folder."""
    if path.is_dir():
        top = path if (path / MANIFEST).exists() else _single_child(path)
        for p in sorted(top.rglob("*")):
            rel = p.relative_to(top).as_posix()
            if p.is_symlink():
                yield rel, None, f"symbolic link not allowed: {rel}"
            elif p.is_file():
                with p.open("rb") as fh:
                    yield rel, fh, None
        return
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by the with block below
    except (tarfile.TarError, OSError) as exc:
        raise BundleError(f"{path} is not a readable bundle archive: {exc}") from exc
    with tar:
        yield from _tar_entries(tar, TarGuard(compressed=lambda: _tell(tar)))


def _tar_entries(
    tar: tarfile.TarFile, guard: TarGuard
) -> Iterator[tuple[str, IO[bytes] | None, str | None]]:
    tops: set[str] = set()
    try:
        for member in tar:
            problem = guard.check(member)
            parts = PurePosixPath(member.name).parts
            if problem is not None:
                yield member.name, None, f"unsafe member: {problem}"
                continue
            if not parts:
                continue
            tops.add(parts[0])
            if member.isfile():
                yield "/".join(parts[1:]), tar.extractfile(member), None
    except ArchiveRejected as exc:
        yield "", None, f"stopped reading: {exc.reason}"
        return
    if len(tops) > 1:
        yield "", None, f"more than one top folder: {sorted(tops)}"


def _tell(tar: tarfile.TarFile) -> int:
    """Compressed bytes read so far from the file under ``tar``."""
    raw = getattr(tar.fileobj, "fileobj", tar.fileobj)
    return int(raw.tell()) if raw is not None else 0


def _single_child(path: Path) -> Path:
    children = [c for c in path.iterdir() if c.is_dir()]
    if len(children) == 1 and (children[0] / MANIFEST).exists():
        return children[0]
    raise BundleError(f"{path} has no {MANIFEST}")


def _parse_manifest(data: bytes) -> Manifest:
    try:
        return Manifest.model_validate(json.loads(data))
    except (ValueError, ValidationError) as exc:
        raise BundleError(
            f"{MANIFEST} is not a valid engage manifest: {str(exc).splitlines()[0]}"
        ) from exc


def read_manifest(path: Path) -> Manifest:
    """The manifest of a bundle (.tar.gz or extracted folder)."""
    for rel, fh, _problem in _walk(Path(path)):
        if rel == MANIFEST and fh is not None:
            return _parse_manifest(fh.read())
    raise BundleError(f"{path} has no {MANIFEST}")


def verify_bundle(path: Path) -> list[str]:
    """Problems with a bundle's manifest and checksums; [] when everything matches."""
    problems: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    manifest: Manifest | None = None
    for rel, fh, problem in _walk(Path(path)):
        if problem:
            problems.append(problem)
            continue
        assert fh is not None
        if rel == MANIFEST:
            try:
                manifest = _parse_manifest(fh.read())
            except BundleError as exc:
                problems.append(str(exc))
            continue
        sha, size = hashlib.sha256(), 0
        while block := fh.read(1 << 20):
            sha.update(block)
            size += len(block)
        seen[rel] = (size, sha.hexdigest())
    if manifest is None:
        return [*problems, f"no valid {MANIFEST}"]
    if manifest.schema_version != SCHEMA_VERSION:
        problems.append(f"unsupported schema_version {manifest.schema_version}")
    listed = {f.path: f for f in manifest.files}
    for rel, entry in listed.items():
        if rel not in seen:
            problems.append(f"missing file: {rel}")
        elif seen[rel] != (entry.size, entry.sha256):
            problems.append(f"checksum mismatch: {rel}")
    problems += [f"file not in manifest: {rel}" for rel in sorted(set(seen) - set(listed))]
    return problems
