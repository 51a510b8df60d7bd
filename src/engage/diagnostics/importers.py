"""Import what customers already have into an engage bundle, so analysis treats it the same.

Three inputs: a Kubecost "Capture bug report" text file, a replicatedhq/troubleshoot support
bundle (.tar.gz or folder) and a `kubectl cluster-info dump --output-directory` folder. Text
goes through the redactor like collected text; each namespace becomes one instance.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from engage import __version__
from engage.diagnostics.bundle import (
    MANIFEST,
    BundleError,
    BundleWriter,
    CollectedBy,
    CollectorRun,
    Environment,
    Instance,
    Manifest,
    Redacting,
)
from engage.diagnostics.collect.discovery import find_installs
from engage.diagnostics.collect.resources import node_summary
from engage.diagnostics.collect.runner import current_user, default_redactor, safe_name
from engage.diagnostics.versions import detect_version

_SEP = re.compile(rb"^\+-{3,}\+?\s*$")
_TITLE = re.compile(rb"^\|\s*(.+?)\s*\|?\s*$")
_DUMP_MARK = re.compile(rb"^==== (START|END) logs for container (\S+) of pod (\S+)/(\S+) ====")
_WORKLOAD_KINDS = ("deployments", "statefulsets", "daemonsets")


class _Import:
    """Writes one imported bundle: a writer, its instances, and the manifest at the end."""

    def __init__(self, src: Path, dst_dir: Path, kind: str, redactor: Redacting | None) -> None:
        self.now = datetime.now(UTC)
        stem = safe_name(src.stem.removesuffix(".tar"))
        self.top = f"engage-bundle-import-{stem}-{self.now.strftime('%Y%m%dT%H%M%SZ')}"
        dst_dir.mkdir(parents=True, exist_ok=True)
        self.out = dst_dir / f"{self.top}.tar.gz"
        self.staging = Path(tempfile.mkdtemp(prefix=".engage-import-", dir=dst_dir))
        self.writer = BundleWriter(self.staging, self.top, redactor or default_redactor())
        self.kind = kind
        self.cluster = stem
        self.env = Environment(name="imported", context=None)

    def __enter__(self) -> _Import:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.writer.cleanup()
            shutil.rmtree(self.staging, ignore_errors=True)

    def base(self, namespace: str) -> str:
        return f"environments/imported/{self.cluster}/{safe_name(namespace)}"

    def add_instance(self, namespace: str, workloads: list[dict[str, Any]]) -> None:
        installs = find_installs(workloads)
        inst = installs[0] if installs else None
        self.env.instances.append(
            Instance(
                cluster=self.cluster,
                namespace=namespace,
                release=inst.release if inst else None,
                version=inst.version if inst else None,
                flavour=inst.flavour if inst else "unknown",
                path=self.base(namespace),
                collectors=[CollectorRun(name=f"import-{self.kind}", status="ok")],
            )
        )

    def finish(self) -> Path:
        report = getattr(self.writer.redactor, "report", None)
        manifest = Manifest(
            engage_version=__version__,
            created_at=self.now.isoformat().replace("+00:00", "Z"),
            collected_by=CollectedBy(user=current_user(), host="imported"),
            environments=[self.env],
            redaction=report.to_dict() if report is not None else {},
        )
        try:
            return self.writer.pack(manifest, self.out)
        finally:
            self.writer.cleanup()
            shutil.rmtree(self.staging, ignore_errors=True)


def import_any(src: Path, dst_dir: Path, redactor: Redacting | None = None) -> Path:
    """Detect the input's kind and import it (see module docstring)."""
    if src.is_dir():
        if (src / MANIFEST).exists():
            raise BundleError(f"{src} is already an engage bundle")
        if (src / "nodes.json").exists() and any(src.glob("*/pods.json")):
            return import_cluster_info_dump(src, dst_dir, redactor)
        root = _troubleshoot_root(src)
        if root is not None:
            return import_troubleshoot(src, dst_dir, redactor)
        raise BundleError(f"{src}: not a troubleshoot bundle or cluster-info dump folder")
    if tarfile.is_tarfile(src):
        return import_troubleshoot(src, dst_dir, redactor)
    return import_bug_report(src, dst_dir, redactor)


# -- troubleshoot ------------------------------------------------------------------------------
def _troubleshoot_root(folder: Path) -> Path | None:
    for candidate in (folder, *[c for c in folder.iterdir() if c.is_dir()]):
        if (candidate / "cluster-resources").is_dir():
            return candidate
    return None


def _entries(src: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """(path below the bundle's top folder, readable) for each regular file."""
    if src.is_dir():
        root = _troubleshoot_root(src)
        assert root is not None
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.is_symlink():
                with p.open("rb") as fh:
                    yield p.relative_to(root).as_posix(), fh
        return
    with tarfile.open(src, "r:*") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if member.isfile() and len(parts) > 1 and ".." not in parts:
                member_fh = tar.extractfile(member)
                if member_fh is not None:
                    yield "/".join(parts[1:]), member_fh


def import_troubleshoot(src: Path, dst_dir: Path, redactor: Redacting | None = None) -> Path:
    """A replicatedhq/troubleshoot support bundle -> engage bundle, one instance per namespace."""
    with _Import(src, dst_dir, "troubleshoot", redactor) as job:
        return _troubleshoot(src, job)


def _troubleshoot(src: Path, job: _Import) -> Path:
    nodes: Any = None
    workloads: dict[str, list[dict[str, Any]]] = {}
    namespaces: set[str] = set()
    for rel, fh in _entries(src):
        parts = rel.split("/")
        if parts[0] != "cluster-resources":
            continue
        if len(parts) >= 5 and parts[1:3] == ["pods", "logs"] and rel.endswith(".log"):
            ns = parts[3]
            namespaces.add(ns)
            job.writer.write_text(f"{job.base(ns)}/{rel}", fh)
        elif rel == "cluster-resources/nodes.json":
            nodes = _json(fh, rel)
        elif len(parts) == 3 and parts[2].endswith(".json"):
            ns = parts[2].removesuffix(".json")
            doc = _json(fh, rel)
            namespaces.add(ns)
            if parts[1] in _WORKLOAD_KINDS:
                workloads.setdefault(ns, []).extend(_items(doc))
            job.writer.write_json(f"{job.base(ns)}/{rel}", doc)
    if not namespaces:
        raise BundleError(
            f"{src}: no cluster-resources/<kind>/<namespace>.json inside; "
            "is it a troubleshoot support bundle?"
        )
    for ns in sorted(namespaces):
        if nodes is not None:
            job.writer.write_json(
                f"{job.base(ns)}/cluster-resources/nodes.json", node_summary(_items(nodes))
            )
        job.add_instance(ns, workloads.get(ns, []))
    return job.finish()


def _json(fh: IO[bytes], rel: str) -> Any:
    try:
        return json.load(fh)
    except ValueError as exc:
        raise BundleError(f"{rel} is not valid JSON: {exc}") from exc


def _items(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict):
        return list(doc.get("items") or [])
    return list(doc) if isinstance(doc, list) else []


# -- kubectl cluster-info dump -----------------------------------------------------------------
def import_cluster_info_dump(src: Path, dst_dir: Path, redactor: Redacting | None = None) -> Path:
    """A `kubectl cluster-info dump --output-directory` folder -> an engage bundle."""
    with _Import(src, dst_dir, "cluster-info-dump", redactor) as job:
        return _dump(src, job)


def _dump(src: Path, job: _Import) -> Path:
    nodes = _items(_json(open(src / "nodes.json", "rb"), "nodes.json"))  # noqa: SIM115
    for ns_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        ns, base = ns_dir.name, job.base(ns_dir.name)
        workloads: list[dict[str, Any]] = []
        for f in sorted(ns_dir.glob("*.json")):
            with f.open("rb") as fh:
                doc = _json(fh, f"{ns}/{f.name}")
            kind = f.stem
            if kind in _WORKLOAD_KINDS:
                workloads += _items(doc)
            job.writer.write_json(f"{base}/cluster-resources/{kind}/{ns}.json", doc)
        for log in sorted(ns_dir.glob("*/logs.txt")) + sorted(ns_dir.glob("*/*/logs.txt")):
            _split_dump_log(job, base, ns, log)
        job.writer.write_json(f"{base}/cluster-resources/nodes.json", node_summary(nodes))
        job.add_instance(ns, workloads)
    return job.finish()


def _spool() -> IO[bytes]:
    """A buffer that stays in memory up to 8 MiB, then moves to a temporary file."""
    return tempfile.SpooledTemporaryFile(8 << 20)


def _split_dump_log(job: _Import, base: str, ns: str, log: Path) -> None:
    """Split `logs.txt` at kubectl's START/END markers into one file per container."""
    pod = log.parent.name if log.parent.parent.name == ns else log.parent.parent.name
    default = log.parent.name if log.parent.parent.name != ns else "logs"
    current: tuple[str, IO[bytes]] | None = None
    with log.open("rb") as fh:
        for line in fh:
            mark = _DUMP_MARK.match(line)
            if mark and mark.group(1) == b"START":
                _flush(job, base, ns, pod, current)
                current = (mark.group(2).decode(), _spool())
            elif mark:
                _flush(job, base, ns, pod, current)
                current = None
            else:
                if current is None:
                    current = (default, _spool())
                current[1].write(line)
    _flush(job, base, ns, pod, current)


def _flush(
    job: _Import, base: str, ns: str, pod: str, current: tuple[str, IO[bytes]] | None
) -> None:
    if current is None:
        return
    container, buf = current
    buf.seek(0)
    job.writer.write_text(
        f"{base}/cluster-resources/pods/logs/{ns}/{pod}/{safe_name(container)}.log", buf
    )
    buf.close()


# -- Kubecost bug report -----------------------------------------------------------------------
def _sections(fh: IO[bytes]) -> Iterator[tuple[str, IO[bytes]]]:
    """(title, body) per `+----` / `| title` section of a bug report; preamble titled 'header'."""
    title, buf = "header", _spool()
    pending_sep = False
    for line in fh:
        if _SEP.match(line):
            pending_sep = True
            continue
        m = _TITLE.match(line) if pending_sep else None
        pending_sep = False
        if m:
            buf.seek(0)
            yield title, buf
            title, buf = m.group(1).decode(errors="replace"), _spool()
            continue
        buf.write(line)
    buf.seek(0)
    yield title, buf


def import_bug_report(src: Path, dst_dir: Path, redactor: Redacting | None = None) -> Path:
    """A Kubecost "Capture bug report" text file -> an engage bundle (logs split per container)."""
    with src.open("rb") as probe:
        head = probe.read(4096)
    if b"\x00" in head:
        raise BundleError(f"{src}: binary file; expected a Kubecost bug report (text)")
    with _Import(src, dst_dir, "bug-report", redactor) as job:
        return _bug_report(src, job)


def _bug_report(src: Path, job: _Import) -> Path:
    job.cluster = "bug-report"
    namespace, version = "kubecost", None
    with src.open("rb") as fh:
        job.writer.write_text(f"{job.base('kubecost')}/bug-report.txt", fh)
    with src.open("rb") as fh:
        for title, body in _sections(fh):
            parts = title.split(":")
            if len(parts) == 3 and all(parts):
                namespace = parts[0]
                version = version or _version_in(body)
                rel: str | None = (
                    f"cluster-resources/pods/logs/{parts[0]}/{parts[1]}/{safe_name(parts[2])}.log"
                )
            else:
                rel = _api_name(title, body)
            if rel and body.read(1):
                body.seek(0)
                job.writer.write_text(f"{job.base('kubecost')}/{rel}", body)
            body.close()
    job.env.instances.append(
        Instance(
            cluster=job.cluster,
            namespace=namespace,
            version=version,
            flavour=_flavour(version),
            path=job.base("kubecost"),
            collectors=[CollectorRun(name="import-bug-report", status="ok")],
        )
    )
    return job.finish()


def _api_name(title: str, body: IO[bytes]) -> str | None:
    if title == "header":
        return None
    start = body.read(1 << 20).lstrip()
    body.seek(0)
    suffix = "json" if start[:1] in (b"{", b"[") else "txt"
    lowered = title.lower().replace(" ", "")
    name = (
        "helmValues" if "helm" in lowered else "etl-log" if "etl" in lowered else safe_name(title)
    )
    return f"kubecost-api/{name}.{suffix}"


def _version_in(body: IO[bytes]) -> str | None:
    for line in body:
        if b"Starting cost-model" in line or b"Starting aggregator" in line:
            hit = detect_version(line.decode(errors="replace"))
            if hit:
                body.seek(0)
                return hit.version
    body.seek(0)
    return None


def _flavour(version: str | None) -> Any:
    major = (version or "").split(".")[0]
    return {"2": "2.x-duckdb", "3": "3.x"}.get(major, "unknown")


def import_path(src: Path, dst_dir: Path) -> Path:
    """Turn a Kubecost bug report, troubleshoot bundle or cluster-info dump into a bundle."""
    return import_any(Path(src), Path(dst_dir))
