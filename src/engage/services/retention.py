"""Retention and clean-up jobs: old artifacts, abandoned uploads, spools and scratch folders.

Retention deletes stored content under the content lock (``lock_content``): a new upload of
the same bytes takes the same lock before it relies on the object, so "is it still used?" and
"delete it" can never interleave with "it exists, skip the put". Both jobs are safe to run
twice and on any host.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

from engage.domain.errors import ValidationFailed
from engage.domain.policy import policy_from_dict
from engage.services.cases import record_event
from engage.services.intake import PREPARE_JOB
from engage.services.ports import Clock, JobQueue, ObjectStore, UnitOfWork
from engage.services.preparation import ANALYZE_JOB, delete_incoming

RETENTION_JOB = "artifact_retention"
CLEANUP_JOB = "intake_cleanup"
STUCK_AFTER = timedelta(hours=1)  # an artifact no job has moved on for this long


def apply_retention(uow: UnitOfWork, clock: Clock, store: ObjectStore) -> int:
    """Delete artifacts older than their organisation's retention days; returns how many."""
    now = clock.now()
    deleted = 0
    for org in uow.orgs.all():
        assert org.id is not None
        try:
            days = policy_from_dict(org.policy).retention_days
        except ValidationFailed:
            days = 30
        for art in uow.intake.expired_artifacts(org.id, now - timedelta(days=days)):
            if art.content_key:
                uow.intake.lock_content(art.content_key, now)
                if not uow.intake.key_in_use(art.content_key, except_id=art.id):
                    store.delete(art.content_key)  # still under the lock: commit comes after
            delete_incoming(store, art.incoming_key)
            uow.intake.update_artifact(art.id, deleted_at=now, status="deleted", incoming_key="")
            case = uow.cases.get(art.case_id)
            assert case is not None
            record_event(
                uow,
                clock,
                case,
                None,
                "artifact_deleted",
                artifact_id=art.id,
                name=art.original_name,
                reason="retention",
                retention_days=days,
            )
            uow.commit()
            deleted += 1
    return deleted


def cleanup(
    uow: UnitOfWork,
    clock: Clock,
    store: ObjectStore,
    jobs: JobQueue,
    *,
    scratch: Path,
    older_than: timedelta,
) -> dict[str, int]:
    """Expire abandoned upload sessions (and their parts), delete old spools and scratch
    folders, and queue again artifacts whose job was lost; returns counts per kind."""
    now = clock.now()
    counts = {"uploads": 0, "scratch": 0, "requeued": 0, "orphans": 0}
    for session in uow.intake.stale_uploads(now - older_than):
        uow.intake.update_upload(session.id, status="expired", updated_at=now)
        uow.commit()
        delete_incoming(store, f"uploads/{session.id}/")
        counts["uploads"] += 1
    counts["scratch"] = sweep_scratch(scratch, older_than.total_seconds())
    counts["orphans"] = sweep_incoming(uow, store, (now - older_than).timestamp())
    for art in uow.intake.artifacts_in(("received", "preparing", "analysing")):
        if art.uploaded_at < now - STUCK_AFTER:
            job = ANALYZE_JOB if art.status == "analysing" else PREPARE_JOB
            jobs.enqueue(job, artifact_id=art.id)  # the jobs are idempotent: a duplicate is a no-op
            counts["requeued"] += 1
    uow.rollback()
    return counts


def sweep_incoming(uow: UnitOfWork, store: ObjectStore, before: float) -> int:
    """Delete raw uploads put in the store before `before` (a Unix time) that no artifact
    refers to: a process killed between the put and the commit leaves such bytes behind."""
    removed = 0
    for key in list(store.keys("incoming/")):
        stamp = key.removeprefix("incoming/").partition("-")[0]
        if stamp.isdigit() and int(stamp) < before and not uow.intake.incoming_in_use(key):
            store.delete(key)
            removed += 1
    uow.rollback()
    return removed


def sweep_scratch(scratch: Path, older_than_seconds: float) -> int:
    """Delete spool files and work folders in `scratch` not modified for that long."""
    if not scratch.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in list(scratch.iterdir()) + list((scratch / "uploads").glob("*")):
        try:
            if entry.name == "uploads" or entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except FileNotFoundError:
            continue
    return removed
