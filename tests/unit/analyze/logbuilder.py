"""Build realistic Kubecost log files, bundles and bug reports around given lines."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 5, 14, 9, 0, 0, tzinfo=UTC)
_LEVELS = (
    "ERR ",
    "INF ",
    "WRN ",
    "DBG ",
    "FTL ",
    "[Error]",
    "[Info]",
    "[Warning]",
    "Error:",
    "ERROR ",
    "panic:",
    "fatal error:",
)

# Healthy lines in the shapes each component prints.
NOISE = {
    "cost-model": [
        'INF Starting cost-model (git commit "2.4.2")',
        "INF ETL: Allocation[1h]: Run: completed window in 1.82s",
        "INF ETL: Asset[1d]: Run: 30 sets loaded from disk",
        "INF CostModel.ComputeAllocation: 1243 pods, 12 nodes",
        "DBG Prometheus query succeeded in 312ms",
    ],
    "aggregator": [
        "INF Starting aggregator",
        "INF Ingestor: inserted 1440 rows for window 1h",
        "INF orchestrator: state derive -> ingest",
        "INF DB checkpoint complete",
    ],
    "cloud-cost": [
        "INF CloudCost: 2 integrations configured",
        "INF CloudCost[aws-main]: ingestor: build completed for window 1d",
    ],
    "cost-analyzer-frontend": [
        '2024/05/14 09:00:01 [notice] 1#1: using the "epoll" event method',
        "2024/05/14 09:00:01 [notice] 1#1: start worker processes",
    ],
    "kubecost-network-costs": [
        "INFO network_costs_rs: starting network-costs 0.18.2",
        "INFO network_costs_rs::classifier: loaded 14 zones",
    ],
    "helm": [
        'Release "kubecost" does not exist. Installing it now.',
        "coalesce.go:237: warning: skipped value for kubecostProductConfigs: Not a table.",
    ],
}
NOISE["diagnostics"] = NOISE["cost-model"]
NOISE["cluster-controller"] = ["INF cluster-controller starting", "INF turndown: nothing to do"]


def stamp(n: int) -> str:
    """The n-th timestamp of a synthetic log (one per 7 seconds)."""
    return (START + timedelta(seconds=7 * n)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def console_log(component: str, line: str, *, noise: int = 40) -> str:
    """A zerolog console-style log (or nginx / helm output) with `line` in the middle."""
    pool = NOISE.get(component, NOISE["cost-model"])
    out = []
    for n in range(noise):
        if n == noise // 2:
            out.append(_decorate(component, line, n))
        body = pool[n % len(pool)]
        out.append(
            body if component in ("cost-analyzer-frontend", "helm") else f"{stamp(n)} {body}"
        )
    return "\n".join(out) + "\n"


def _decorate(component: str, line: str, n: int) -> str:
    if component == "helm" or line.startswith(("20", "nginx:")):
        return line
    if component == "cost-analyzer-frontend":
        return f"2024/05/14 09:{n % 60:02d}:00 [error] 7#7: {line}"
    level = "" if line.startswith(_LEVELS) else "ERR "
    return f"{stamp(n)} {level}{line}"


def json_log(line: str, *, noise: int = 20) -> str:
    """A JSON-format log (LOG_FORMAT=JSON) with `line` as one record's message."""
    out = []
    for n in range(noise):
        out.append(json.dumps({"level": "info", "time": stamp(n), "message": "ETL run ok"}))
        if n == noise // 2:
            out.append(json.dumps({"level": "error", "time": stamp(n), "message": line}))
    return "\n".join(out) + "\n"


def bug_report(sections: dict[str, str]) -> str:
    """A Capture-bug-report text: configuration preamble then one section per container."""
    parts = ["Kubecost bug report", "Product version: 2.4.2", "Helm values: reporting disabled", ""]
    for name, body in sections.items():
        parts += ["+" + "-" * 78, f"| kubecost:{name}", "+" + "-" * 78, body]
    return "\n".join(parts) + "\n"


def manifest(cluster: str = "prod-eu-1", version: str = "2.4.2") -> dict[str, object]:
    """An engage bundle manifest with one instance."""
    return {
        "schema_version": 1,
        "engage_version": "0.1.0",
        "created_at": "2024-05-14T10:00:00Z",
        "case_id": None,
        "collected_by": {"user": "t", "host": "h"},
        "environments": [
            {
                "name": "prod",
                "context": "ctx",
                "instances": [
                    {
                        "cluster": cluster,
                        "namespace": "kubecost",
                        "release": "kubecost",
                        "version": version,
                        "flavour": "2.x-duckdb",
                        "path": f"environments/prod/{cluster}/kubecost",
                        "collectors": [],
                    }
                ],
            }
        ],
        "files": [],
        "redaction": {},
    }


def bundle_tar(target: Path, logs: dict[str, str], *, cluster: str = "prod-eu-1") -> Path:
    """An engage bundle .tar.gz whose pods/logs hold `logs` ({pod/container: text})."""
    top = "engage-bundle-test-20240514T100000Z"
    base = f"{top}/environments/prod/{cluster}/kubecost/cluster-resources/pods/logs/kubecost"
    with tarfile.open(target, "w:gz") as archive:
        _add(archive, f"{top}/manifest.json", json.dumps(manifest(cluster)).encode())
        for name, text in logs.items():
            _add(archive, f"{base}/{name}.log", text.encode())
    return target


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))
