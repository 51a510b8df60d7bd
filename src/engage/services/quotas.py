"""Per-organisation upload limits: bytes stored, bytes a day, work in flight, open uploads.

Checked before an upload is accepted (and before a resumable upload opens), so one
organisation cannot fill the store or the workers: a member who opens 50 sessions declaring
200 GiB meets `open_uploads` at the 11th. Zero switches a limit off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from engage.domain.errors import EngageError
from engage.services.ports import Clock, UnitOfWork

IN_FLIGHT = ("received", "preparing")


class QuotaExceeded(EngageError):
    """The organisation is over one of its upload limits; `detail` says which and by how much."""

    status = 429
    title = "Quota exceeded"


@dataclass(frozen=True)
class Quotas:
    """The limits; built from ENGAGE_QUOTA_* settings."""

    stored_bytes: int = 200 << 30
    daily_bytes: int = 50 << 30
    expanded_bytes: int = 8 << 30
    concurrent_uploads: int = 8
    open_uploads: int = 10


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def check_upload(uow: UnitOfWork, clock: Clock, quotas: Quotas, *, org_id: int, size: int) -> None:
    """Refuse `size` more bytes for this organisation if it would pass a limit."""
    stored, today = uow.intake.org_usage(org_id, clock.now() - timedelta(days=1))
    if quotas.stored_bytes and stored + size > quotas.stored_bytes:
        raise QuotaExceeded(
            f"your organisation stores {_gib(stored)} of its {_gib(quotas.stored_bytes)}; "
            "ask support to delete old artifacts or raise the limit"
        )
    if quotas.daily_bytes and today + size > quotas.daily_bytes:
        raise QuotaExceeded(
            f"your organisation uploaded {_gib(today)} in the last 24 hours, the limit is "
            f"{_gib(quotas.daily_bytes)}; try again later"
        )
    if quotas.concurrent_uploads:
        busy = len(uow.intake.artifacts_in(IN_FLIGHT, org_id))
        if busy >= quotas.concurrent_uploads:
            raise QuotaExceeded(
                f"{busy} uploads of your organisation are still being prepared (at most "
                f"{quotas.concurrent_uploads} at once); wait for them to finish"
            )


def check_open_uploads(uow: UnitOfWork, quotas: Quotas, *, org_id: int, size: int) -> None:
    """Refuse a new resumable upload past the open-session limit or the stored-bytes limit."""
    sessions = uow.intake.open_uploads(org_id)
    if quotas.open_uploads and len(sessions) >= quotas.open_uploads:
        raise QuotaExceeded(
            f"your organisation has {len(sessions)} unfinished uploads (at most "
            f"{quotas.open_uploads}); finish or abort one first"
        )
    declared = sum(s.size for s in sessions) + size
    if quotas.stored_bytes and declared > quotas.stored_bytes:
        raise QuotaExceeded(
            f"unfinished uploads would declare {_gib(declared)}, more than the "
            f"{_gib(quotas.stored_bytes)} your organisation may store"
        )
