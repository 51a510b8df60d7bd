"""Copy of the aggregator DuckDB read database, the way kubecost-utilities aggregator-backup does.

The aggregator image (UBI minimal) has no `tar`, so `kubectl cp` fails; the newest `*.read`
file is streamed through exec as base64 and decoded here. The listing is taken before and
after the copy: if the file changed meanwhile the copy is thrown away and retried. The copy is
then opened read-only with duckdb to prove it is usable and to list its tables.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from engage.diagnostics.collect.kube import DeadlineExceeded, KubeError
from engage.diagnostics.collect.registry import InstanceJob, Outcome, collector

DB_DIR = "/var/configs/waterfowl/duckdb"
ATTEMPTS = 3
CLICKHOUSE_NOTE = (
    "ClickHouse-backed aggregator: the DuckDB copy does not apply. Send kubecost-api/"
    "orchestrator.json and databaseDirectory.json instead, and ask Kubecost support for the "
    "ClickHouse backup procedure (BACKUP ... TO Disk in the aggregator pod) if they need the data."
)
_LS_LINE = re.compile(r"^-\S+\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+(?P<mtime>\d+)\s+(?P<name>.+)$")


@dataclass(frozen=True)
class RemoteFile:
    """A file in the aggregator container, as `ls -lR --time-style=+%s` shows it."""

    path: str
    size: int
    mtime: int


def parse_ls(text: str) -> list[RemoteFile]:
    """Files from GNU `ls -lR --time-style=+%s` output (directory headers end with ':')."""
    files, folder = [], ""
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith("-"):
            folder = line[:-1]
            continue
        m = _LS_LINE.match(line)
        if m:
            files.append(
                RemoteFile(str(PurePosixPath(folder) / m["name"]), int(m["size"]), int(m["mtime"]))
            )
    return files


def newest_read_db(files: list[RemoteFile]) -> RemoteFile | None:
    """The newest file whose name marks it as the read DB (`*.read`)."""
    reads = [f for f in files if PurePosixPath(f.path).name.endswith(".read")]
    return max(reads, key=lambda f: (f.mtime, f.path)) if reads else None


def _aggregator_pod(job: InstanceJob) -> tuple[str, str] | None:
    pods = job.cache.get("pods")
    if pods is None:
        pods = job.kube.list_objects("pods", job.install.namespace).get("items") or []
    for want_label in (True, False):
        for p in pods:
            labels = (p.get("metadata") or {}).get("labels") or {}
            names = [c["name"] for c in (p.get("spec") or {}).get("containers") or []]
            if (
                "aggregator" in names
                and job.install.owns(p)
                and (not want_label or labels.get("app") == "aggregator")
            ):
                return str(p["metadata"]["name"]), "aggregator"
    return None


def _listing(job: InstanceJob, pod: str, container: str) -> list[RemoteFile]:
    out = b"".join(
        data
        for ch, data in job.kube.exec_stream(
            job.install.namespace, pod, container, ["ls", "-lR", "--time-style=+%s", DB_DIR]
        )
        if ch == 1
    )
    return parse_ls(out.decode(errors="replace"))


def _copy(job: InstanceJob, pod: str, container: str, src: RemoteFile, rel: str) -> int:
    """Stream `base64 <file>` and decode it into the bundle; returns bytes written."""
    pending = b""

    def decoded() -> Any:
        nonlocal pending
        for channel, data in job.kube.exec_stream(
            job.install.namespace, pod, container, ["base64", src.path]
        ):
            if channel != 1:
                continue
            pending += data.replace(b"\n", b"").replace(b"\r", b"")
            cut = len(pending) - len(pending) % 4
            if cut:
                yield base64.b64decode(pending[:cut], validate=True)
                pending = pending[cut:]
        if pending:
            raise KubeError(0, "base64 stream ended mid-block")

    return job.writer.write_binary(rel, decoded()).size


def inspect_duckdb(path: str) -> dict[str, Any]:
    """Open a DuckDB file read-only and list its tables (or say why it cannot be opened)."""
    import duckdb

    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        return {"opened": False, "duckdb_version": duckdb.__version__, "error": str(exc)[:500]}
    try:
        rows = con.execute(
            "SELECT schema_name, table_name, estimated_size, column_count "
            "FROM duckdb_tables() ORDER BY schema_name, table_name"
        ).fetchall()
    finally:
        con.close()
    tables = [{"schema": s, "table": t, "estimated_rows": n, "columns": c} for s, t, n, c in rows]
    return {"opened": True, "duckdb_version": duckdb.__version__, "tables": tables}


@collector("aggregator-db", order=60, include="aggregator-db")
def collect_aggregator_db(job: InstanceJob) -> Outcome:
    """Copy the newest aggregator read DB byte-exact, verified and with its table list."""
    if job.install.database == "clickhouse":
        return Outcome("skipped", CLICKHOUSE_NOTE)
    target = _aggregator_pod(job)
    if target is None:
        return Outcome("skipped", "no aggregator container found in this install")
    pod, container = target
    job.note("aggregator-db: listing")
    before = newest_read_db(_listing(job, pod, container))
    if before is None:
        return Outcome("failed", f"no *.read DuckDB file under {DB_DIR} in {pod}")
    limit = job.options.max_db_bytes
    if before.size > limit:
        question = (
            f"The aggregator DB {before.path} in {pod} is {before.size / 2**30:.1f} GiB "
            f"(above {limit / 2**30:.1f} GiB). Copy it?"
        )
        if job.options.confirm is None or not job.options.confirm(question):
            return Outcome(
                "skipped",
                f"read DB is {before.size} bytes, above the "
                f"{limit} byte limit; not copied (raise --max-db-size)",
            )
    return _copy_with_retries(job, pod, container, before)


def _copy_with_retries(job: InstanceJob, pod: str, container: str, before: RemoteFile) -> Outcome:
    name = PurePosixPath(before.path).name
    rel = job.path("aggregator-db", name)
    for attempt in range(1, ATTEMPTS + 1):
        job.note(f"aggregator-db: copying {before.size >> 20} MiB (try {attempt})")
        try:
            size = _copy(job, pod, container, before, rel)
        except DeadlineExceeded:
            raise
        except (KubeError, ValueError) as exc:
            job.writer.discard(rel)
            return Outcome("failed", f"copy of {before.path} failed: {exc}")
        after = newest_read_db(_listing(job, pod, container))
        if after == before and size == before.size:
            info = inspect_duckdb(str(job.writer.root / rel))
            job.writer.write_json(
                job.path("aggregator-db", "tables.json"),
                {"source": before.path, "pod": pod, "size": size, "mtime": before.mtime, **info},
            )
            if not info["opened"]:
                return Outcome(
                    "partial",
                    f"copied, but duckdb {info['duckdb_version']} cannot "
                    f"open it: {info['error'][:200]}",
                )
            return Outcome()
        job.writer.discard(rel)
        before = after or before
        rel = job.path("aggregator-db", PurePosixPath(before.path).name)
    return Outcome(
        "failed",
        f"the read DB changed during each of {ATTEMPTS} copies; stop the "
        "aggregator first (kubecost-utilities aggregator-backup, "
        "'Reliable usage') and run again",
    )
