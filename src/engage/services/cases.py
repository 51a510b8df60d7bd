"""Case use cases: open, read, list, update, transition, comment, assign."""

from __future__ import annotations

from typing import Any

from engage.domain.cases import (
    Case,
    CaseStatus,
    Comment,
    ComponentArea,
    Severity,
)
from engage.domain.errors import Conflict, NotFound, ValidationFailed
from engage.domain.policy import policy_from_dict
from engage.domain.scope import ScopeResult, check_scope
from engage.domain.text import check_plain_text
from engage.domain.users import User
from engage.domain.workflow import find_transition
from engage.services import notify
from engage.services.access import require_support, visible_case, visible_org
from engage.services.case_reads import CaseView, get_case, list_cases
from engage.services.case_state import (
    bump_version,
    check_version,
    from_,
    record_event,
    refresh_case_sla,
    set_status,
    system_transition,
    touch,
)
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.ports import Clock, UnitOfWork
from engage.services.transactions import retried

# Reads live in case_reads; they stay importable from here, where callers look for them.
__all__ = [
    "CaseView",
    "assign_case",
    "bump_version",
    "check_version",
    "comment_on_case",
    "get_case",
    "list_cases",
    "new_case",
    "open_case",
    "record_event",
    "refresh_case_sla",
    "set_status",
    "system_transition",
    "touch",
    "transition_case",
    "update_case",
]

TITLE_MAX = 200
DESCRIPTION_MAX = 100_000
COMMENT_MAX = 50_000


def _check_text(title: str | None, description: str | None) -> None:
    check_plain_text(title, "title")
    check_plain_text(description, "description")
    if title is not None and not 1 <= len(title.strip()) <= TITLE_MAX:
        raise ValidationFailed(f"title must be 1-{TITLE_MAX} characters")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(f"description is longer than {DESCRIPTION_MAX} characters")


def _check_environment(
    uow: UnitOfWork, org_id: int, environment_id: int | None, instance_ids: list[int]
) -> None:
    if environment_id is not None:
        env = uow.orgs.get_environment(environment_id)
        if env is None or env.org_id != org_id:
            raise ValidationFailed(
                f"environment {environment_id} is not one of this organisation's"
            )
    for iid in instance_ids:
        inst = uow.orgs.get_instance(iid)
        if inst is None or inst.org_id != org_id:
            raise ValidationFailed(f"instance {iid} is not one of this organisation's")


def new_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    org_id: int,
    title: str,
    description: str,
    severity: Severity,
    area: ComponentArea,
    environment_id: int | None = None,
    instance_ids: list[int] | None = None,
    assignee_id: int | None = None,
) -> Case:
    """Create a case with its opening events and clocks (no commit: callers own the unit)."""
    _check_text(title, description)
    _check_environment(uow, org_id, environment_id, instance_ids or [])
    now = clock.now()
    assert actor.id is not None
    case = uow.cases.add(
        Case(
            org_id=org_id,
            title=title.strip(),
            description=description,
            severity=Severity(severity),
            area=ComponentArea(area),
            reporter_id=actor.id,
            environment_id=environment_id,
            assignee_id=assignee_id,
            created_at=now,
            updated_at=now,
        )
    )
    assert case.id is not None
    if instance_ids:
        uow.cases.set_instances(case.id, instance_ids)
    record_event(uow, clock, case, actor, "opened", severity=case.severity, area=case.area)
    record_event(uow, clock, case, actor, "status", to=CaseStatus.NEW.value)
    org = uow.orgs.get(org_id)
    notes = policy_from_dict(org.policy if org else None).explain()
    if notes:  # the opening reply tells the customer their targets and why
        record_event(uow, clock, case, None, "sla_adjusted", reasons=notes)
    refresh_case_sla(uow, clock, case)
    return case


@retried
def open_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    title: str,
    description: str,
    severity: Severity,
    area: ComponentArea | None = None,
    org_id: int | None = None,
    environment_id: int | None = None,
    instance_ids: list[int] | None = None,
    idempotency_key: str | None = None,
) -> tuple[Case, ScopeResult]:
    """Open a case; returns it with the scope check so callers can warn and offer a split."""
    if not actor.is_support:
        if org_id is not None and org_id != actor.org_id:
            raise NotFound(f"organisation {org_id} not found")
        org_id = actor.org_id
    if org_id is None:
        raise ValidationFailed("support must say which organisation the case is for (org_id)")
    visible_org(uow, actor, org_id)
    _check_text(title, description)
    scope = check_scope(title, description)
    digest = request_hash(
        [org_id, title, description, severity, area, environment_id, instance_ids]
    )
    existing = replay_key(uow, actor, idempotency_key, "case:create", digest)
    if existing is not None:
        case = uow.cases.get(existing)
        assert case is not None
        return case, scope
    chosen = ComponentArea(area) if area else scope.parts[0].area
    case = new_case(
        uow,
        clock,
        actor=actor,
        org_id=org_id,
        title=title,
        description=description,
        severity=severity,
        area=chosen,
        environment_id=environment_id,
        instance_ids=instance_ids,
    )
    if scope.verdict == "multi":
        record_event(
            uow,
            clock,
            case,
            None,
            "scope_warning",
            parts=len(scope.parts),
            reasons=list(scope.reasons),
        )
    assert case.id is not None
    notify.case_opened(uow, clock, case, actor)
    remember_key(uow, actor, idempotency_key, "case:create", digest, case.id)
    uow.commit()
    return case, scope


@retried
def update_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    expected_version: int | None,
    changes: dict[str, Any],
) -> Case:
    """Change title, description, severity, area, environment or instances; one event each."""
    case = visible_case(uow, actor, case_id)
    check_version(case, expected_version)
    if not case.is_open and actor.is_support is False:
        raise Conflict("a resolved or closed case cannot be edited; reopen it first")
    _check_text(changes.get("title"), changes.get("description"))
    support_fields = {"severity", "area"}
    if not actor.is_support and support_fields & {k for k, v in changes.items() if v is not None}:
        require_support(actor, "change severity or area after opening")
    if "environment_id" in changes or "instance_ids" in changes:
        _check_environment(
            uow, case.org_id, changes.get("environment_id"), changes.get("instance_ids") or []
        )
    changed = False
    for name in ("title", "description", "severity", "area", "environment_id"):
        if name in changes and changes[name] is not None and changes[name] != getattr(case, name):
            old = getattr(case, name)
            setattr(case, name, changes[name])
            shown = {"from": old, "to": changes[name]} if name != "description" else {}
            record_event(uow, clock, case, actor, f"{name}_changed", **shown)
            changed = True
    if changes.get("instance_ids") is not None:
        assert case.id is not None
        uow.cases.set_instances(case.id, changes["instance_ids"])
        record_event(uow, clock, case, actor, "instances_changed", to=changes["instance_ids"])
        changed = True
    if changed:
        bump_version(case)
        touch(uow, clock, case)
    uow.commit()
    return case


@retried
def transition_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    to: CaseStatus,
    expected_version: int | None = None,
) -> Case:
    """Move a case along the workflow; illegal moves raise InvalidTransition."""
    case = visible_case(uow, actor, case_id)
    check_version(case, expected_version)
    t = find_transition(CaseStatus(case.status), CaseStatus(to), is_support=actor.is_support)
    set_status(uow, clock, case, actor, t.target, t.name)
    touch(uow, clock, case)
    uow.commit()
    return case


@retried
def comment_on_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    body: str,
    internal: bool = False,
    idempotency_key: str | None = None,
) -> Comment:
    """Add a reply or an internal note; replies move the SLA clocks and waiting states."""
    case = visible_case(uow, actor, case_id)
    if internal:
        require_support(actor, "write internal notes")
    if not body.strip() or len(body) > COMMENT_MAX:
        raise ValidationFailed(f"comment must be 1-{COMMENT_MAX} characters")
    check_plain_text(body, "comment")
    digest = request_hash([case_id, body, internal])
    existing = replay_key(uow, actor, idempotency_key, "comment:create", digest)
    if existing is not None:
        found = [c for c in uow.cases.comments(case_id, internal=True) if c.id == existing]
        return found[0]
    if CaseStatus(case.status) == CaseStatus.CLOSED:
        raise Conflict("case is closed; open a new case and link it")
    assert actor.id is not None and case.id is not None
    now = clock.now()
    comment = uow.cases.add_comment(
        Comment(case_id=case.id, author_id=actor.id, body=body, internal=internal, created_at=now)
    )
    record_event(uow, clock, case, actor, "comment", internal=internal, comment_id=comment.id)
    notify.comment_added(uow, clock, case, actor, comment)
    if internal:  # what customers see (version, ETag, updated_at, clocks) stays as it was
        assert comment.id is not None
        remember_key(uow, actor, idempotency_key, "comment:create", digest, comment.id)
        uow.commit()
        return comment
    if actor.is_support:
        case.first_response_at = case.first_response_at or now
        case.last_support_update_at = now
    elif not actor.is_support and CaseStatus(case.status) == CaseStatus.WAITING_ON_CUSTOMER:
        set_status(uow, clock, case, actor, CaseStatus.WAITING_ON_SUPPORT, "customer_replied")
    touch(uow, clock, case)
    assert comment.id is not None
    remember_key(uow, actor, idempotency_key, "comment:create", digest, comment.id)
    uow.commit()
    return comment


@retried
def assign_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    assignee_id: int | None,
    engineer_ids: list[int] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Set the assignee and additional engineers (support staff only)."""
    case = visible_case(uow, actor, case_id)  # 404 before 403: never confirm another org's id
    require_support(actor, "assign cases")
    check_version(case, expected_version)
    for uid in [u for u in [assignee_id, *(engineer_ids or [])] if u is not None]:
        user = uow.users.get(uid)
        if user is None or not user.is_support:
            raise ValidationFailed(f"user {uid} is not a support engineer")
    assert case.id is not None
    version_before = case.version
    if assignee_id != case.assignee_id:
        record_event(uow, clock, case, actor, "assigned", **from_(case.assignee_id), to=assignee_id)
        case.assignee_id = assignee_id
        bump_version(case)
    if engineer_ids is not None and sorted(set(engineer_ids)) != uow.cases.engineers(case.id):
        uow.cases.set_engineers(case.id, engineer_ids)
        record_event(uow, clock, case, actor, "engineers", to=sorted(set(engineer_ids)))
        if case.version == version_before:
            bump_version(case)
    touch(uow, clock, case)
    uow.commit()
    return case
