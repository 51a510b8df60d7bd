"""Aggregator database copies: read the DuckDB header, open the file read-only, count rows.

The file comes from a customer, so it is opened in a child process (``python -m
engage.diagnostics.duckdb_copy FILE``) with external access disabled, one thread and a memory
cap: a corrupt file that crashes or hangs DuckDB costs a child, not the server. Every table
is scanned in full, so damaged blocks fail their checksums here rather than later. A file the
installed DuckDB cannot open gets a message naming its storage version and the DuckDB
releases that write it, read from the header (``<8 bytes checksum>DUCK<uint64 version>``).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAGIC = b"DUCK"
_HEADER = struct.Struct("<8x4sQ")
# after the 4 KiB main header come two 4 KiB database headers (the one with the higher
# iteration is current): checksum, iteration, meta block, free list, block count, block size
_DB_HEADER = struct.Struct("<6Q")
HEADERS_SIZE = 3 * 4096
DEFAULT_BLOCK = 256 << 10
INSPECT_TIMEOUT = 300.0
OLDEST_READABLE = 64  # what duckdb >= 0.10 (and 1.x, 2.x) still opens
STORAGE_RELEASES: dict[int, str] = {
    1: "v0.1.x or v0.2.0-v0.2.1",
    4: "v0.2.2",
    6: "v0.2.3",
    11: "v0.2.4",
    13: "v0.2.5",
    15: "v0.2.6",
    17: "v0.2.7",
    18: "v0.2.8",
    21: "v0.2.9",
    25: "v0.3.0",
    27: "v0.3.1",
    31: "v0.3.2",
    33: "v0.3.3, v0.3.4 or v0.4.0",
    38: "v0.5.0 or v0.5.1",
    39: "v0.6.0 or v0.6.1",
    43: "v0.7.0 or v0.7.1",
    51: "v0.8.0 or v0.8.1",
    64: "v0.9.0 to v1.1.x (Kubecost's v0_9_2 folder)",
    65: "v1.2.x",
    66: "v1.3.x",
    67: "v1.4.x",
    68: "v1.5.x",
}
NEWEST_KNOWN = max(STORAGE_RELEASES)


class DatabaseRejected(ValueError):
    """A file that is not a DuckDB database the installed duckdb can open; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class DatabaseInfo:
    """What an opened database holds."""

    storage_version: int
    written_by: str
    duckdb_version: str
    tables: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: storage version, releases that write it, tables and row counts."""
        return {
            "format": "duckdb",
            "storage_version": self.storage_version,
            "written_by": self.written_by,
            "opened_with": f"duckdb {self.duckdb_version}",
            "tables": self.tables,
            "total_rows": sum(int(t["rows"]) for t in self.tables),
        }


def storage_version(path: Path) -> int | None:
    """The storage version in a DuckDB file header, or None for a file that is not DuckDB."""
    with open(path, "rb") as fh:
        head = fh.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    magic, version = _HEADER.unpack(head)
    return int(version) if magic == MAGIC else None


def expected_size(path: Path) -> int | None:
    """Bytes the current database header accounts for (headers + blocks), None if unreadable."""
    with open(path, "rb") as fh:
        head = fh.read(HEADERS_SIZE)
    if len(head) < HEADERS_SIZE:
        return None
    headers = [_DB_HEADER.unpack_from(head, offset) for offset in (4096, 8192)]
    _sum, _iteration, _meta, _free, blocks, block_size = max(headers, key=lambda h: h[1])
    if block_size == 0:  # files older than DuckDB 1.2 do not record it: always 256 KiB
        block_size = DEFAULT_BLOCK
    return int(HEADERS_SIZE + blocks * block_size)


def written_by(version: int) -> str:
    """The DuckDB releases that write a storage version, in words."""
    if version in STORAGE_RELEASES:
        return f"DuckDB {STORAGE_RELEASES[version]}"
    if version > NEWEST_KNOWN:
        return "a DuckDB release newer than v1.5"
    return "an unknown DuckDB release"


def is_duckdb(path: Path) -> bool:
    """True when the file starts with a DuckDB header."""
    return storage_version(path) is not None


def inspect_database(path: Path, *, timeout: float = INSPECT_TIMEOUT) -> DatabaseInfo:
    """Open a DuckDB file read-only in a child process and list its tables with row counts."""
    version = storage_version(path)
    if version is None:
        raise DatabaseRejected("the file is not a DuckDB database (no DuckDB header)")
    _check_complete(path)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "engage.diagnostics.duckdb_copy", str(path)],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DatabaseRejected(
            f"DuckDB did not finish reading the database within {timeout:.0f} seconds"
        ) from exc
    try:
        answer = json.loads(child.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise DatabaseRejected(
            f"DuckDB stopped while reading the database (exit status {child.returncode}); "
            "the file is probably damaged"
        ) from exc
    if not answer.get("opened"):
        raise DatabaseRejected(
            _unreadable(
                version, str(answer.get("duckdb_version", "")), str(answer.get("error", ""))
            )
        )
    return DatabaseInfo(
        version, written_by(version), str(answer["duckdb_version"]), list(answer["tables"])
    )


def _check_complete(path: Path) -> None:
    size, expected = path.stat().st_size, expected_size(path)
    if expected is None or size < expected:
        promised = f"{expected:,} bytes" if expected else "a complete header"
        raise DatabaseRejected(
            f"the database file is cut short ({size:,} bytes, its header needs {promised}); "
            "the copy was interrupted, copy the *.read file again"
        )


def _unreadable(version: int, duckdb_version: str, error: str) -> str:
    who = written_by(version)
    if version < OLDEST_READABLE:
        return (
            f"the database uses DuckDB storage version {version} (written by {who}), which "
            f"DuckDB {duckdb_version} cannot open (it reads storage version {OLDEST_READABLE} "
            "and later). Send the *.read file from the newest v* folder under "
            "/var/configs/waterfowl/duckdb (for example v0_9_2)"
        )
    if version > NEWEST_KNOWN:
        return (
            f"the database uses DuckDB storage version {version} ({who}), newer than "
            f"DuckDB {duckdb_version} here can open; tell support which Kubecost version wrote it"
        )
    first = error.strip().splitlines()[0][:200] if error.strip() else "unknown error"
    return (
        f"the DuckDB database (storage version {version}, {who}) cannot be read: {first}. "
        "The copy is probably incomplete: pause the aggregator as in the reliable copy "
        "procedure and copy the *.read file again"
    )


# -- child process -----------------------------------------------------------------------------
_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "threads": 1,
    "memory_limit": "1GB",
}
_TABLES = (
    "SELECT schema_name, table_name, column_count FROM duckdb_tables() "
    "WHERE NOT internal ORDER BY schema_name, table_name"
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def inspect_here(path: str) -> dict[str, Any]:
    """Open ``path`` read-only in this process; the child side of ``inspect_database``."""
    import duckdb

    try:
        con = duckdb.connect(path, read_only=True, config=dict(_CONFIG))
    except duckdb.Error as exc:
        return {"opened": False, "duckdb_version": duckdb.__version__, "error": str(exc)[:2000]}
    try:
        tables = []
        for schema, name, columns in con.execute(_TABLES).fetchall():
            # hashing every value makes DuckDB read (and checksum) every block of the table,
            # so a copy damaged in the middle is caught, not only one with a bad catalogue
            row = con.execute(
                f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {_quote(schema)}.{_quote(name)}"
            ).fetchone()
            tables.append(
                {
                    "schema": schema,
                    "name": name,
                    "columns": int(columns),
                    "rows": int(row[0]) if row else 0,
                }
            )
    except duckdb.Error as exc:
        return {"opened": False, "duckdb_version": duckdb.__version__, "error": str(exc)[:2000]}
    finally:
        con.close()
    return {"opened": True, "duckdb_version": duckdb.__version__, "tables": tables}


def main(argv: list[str]) -> int:
    """Child entry point: print one JSON line describing the database in ``argv[0]``."""
    print(json.dumps(inspect_here(argv[0])))
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through inspect_database
    raise SystemExit(main(sys.argv[1:]))
