"""Diagnostic requests: support asks for artifacts, rows track each one, completeness moves
the case between waiting on the customer and waiting on support."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engage.diagnostics.artifacts import ArtifactKind
from engage.domain.cases import Case, CaseStatus
from engage.domain.errors import Conflict, NotFound, ValidationFailed
from engage.domain.intake import DiagnosticRequest, RequestRow, RowStatus
from engage.domain.policy import policy_from_dict
from engage.domain.users import Environment, Instance, User
from engage.services import notify_hooks
from engage.services.access import require_support, visible_case
from engage.services.cases import record_event
from engage.services.cases import system_transition as _move
from engage.services.catalogue import BY_KIND as BY_KIND
from engage.services.catalogue import CATALOGUE as CATALOGUE
from engage.services.catalogue import EXPANSIONS as EXPANSIONS
from engage.services.catalogue import KindInfo as KindInfo
from engage.services.catalogue import allowed_catalogue as allowed_catalogue
from engage.services.catalogue import kind_info as kind_info
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.policy import artifact_allowed
from engage.services.ports import Clock, UnitOfWork
from engage.services.request_targets import case_places as case_places

NOTE_MAX = 5_000
LABEL_MAX = 200
REASON_MAX = 2_000
MAX_ROWS = 200
OPEN = frozenset({RowStatus.REQUESTED, RowStatus.REJECTED})  # the customer still owes these
DONE = frozenset({RowStatus.VALIDATED, RowStatus.WAIVED})


@dataclass(frozen=True)
class Completeness:
    """`done` of `total` rows validated or waived, and the rows the customer still owes."""

    done: int
    total: int
    missing: tuple[RequestRow, ...] = ()

    @property
    def text(self) -> str:
        """`5 of 7`."""
        return f"{self.done} of {self.total}"


def completeness(rows: Iterable[RequestRow]) -> Completeness:
    """How far a case's diagnostic requests are."""
    rows = list(rows)
    done = sum(1 for r in rows if r.status in DONE)
    return Completeness(done, len(rows), tuple(r for r in rows if r.status in OPEN))


@dataclass
class RequestView:
    """A request with its rows, as pages and the API show it."""

    request: DiagnosticRequest
    rows: list[RequestRow]
    title: str


@dataclass
class DiagnosticsView:
    """Every request of a case and where it stands."""

    case: Case
    requests: list[RequestView]
    completeness: Completeness
    environments: dict[int, Environment] = field(default_factory=dict)
    instances: dict[int, Instance] = field(default_factory=dict)


def _check_text(label: str, note: str) -> None:
    if len(label) > LABEL_MAX:
        raise ValidationFailed(f"label is longer than {LABEL_MAX} characters")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"note is longer than {NOTE_MAX} characters")


def _targets(
    uow: UnitOfWork,
    case: Case,
    expand: str,
    environment_ids: list[int] | None,
    instance_ids: list[int] | None,
) -> list[dict[str, Any]]:
    envs, insts = case_places(uow, case)
    env_by_id = {e.id: e for e in uow.orgs.environments(case.org_id)}
    if environment_ids:
        unknown = set(environment_ids) - set(env_by_id)
        if unknown:
            raise ValidationFailed(f"environment {min(unknown)} is not one of this organisation's")
        envs = [env_by_id[i] for i in environment_ids]
        insts = [i for i in uow.orgs.instances(case.org_id) if i.environment_id in environment_ids]
    if instance_ids:
        mine = {i.id: i for i in uow.orgs.instances(case.org_id)}
        unknown = set(instance_ids) - set(mine)
        if unknown:
            raise ValidationFailed(f"instance {min(unknown)} is not one of this organisation's")
        insts, expand = [mine[i] for i in instance_ids], "instance"
    if expand == "instance" and insts:
        return [
            {
                "environment_id": i.environment_id,
                "instance_id": i.id,
                "label": _instance_label(env_by_id.get(i.environment_id), i),
            }
            for i in insts
        ]
    if expand in ("environment", "instance") and envs:
        return [{"environment_id": e.id, "instance_id": None, "label": e.name} for e in envs]
    return [{"environment_id": None, "instance_id": None, "label": "this case"}]


def _instance_label(env: Environment | None, inst: Instance) -> str:
    where = f"{env.name} / " if env else ""
    return f"{where}{inst.cluster} ({inst.namespace})"


def request_diagnostics(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    kind: str,
    expand: str | None = None,
    environment_ids: list[int] | None = None,
    instance_ids: list[int] | None = None,
    label: str = "",
    note: str = "",
    due_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> DiagnosticRequest:
    """Ask the customer for one kind of artifact, one row per environment or instance."""
    case = visible_case(uow, actor, case_id)
    require_support(actor, "request diagnostics")
    info = kind_info(kind)
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None
    if not artifact_allowed(
        uow, clock, org_policy=org.policy, case_id=case.id, kind=info.kind.value
    ):
        policy = policy_from_dict(org.policy)
        raise ValidationFailed(
            f"{org.name}'s security policy does not allow {info.kind.value}; "
            f"it allows: {', '.join(policy.allowed_kinds()) or 'nothing'}"
        )
    expand = expand or info.expand
    if expand not in EXPANSIONS:
        raise ValidationFailed(f"expand must be one of: {', '.join(EXPANSIONS)}")
    _check_text(label, note)
    if info.kind == ArtifactKind.OTHER and not label.strip():
        raise ValidationFailed("say what you need in the label when the kind is 'other'")
    if due_at is not None and due_at.tzinfo is None:
        raise ValidationFailed("due_at needs a time zone (e.g. 2026-03-05T17:00:00Z)")
    digest = request_hash(
        [case_id, kind, expand, environment_ids, instance_ids, label, note, due_at]
    )
    existing = replay_key(uow, actor, idempotency_key, "diagnostics:request", digest)
    if existing is not None and (found := uow.intake.get_request(existing)) is not None:
        return found
    if not case.is_open:
        raise Conflict("the case is resolved or closed; reopen it before asking for diagnostics")
    targets = _targets(uow, case, expand, environment_ids, instance_ids)
    if len(targets) > MAX_ROWS:
        raise ValidationFailed(f"a request may have at most {MAX_ROWS} rows")
    now = clock.now()
    req = uow.intake.add_request(
        case_id=case_id,
        kind=info.kind.value,
        label=label.strip(),
        note=note,
        due_at=due_at,
        expand=expand,
        created_by=actor.id,
        created_at=now,
    )
    for target in targets:
        uow.intake.add_row(
            request_id=req.id,
            case_id=case_id,
            status=RowStatus.REQUESTED.value,
            reason="",
            status_by=actor.id,
            status_at=now,
            **target,
        )
    record_event(
        uow,
        clock,
        case,
        actor,
        "diagnostics_requested",
        request_id=req.id,
        artifact_kind=info.kind.value,
        rows=len(targets),
        due_at=due_at.isoformat() if due_at else None,
    )
    notify_hooks.diagnostics_requested(uow, clock, case, actor, request_title(req), due_at)
    settle_case(uow, clock, case)
    remember_key(uow, actor, idempotency_key, "diagnostics:request", digest, req.id)
    uow.commit()
    return req


def view_diagnostics(uow: UnitOfWork, *, actor: User, case_id: int) -> DiagnosticsView:
    """A case's requests with their rows and completeness, for anyone who may see the case."""
    case = visible_case(uow, actor, case_id)
    rows = uow.intake.rows(case_id)
    by_request: dict[int, list[RequestRow]] = {}
    for row in rows:
        by_request.setdefault(row.request_id, []).append(row)
    requests = [
        RequestView(r, by_request.get(r.id, []), request_title(r))
        for r in uow.intake.requests(case_id)
    ]
    envs = {e.id: e for e in uow.orgs.environments(case.org_id) if e.id is not None}
    insts = {i.id: i for i in uow.orgs.instances(case.org_id) if i.id is not None}
    return DiagnosticsView(case, requests, completeness(rows), envs, insts)


def request_title(req: DiagnosticRequest) -> str:
    """The catalogue title of a request, with its label."""
    base = BY_KIND[ArtifactKind(req.kind)].title
    return f"{base}: {req.label}" if req.label else base


def case_row(uow: UnitOfWork, case: Case, row_id: int, *, lock: bool = False) -> RequestRow:
    """A row of this case, or NotFound (a row id of another case is never confirmed)."""
    row = uow.intake.get_row(row_id, lock=lock)
    if row is None or row.case_id != case.id:
        raise NotFound(f"request row {row_id} not found on case {case.id}")
    return row


def _change_row(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    row_id: int,
    to: RowStatus,
    reason: str,
    allowed: frozenset[RowStatus],
) -> RequestRow:
    case = visible_case(uow, actor, case_id)
    require_support(actor, f"mark requested diagnostics {to.value}")
    if to in (RowStatus.WAIVED, RowStatus.REJECTED) and not reason.strip():
        raise ValidationFailed(f"say why the row is {to.value} (reason)")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"reason is longer than {REASON_MAX} characters")
    row = case_row(uow, case, row_id, lock=True)
    if row.status not in allowed:
        raise Conflict(f"row {row_id} is {row.status.value}; it cannot become {to.value}")
    row = set_row_status(uow, clock, case, row, to, actor=actor, reason=reason.strip())
    uow.commit()
    return row


def waive_row(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, row_id: int, reason: str
) -> RequestRow:
    """Support no longer needs this row (who and why are recorded)."""
    return _change_row(
        uow,
        clock,
        actor=actor,
        case_id=case_id,
        row_id=row_id,
        to=RowStatus.WAIVED,
        reason=reason,
        allowed=frozenset(RowStatus) - {RowStatus.WAIVED},
    )


def reject_row(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, row_id: int, reason: str
) -> RequestRow:
    """What was provided will not do; the customer is asked again, with the reason."""
    return _change_row(
        uow,
        clock,
        actor=actor,
        case_id=case_id,
        row_id=row_id,
        to=RowStatus.REJECTED,
        reason=reason,
        allowed=frozenset({RowStatus.RECEIVED, RowStatus.VALIDATED}),
    )


def validate_row(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, row_id: int
) -> RequestRow:
    """Support accepts a received artifact that engage cannot check itself (e.g. screenshot)."""
    return _change_row(
        uow,
        clock,
        actor=actor,
        case_id=case_id,
        row_id=row_id,
        to=RowStatus.VALIDATED,
        reason="",
        allowed=frozenset({RowStatus.RECEIVED}),
    )


def set_row_status(
    uow: UnitOfWork,
    clock: Clock,
    case: Case,
    row: RequestRow,
    to: RowStatus,
    *,
    actor: User | None,
    reason: str = "",
) -> RequestRow:
    """Change a row's status with an event, then settle the case's waiting state (no commit)."""
    updated = uow.intake.update_row(
        row.id,
        status=to.value,
        reason=reason,
        status_by=actor.id if actor else None,
        status_at=clock.now(),
    )
    record_event(
        uow,
        clock,
        case,
        actor,
        f"diagnostics_{to.value}",
        row_id=row.id,
        label=row.label,
        reason=reason or None,
    )
    notify_hooks.row_status(uow, clock, case, to.value, row.label, reason)
    settle_case(uow, clock, case)
    return updated


def settle_case(uow: UnitOfWork, clock: Clock, case: Case) -> None:
    """Waiting on the customer while a row is open; back to support when the last one closes."""
    assert case.id is not None
    if not case.is_open:
        return
    progress = completeness(uow.intake.rows(case.id))
    status = CaseStatus(case.status)
    if progress.missing and status != CaseStatus.WAITING_ON_CUSTOMER:
        _move(
            uow,
            clock,
            case,
            CaseStatus.WAITING_ON_CUSTOMER,
            f"waiting for {len(progress.missing)} requested diagnostic item(s)",
        )
    elif not progress.missing and progress.total and status == CaseStatus.WAITING_ON_CUSTOMER:
        _move(uow, clock, case, CaseStatus.WAITING_ON_SUPPORT, "requested diagnostics complete")
        _tell_assignee(uow, clock, case, progress)


def _tell_assignee(uow: UnitOfWork, clock: Clock, case: Case, progress: Completeness) -> None:
    message = (
        f"Case #{case.id}: every requested diagnostic item is in "
        f"({progress.text} validated or waived)."
    )
    record_event(
        uow,
        clock,
        case,
        None,
        "diagnostics_complete",
        done=progress.done,
        total=progress.total,
        notified=case.assignee_id,
    )
    if case.assignee_id is not None:
        uow.intake.add_notification(
            user_id=case.assignee_id,
            case_id=case.id,
            kind="diagnostics_complete",
            message=message,
            created_at=clock.now(),
        )
    notify_hooks.diagnostics_complete(uow, clock, case, progress.text)
