"""Text artifacts: HAR files, logs, bug reports and Helm values, each redacted before storage.

Registered into ``engage.diagnostics.artifacts.PREPARERS`` on import. The upload itself is
never what gets stored for these kinds: only the redacted copy written to the work folder.
"""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from engage.diagnostics.archives import archive_format
from engage.diagnostics.artifacts import (
    ArtifactKind,
    ArtifactRejected,
    Prepared,
    Upload,
    head_bytes,
    preparer,
    strip_compression,
)
from engage.diagnostics.har import is_har
from engage.diagnostics.redact import RedactionError
from engage.diagnostics.redact.streams import is_binary

SNIFF = 64 << 10
MAX_ALIASES = 200
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain_file(job: Upload, what: str) -> Path:
    """The upload itself, or the file inside a single ``.gz``; archives are refused."""
    fmt = archive_format(job.path)
    if fmt is None:
        return job.path
    if fmt in ("gz", "xz", "bz2"):
        root = job.extract()
        return next(p for p in root.iterdir() if p.is_file())
    raise ArtifactRejected(f"{what} must be a single file, not a {fmt} archive")


def _redact_file(job: Upload, src: Path, name: str) -> Path:
    out = job.work / "out"
    out.mkdir(exist_ok=True)
    dst = out / name
    try:
        job.get_redactor().redact_path(src, dst)
    except RedactionError as exc:
        raise ArtifactRejected(f"the file could not be redacted: {exc}") from exc
    return dst


def _report(job: Upload) -> dict[str, Any]:
    return job.get_redactor().report.to_dict()


# -- HAR ---------------------------------------------------------------------------------------
@preparer(ArtifactKind.HAR)
def prepare_har(job: Upload) -> Prepared:
    """Valid HAR 1.x JSON with entries, rewritten through the redaction engine's HAR rules."""
    src = _plain_file(job, "a HAR file")
    doc = _load_json(src)
    if not is_har(doc):
        raise ArtifactRejected(
            "the file is JSON but not a HAR file (it has no log.entries); use 'Export HAR' "
            "in the browser's Network tab"
        )
    log = doc["log"]
    version = str(log.get("version", ""))
    if version and not version.startswith("1."):
        raise ArtifactRejected(f"HAR version {version!r} is not supported; export HAR 1.2")
    entries = [e for e in log["entries"] if isinstance(e, dict)]
    if not entries:
        raise ArtifactRejected(
            "the HAR file records no requests; turn on 'Preserve log', reproduce the "
            "problem, then export again"
        )
    name = Path(strip_compression(job.safe_name)).stem + ".har"
    clean = job.get_redactor().redact_document(doc, name=name)
    out = job.work / "out"
    out.mkdir(exist_ok=True)
    target = out / name
    target.write_text(json.dumps(clean, ensure_ascii=False, indent=1), encoding="utf-8")
    return Prepared(
        job.kind, target, job.original_name, _har_summary(log, entries, job), _report(job)
    )


def _load_json(path: Path) -> Any:
    if is_binary(head_bytes(path, SNIFF)):
        raise ArtifactRejected(
            "the file is binary, not the JSON text a browser exports as a HAR file"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArtifactRejected(
            f"the file is not UTF-8 text (bad byte at offset {exc.start}); a HAR file is JSON text"
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactRejected(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "export the HAR file again, the download may have been cut short"
        ) from exc
    except RecursionError as exc:
        raise ArtifactRejected("the JSON is nested too deeply to read") from exc


def _har_summary(log: dict[str, Any], entries: list[dict[str, Any]], job: Upload) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    hosts: set[str] = set()
    for entry in entries:
        response, request = entry.get("response"), entry.get("request")
        status = response.get("status") if isinstance(response, dict) else None
        statuses[f"{status // 100}xx" if isinstance(status, int) and status > 0 else "none"] += 1
        if isinstance(request, dict) and isinstance(request.get("url"), str):
            hosts.add(urlsplit(request["url"]).hostname or "")
    creator, browser = _mapping(log.get("creator")), _mapping(log.get("browser"))
    return {
        "format": "har",
        "version": str(log.get("version", "")),
        "creator": " ".join(str(creator.get(k, "")) for k in ("name", "version")).strip(),
        "browser": " ".join(str(browser.get(k, "")) for k in ("name", "version")).strip(),
        "entries": len(entries),
        "pages": len(log.get("pages") or []),
        "hosts": len(hosts - {""}),
        "status_classes": dict(sorted(statuses.items())),
        "replacements": job.get_redactor().report.total,
    }


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- logs and bug reports ----------------------------------------------------------------------
@preparer(ArtifactKind.LOGS)
def prepare_logs(job: Upload) -> Prepared:
    """Text logs: one file (maybe .gz) or a tar/zip of them; redacted, binary members dropped."""
    if archive_format(job.path) in (None, "gz", "xz", "bz2"):
        return _single_text(job, "logs")
    return _text_archive(job)


@preparer(ArtifactKind.BUG_REPORT)
def prepare_bug_report(job: Upload) -> Prepared:
    """The text bug report from Kubecost's Settings page (maybe .gz); redacted."""
    return _single_text(job, "a bug report")


def _single_text(job: Upload, what: str) -> Prepared:
    src = _plain_file(job, what)
    if is_binary(head_bytes(src, SNIFF)):
        raise ArtifactRejected(
            f"{what} must be text; this file is binary (wrong file or wrong kind chosen?)"
        )
    name = strip_compression(job.safe_name)
    name = name if "." in name else name + ".log"
    target = _redact_file(job, src, name)
    summary = {
        "format": "text",
        "files": 1,
        "bytes": target.stat().st_size,
        "lines": _count_lines(target),
        "replacements": job.get_redactor().report.total,
    }
    return Prepared(job.kind, target, job.original_name, summary, _report(job), target)


def _text_archive(job: Upload) -> Prepared:
    root = job.extract()
    dropped = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_binary(head_bytes(path, SNIFF)):
            dropped.append(path.relative_to(root).as_posix())
            path.unlink()
    texts = [p for p in root.rglob("*") if p.is_file()]
    if not texts:
        raise ArtifactRejected("the archive holds no text files; logs must be plain text")
    redacted = job.work / "redacted"
    try:
        job.get_redactor().redact_path(root, redacted)
    except RedactionError as exc:
        raise ArtifactRejected(f"the archive could not be redacted: {exc}") from exc
    stem = Path(strip_compression(job.safe_name)).name
    stem = stem.removesuffix(".tar").removesuffix(".zip") or "logs"
    out = job.work / "out"
    out.mkdir(exist_ok=True)
    target = out / f"{stem}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=3, format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(redacted.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=f"{stem}/{path.relative_to(redacted).as_posix()}")
    summary = {
        "format": "archive",
        "files": len(texts),
        "bytes": _tree_size(redacted),
        "dropped_binary": dropped,
        "replacements": job.get_redactor().report.total,
    }
    return Prepared(job.kind, target, job.original_name, summary, _report(job), redacted)


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# -- Helm values -------------------------------------------------------------------------------
@preparer(ArtifactKind.HELM_VALUES)
def prepare_helm_values(job: Upload) -> Prepared:
    """A YAML mapping (``helm get values``); redacted with the values.yaml rules."""
    src = _plain_file(job, "Helm values")
    if is_binary(head_bytes(src, SNIFF)):
        raise ArtifactRejected("Helm values must be a YAML text file; this file is binary")
    docs = _load_yaml(src)
    values = [d for d in docs if d is not None]
    if not values:
        raise ArtifactRejected("the Helm values file is empty")
    if not all(isinstance(d, dict) for d in values):
        raise ArtifactRejected(
            "the Helm values must be a YAML mapping (key: value); send the output of "
            "'helm get values RELEASE -n NAMESPACE -o yaml'"
        )
    target = _redact_file(job, src, "values.yaml")
    keys = sorted({str(k) for d in values for k in d})
    summary = {
        "format": "helm-values",
        "documents": len(values),
        "top_level_keys": keys[:100],
        "replacements": job.get_redactor().report.total,
    }
    return Prepared(job.kind, target, job.original_name, summary, _report(job), target)


def _load_yaml(path: Path) -> list[Any]:
    data = path.read_bytes()
    try:
        # aliases let a few lines expand into a huge tree (a "billion laughs" document)
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(data, Loader=_YAML_LOADER))
        if aliases > MAX_ALIASES:
            raise ArtifactRejected(
                f"the Helm values use more than {MAX_ALIASES} YAML aliases; send the output of "
                "'helm get values RELEASE -n NAMESPACE -o yaml'"
            )
        return list(yaml.load_all(data, Loader=_YAML_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ArtifactRejected(
            f"the Helm values are not valid YAML ({where}{exc.problem}); send the output of "
            "'helm get values RELEASE -n NAMESPACE -o yaml'"
        ) from exc
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError) as exc:
        raise ArtifactRejected(f"the Helm values are not valid YAML ({exc})") from exc
