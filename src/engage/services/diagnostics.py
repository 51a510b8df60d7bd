"""Diagnostic requests: support asks for artifacts, rows track each one, completeness moves
the case between waiting on the customer and waiting on support."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment as Jinja
from jinja2 import FileSystemLoader, StrictUndefined

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
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.policy import artifact_allowed
from engage.services.ports import Clock, UnitOfWork

NOTE_MAX = 5_000
LABEL_MAX = 200
REASON_MAX = 2_000
MAX_ROWS = 200
OPEN = frozenset({RowStatus.REQUESTED, RowStatus.REJECTED})  # the customer still owes these
DONE = frozenset({RowStatus.VALIDATED, RowStatus.WAIVED})


@dataclass(frozen=True)
class KindInfo:
    """A catalogue entry: what support can ask for, and how it expands by default."""

    kind: ArtifactKind
    title: str
    expand: str  # case | environment | instance


CATALOGUE: tuple[KindInfo, ...] = (
    KindInfo(ArtifactKind.ENGAGE_BUNDLE, "engage diagnostics bundle", "environment"),
    KindInfo(ArtifactKind.BUG_REPORT, "Kubecost bug report", "instance"),
    KindInfo(ArtifactKind.LOGS, "Container logs", "instance"),
    KindInfo(ArtifactKind.HAR, "HAR file of the Kubecost UI", "case"),
    KindInfo(ArtifactKind.HEAP_PROFILE, "Heap profile", "instance"),
    KindInfo(ArtifactKind.AGGREGATOR_DB, "Aggregator database copy", "instance"),
    KindInfo(ArtifactKind.HELM_VALUES, "Helm values", "instance"),
    KindInfo(ArtifactKind.SCREENSHOT, "Screenshot", "case"),
    KindInfo(ArtifactKind.OTHER, "Other", "case"),
    KindInfo(
        ArtifactKind.FINDINGS, "Analyzer findings (engage analyze --share findings)", "environment"
    ),
)
BY_KIND = {k.kind: k for k in CATALOGUE}
EXPANSIONS = ("case", "environment", "instance")


def allowed_catalogue(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int
) -> list[KindInfo]:
    """The kinds support may ask for on this case under its organisation's policy."""
    case = visible_case(uow, actor, case_id)
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None
    return [
        k
        for k in CATALOGUE
        if artifact_allowed(uow, clock, org_policy=org.policy, case_id=case.id, kind=k.kind.value)
    ]


def kind_info(kind: str) -> KindInfo:
    """The catalogue entry of `kind`, or ValidationFailed naming the known kinds."""
    try:
        return BY_KIND[ArtifactKind(kind)]
    except ValueError:
        known = ", ".join(k.kind.value for k in CATALOGUE)
        raise ValidationFailed(f"unknown artifact kind {kind!r}; choose one of: {known}") from None


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


def case_places(uow: UnitOfWork, case: Case) -> tuple[list[Environment], list[Instance]]:
    """The case's environments and instances (its own, else its organisation's)."""
    assert case.id is not None
    chosen = [i for iid in uow.cases.instances(case.id) if (i := uow.orgs.get_instance(iid))]
    all_envs = {e.id: e for e in uow.orgs.environments(case.org_id) if e.id is not None}
    if chosen:
        env_ids = {i.environment_id for i in chosen}
    elif case.environment_id is not None:
        env_ids = {case.environment_id}
        chosen = [i for i in uow.orgs.instances(case.org_id) if i.environment_id in env_ids]
    else:
        env_ids = set(all_envs)
        chosen = uow.orgs.instances(case.org_id)
    return [e for eid, e in all_envs.items() if eid in env_ids], chosen


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
    notify_hooks.diagnostics_requested(uow, clock, case, actor, _title(req), due_at)
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
        RequestView(r, by_request.get(r.id, []), _title(r)) for r in uow.intake.requests(case_id)
    ]
    envs = {e.id: e for e in uow.orgs.environments(case.org_id) if e.id is not None}
    insts = {i.id: i for i in uow.orgs.instances(case.org_id) if i.id is not None}
    return DiagnosticsView(case, requests, completeness(rows), envs, insts)


def _title(req: DiagnosticRequest) -> str:
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


def send_reminders(uow: UnitOfWork, clock: Clock, *, every: timedelta = timedelta(hours=24)) -> int:
    """Remind customers of overdue requests (at most once per `every`); returns how many."""
    now = clock.now()
    sent = 0
    for req in uow.intake.overdue_requests(now, now - every):
        case = uow.cases.get(req.case_id)
        if case is None or not case.is_open:
            uow.intake.update_request(req.id, reminded_at=now)
            continue
        missing = [
            r for r in uow.intake.rows(req.case_id) if r.request_id == req.id and r.status in OPEN
        ]
        record_event(
            uow,
            clock,
            case,
            None,
            "diagnostics_overdue",
            request_id=req.id,
            artifact_kind=req.kind,
            missing=[r.label for r in missing],
        )
        message = (
            f"Case #{case.id}: {_title(req)} was due {req.due_at:%Y-%m-%d %H:%M} UTC; "
            f"still missing: {', '.join(r.label for r in missing)}."
        )
        notify_hooks.diagnostics_overdue(uow, clock, case, message)
        for uid in {case.reporter_id, case.assignee_id} - {None}:
            uow.intake.add_notification(
                user_id=uid,
                case_id=case.id,
                kind="diagnostics_overdue",
                message=message,
                created_at=now,
            )
        uow.intake.update_request(req.id, reminded_at=now)
        sent += 1
    uow.commit()
    return sent


TEMPLATES = Path(__file__).parent / "templates" / "instructions"
_EXAMPLE_FILES = {
    ArtifactKind.ENGAGE_BUNDLE: "engage-bundle.tar.gz",
    ArtifactKind.BUG_REPORT: "kubecost-bug-report.txt",
    ArtifactKind.LOGS: "kubecost-logs.txt",
    ArtifactKind.HAR: "kubecost.har",
    ArtifactKind.HEAP_PROFILE: "heap.pb.gz",
    ArtifactKind.AGGREGATOR_DB: "kubecost-aggregator.tar.gz",
    ArtifactKind.HELM_VALUES: "values.yaml",
    ArtifactKind.SCREENSHOT: "screenshot.png",
}
_jinja = Jinja(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "kubecost"


def instructions(
    uow: UnitOfWork,
    *,
    actor: User,
    case_id: int,
    kind: str,
    server_url: str,
    row_id: int | None = None,
    label: str = "",
    note: str = "",
) -> str:
    """ "How to provide it" for `kind`, rendered (Markdown) for this case's clusters."""
    case = visible_case(uow, actor, case_id)
    info = kind_info(kind)
    envs, insts = case_places(uow, case)
    env_names = {e.id: e.name for e in envs}
    if row_id is not None:
        row = case_row(uow, case, row_id)
        insts = [
            i
            for i in insts
            if row.instance_id in (None, i.id) and row.environment_id in (None, i.environment_id)
        ]
    context = {
        "case_id": case.id,
        "server_url": server_url.rstrip("/"),
        "kind": info.kind.value,
        "row_id": row_id,
        "label": label,
        "note": note,
        "example_file": _EXAMPLE_FILES.get(info.kind, "FILE"),
        "contexts": sorted({i.cluster for i in insts}),
        "namespaces": sorted({i.namespace for i in insts}) or ["kubecost"],
        "environments": [
            {
                "name": e.name,
                "contexts": sorted({i.cluster for i in insts if i.environment_id == e.id}),
            }
            for e in envs
            if any(i.environment_id == e.id for i in insts)
        ],
        "instances": [
            {
                "label": f"{env_names.get(i.environment_id, '')} / {i.cluster}".lstrip(" /"),
                "context": i.cluster,
                "namespace": i.namespace,
                "slug": _slug(i.cluster),
            }
            for i in insts
        ],
    }
    return _jinja.get_template(f"{info.kind.value}.md.j2").render(context)
