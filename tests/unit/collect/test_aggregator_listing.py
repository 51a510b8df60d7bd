"""Parsing the aggregator's `ls -lR` output and picking the newest read DB."""

from __future__ import annotations

from engage.diagnostics.collect.aggregator_db import RemoteFile, newest_read_db, parse_ls

LS = """/var/configs/waterfowl/duckdb:
total 8
drwxr-xr-x 2 1001 1001 4096 1729500000 v0_9_2
drwxr-xr-x 2 1001 1001 4096 1729600000 v1_1_3

/var/configs/waterfowl/duckdb/v0_9_2:
total 10
-rw-r--r-- 1 1001 1001 1048576 1729500000 kubecost-1729500000.duckdb.read

/var/configs/waterfowl/duckdb/v1_1_3:
total 20
-rw-r--r-- 1 1001 1001 2097152 1729600000 kubecost-1729600000.duckdb.read
-rw-r--r-- 1 1001 1001 4194304 1729600500 kubecost.duckdb.write
"""


def test_parse_ls_reads_paths_sizes_and_times() -> None:
    files = parse_ls(LS)
    assert (
        RemoteFile(
            "/var/configs/waterfowl/duckdb/v1_1_3/kubecost.duckdb.write", 4194304, 1729600500
        )
        in files
    )
    assert len(files) == 3


def test_newest_read_db_ignores_the_write_db() -> None:
    newest = newest_read_db(parse_ls(LS))
    assert newest is not None
    assert newest.path.endswith("v1_1_3/kubecost-1729600000.duckdb.read")


def test_no_read_db() -> None:
    assert newest_read_db(parse_ls("/x:\ntotal 0\n")) is None
