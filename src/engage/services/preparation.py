"""The jobs that turn a received upload into a ready artifact: prepare, then analyse.

``prepare_received`` fetches the raw upload from the store into a scratch folder, validates
and sanitises it, stores the sanitised file under its content hash and moves the artifact to
``analysing`` (or ``ready``), or to ``rejected`` with the reason (and deletes the raw bytes,
so a rejected artifact leaves nothing stored). ``analyze_stored`` runs the analyzer and moves
the artifact to ``ready``. No transaction is open while either works on bytes, and both are
safe to run twice: a second run of a finished step does nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engage.diagnostics.analyze import AnalyzeError, analyze_path
from engage.diagnostics.artifacts import ArtifactKind, ArtifactRejected, Prepared, prepare_artifact
from engage.diagnostics.redact import Redactor
from engage.domain.cases import Case
from engage.domain.intake import ArtifactRecord, RowStatus
from engage.domain.policy import policy_from_dict
from engage.services import notify_hooks
from engage.services.cases import record_event
from engage.services.diagnostics import set_row_status
from engage.services.intake import NEEDS_A_LOOK, allows_raw, record_rejection
from engage.services.ports import Clock, JobQueue, ObjectStore, UnitOfWork, content_key

ANALYZE_JOB = "analyze_artifact"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _work(scratch: Path, prefix: str) -> Path:
    scratch.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=scratch))


def fetch_incoming(store: ObjectStore, key: str, path: Path) -> None:
    """Copy a raw upload (one object, or the parts under a ``.../`` prefix in order) to `path`."""
    keys = sorted(store.keys(key)) if key.endswith("/") else [key]
    with path.open("wb") as dst:
        for part in keys:
            with store.open(part) as src:
                shutil.copyfileobj(src, dst, 1 << 20)


def delete_incoming(store: ObjectStore, key: str) -> None:
    """Delete a raw upload (one object, or every part under a prefix)."""
    if not key:
        return
    for part in list(store.keys(key)) if key.endswith("/") else [key]:
        store.delete(part)


def _claim(uow: UnitOfWork, artifact_id: int, frm: tuple[str, ...], to: str, progress: str):  # type: ignore[no-untyped-def]
    art = uow.intake.get_artifact(artifact_id)
    if art is None or art.deleted_at is not None or art.status not in frm:
        return None
    uow.intake.update_artifact(art.id, status=to, progress=progress)
    uow.commit()
    return art


def prepare_received(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    jobs: JobQueue,
    *,
    artifact_id: int,
    scratch: Path,
    max_expanded: int = 0,
    case_key: Callable[[str], bytes] | None = None,
) -> None:
    """Validate and sanitise a received upload (the ``prepare_artifact`` job).

    ``case_key``: the redaction key of a case, so one value gets one token in every upload of
    the case (support can tell two bundles name the same node); None: a fresh key per upload.
    """
    current = uow.intake.get_artifact(artifact_id)
    if current is not None and current.status == "analysing" and current.deleted_at is None:
        # prepared already, but the run that did it may have died before queueing analysis
        uow.rollback()
        jobs.enqueue(ANALYZE_JOB, artifact_id=artifact_id)
        return
    art = _claim(uow, artifact_id, ("received", "preparing"), "preparing", "checking and redacting")
    if art is None:
        return
    case = uow.cases.get(art.case_id)
    assert case is not None
    raw = allows_raw(uow, clock, case, art.kind)
    pseudonymize = _pseudonymized(uow, case)
    uow.rollback()
    work = _work(scratch, "prepare-")
    try:
        source = work / (_SAFE.sub("_", art.original_name).lstrip(".") or art.kind)
        fetch_incoming(store, art.incoming_key, source)
        try:
            prepared = prepare_artifact(
                ArtifactKind(art.kind),
                source,
                original_name=art.original_name,
                scratch=work / "prep",
                allow_raw=raw,
                redactor=Redactor(
                    pseudonymize=pseudonymize,
                    key=case_key(str(art.case_id)) if case_key is not None else None,
                ),
                max_expanded=max_expanded,
            )
        except ArtifactRejected as exc:
            reject(uow, clock, store, art, exc.reason)
            return
        if art.kind == ArtifactKind.FINDINGS.value:
            _keep_findings(uow, clock, art, case, prepared)
        else:
            _store_prepared(uow, clock, store, art, case, prepared)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    delete_incoming(store, art.incoming_key)
    fresh = uow.intake.get_artifact(art.id)
    if fresh is not None and fresh.status == "analysing":
        jobs.enqueue(ANALYZE_JOB, artifact_id=art.id)


def _pseudonymized(uow: UnitOfWork, case: Case) -> frozenset[str]:
    """The network-identity kinds the case's organisation has redaction pseudonymise."""
    org = uow.orgs.get(case.org_id)
    return policy_from_dict(org.policy if org else None).pseudonymize


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def _store_prepared(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    art: ArtifactRecord,
    case: Case,
    prepared: Prepared,
) -> None:
    path = Path(prepared.stored_path)
    key = content_key(_sha256(path))
    # Claim the content first (under the content lock, so retention cannot delete it between
    # "is it still used?" and the put below), then make sure the bytes are there.
    uow.intake.lock_content(key, clock.now())
    uow.intake.update_artifact(art.id, content_key=key)
    uow.commit()
    with path.open("rb") as fh:
        stored = store.put_content(fh)
    analyzable = bool(prepared.analyzable)
    uow.intake.update_artifact(
        art.id,
        content_key=stored.key,
        size=stored.size,
        summary=dict(prepared.summary),
        redaction=dict(prepared.redaction or {}),
        analyzable=analyzable,
        status="analysing" if analyzable else "ready",
        incoming_key="",
        progress="running the analyzer" if analyzable else "",
    )
    record_event(uow, clock, case, None, "artifact_prepared", artifact_id=art.id, size=stored.size)
    _settle_row(uow, clock, case, art)
    uow.commit()


def _settle_row(uow: UnitOfWork, clock: Clock, case: Case, art: ArtifactRecord) -> None:
    if art.row_id is None:
        return
    row = uow.intake.get_row(art.row_id, lock=True)
    if row is None or row.status not in (RowStatus.RECEIVED, RowStatus.REQUESTED):
        return
    done = RowStatus.RECEIVED if ArtifactKind(art.kind) in NEEDS_A_LOOK else RowStatus.VALIDATED
    if done != row.status:
        set_row_status(uow, clock, case, row, done, actor=None)


def _keep_findings(
    uow: UnitOfWork, clock: Clock, art: ArtifactRecord, case: Case, prepared: Prepared
) -> None:
    """Shared findings: keep them on the case and store no file (content_key stays empty)."""
    doc = json.loads(Path(prepared.stored_path).read_text())
    findings: list[Mapping[str, Any]] = [finding_row(f) for f in doc["findings"]]
    uow.intake.replace_findings(art.id, art.case_id, findings)
    uow.intake.update_artifact(
        art.id,
        size=0,
        summary=dict(prepared.summary),
        redaction=dict(prepared.redaction or {}),
        status="ready",
        incoming_key="",
        progress="",
    )
    record_event(
        uow,
        clock,
        case,
        None,
        "findings_shared",
        artifact_id=art.id,
        findings=len(findings),
        row_id=art.row_id,
    )
    _settle_row(uow, clock, case, art)
    uow.commit()


def reject(
    uow: UnitOfWork, clock: Clock, store: ObjectStore, art: ArtifactRecord, reason: str
) -> None:
    """Mark an artifact rejected with the reason, reject its row, delete its raw bytes."""
    case = uow.cases.get(art.case_id)
    assert case is not None
    uow.intake.update_artifact(
        art.id, status="rejected", analysis_error=reason[:2000], incoming_key="", progress=""
    )
    row = uow.intake.get_row(art.row_id) if art.row_id is not None else None
    record_rejection(uow, clock, case, row, None, art.kind, art.original_name, reason)
    delete_incoming(store, art.incoming_key)


def give_up(uow: UnitOfWork, store: ObjectStore, artifact_id: int, error: str) -> None:
    """A preparation or analysis that kept failing: mark the artifact failed with the reason."""
    art = uow.intake.get_artifact(artifact_id)
    if art is None or art.status in ("ready", "rejected", "deleted", "failed"):
        return
    uow.intake.update_artifact(
        art.id,
        status="failed",
        analysis_error=f"gave up after repeated errors: {error}"[:2000],
        progress="",
    )
    uow.commit()


def analyze_stored(
    uow: UnitOfWork, clock: Clock, store: ObjectStore, *, artifact_id: int, scratch: Path
) -> None:
    """Run the analyzer on a prepared artifact and attach its findings (the analysis job)."""
    art = _claim(uow, artifact_id, ("analysing",), "analysing", "running the analyzer")
    if art is None or not art.analyzable:
        return
    case = uow.cases.get(art.case_id)
    assert case is not None
    uow.rollback()
    work = _work(scratch, "analyze-")
    try:
        path = work / (_SAFE.sub("_", art.original_name).lstrip(".") or art.kind)
        with store.open(art.content_key) as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        report = analyze_path(path).to_dict()
        findings: list[Mapping[str, Any]] = [finding_row(f) for f in report["findings"]]
    except (AnalyzeError, OSError, ValueError) as exc:
        uow.intake.update_artifact(
            art.id, status="failed", analysis_error=str(exc)[:2000], progress=""
        )
        record_event(
            uow,
            clock,
            case,
            None,
            "analysis_failed",
            artifact_id=art.id,
            internal=True,
            error=str(exc)[:500],
        )
        uow.commit()
        return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    uow.intake.replace_findings(art.id, art.case_id, findings)
    uow.intake.update_artifact(art.id, status="ready", analysis_error="", progress="")
    notify_hooks.upload_analysed(uow, clock, case, art.original_name, findings)
    record_event(
        uow,
        clock,
        case,
        None,
        "analysis_finished",
        artifact_id=art.id,
        name=art.original_name,
        findings=len(findings),
        severities=sorted({f["severity"] for f in findings}),
    )
    uow.commit()


def finding_row(f: dict[str, Any]) -> dict[str, Any]:
    """One analyzer finding as a findings-table row (fields capped to their columns)."""
    return {
        "rule_id": str(f["rule_id"])[:100],
        "category": str(f["category"])[:64],
        "severity": str(f["severity"])[:16],
        "title": str(f["title"])[:300],
        "explanation": str(f.get("explanation", "")),
        "remediation": str(f.get("remediation", "")),
        "evidence": list(f.get("evidence", []))[:20],
        "count": int(f.get("count", 0)),
    }
