"""One issue per case: split a case into linked cases, and link cases to each other."""

from __future__ import annotations

from dataclasses import dataclass

from engage.domain.cases import Case, CaseLink, CaseStatus, ComponentArea, LinkKind, Severity
from engage.domain.errors import Conflict, PermissionDenied, ValidationFailed
from engage.domain.users import User
from engage.services import notify_hooks
from engage.services.access import visible_case
from engage.services.case_state import bump_version
from engage.services.cases import new_case, record_event, touch
from engage.services.idempotency import remember_key, replay_key, request_hash
from engage.services.ports import Clock, UnitOfWork
from engage.services.transactions import retried

MAX_PARTS = 10


@dataclass(frozen=True)
class SplitPart:
    """One part to move into a new case."""

    title: str
    description: str
    area: ComponentArea
    severity: Severity | None = None
    assignee_id: int | None = None


@retried
def split_case(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    case_id: int,
    parts: list[SplitPart],
    idempotency_key: str | None = None,
) -> list[Case]:
    """Create one linked case per part (own assignee and SLA clocks); the original ends.

    The original is closed as split: its SLA clocks stop, its timeline and links point to the
    new cases, and nobody works it twice. Support may split any open case; a customer may
    split their own case while it is new, which is what the intake warning offers.
    """
    original = visible_case(uow, actor, case_id)
    if not actor.is_support and CaseStatus(original.status) != CaseStatus.NEW:
        raise PermissionDenied("after triage only support may split a case")
    if not original.is_open:
        raise Conflict("a resolved or closed case cannot be split")
    if not 1 <= len(parts) <= MAX_PARTS:
        raise ValidationFailed(f"give 1-{MAX_PARTS} parts to split out")
    digest = request_hash([case_id, [p.__dict__ for p in parts]])
    if replay_key(uow, actor, idempotency_key, "case:split", digest) is not None:
        assert original.id is not None
        return [
            c
            for lk in uow.cases.links(original.id)
            if lk.kind == LinkKind.SPLIT_FROM
            and lk.to_case_id == original.id
            and (c := uow.cases.get(lk.from_case_id)) is not None
        ]
    for p in parts:
        if p.assignee_id is not None:
            if not actor.is_support:
                raise PermissionDenied("only support may assign cases")
            user = uow.users.get(p.assignee_id)
            if user is None or not user.is_support:
                raise ValidationFailed(f"user {p.assignee_id} is not a support engineer")
    created: list[Case] = []
    assert original.id is not None
    for p in parts:
        case = new_case(
            uow,
            clock,
            actor=actor,
            org_id=original.org_id,
            title=p.title,
            description=p.description,
            severity=p.severity or original.severity,
            area=p.area,
            environment_id=original.environment_id,
            instance_ids=uow.cases.instances(original.id),
            assignee_id=p.assignee_id,
        )
        assert case.id is not None
        uow.cases.add_link(
            CaseLink(
                from_case_id=case.id,
                to_case_id=original.id,
                kind=LinkKind.SPLIT_FROM,
                created_at=clock.now(),
            )
        )
        record_event(uow, clock, case, actor, "split_from", case_id=original.id)
        record_event(uow, clock, original, actor, "split_into", case_id=case.id, title=case.title)
        created.append(case)
    close_as_split(uow, clock, original, actor, [c.id for c in created if c.id is not None])
    notify_hooks.case_split(uow, clock, original, actor, [c.id for c in created if c.id])
    assert created[0].id is not None
    remember_key(uow, actor, idempotency_key, "case:split", digest, created[0].id)
    uow.commit()
    return created


def close_as_split(
    uow: UnitOfWork, clock: Clock, original: Case, actor: User, into: list[int]
) -> None:
    """End the original case as split: status closed (clocks stop), a timeline line naming
    the new cases. Not a workflow transition: splitting is allowed from any open state."""
    old = CaseStatus(original.status)
    original.status = CaseStatus.CLOSED
    bump_version(original)
    record_event(
        uow,
        clock,
        original,
        actor,
        "status",
        False,
        to=CaseStatus.CLOSED.value,
        transition="split",
        into=into,
        **{"from": old.value},
    )
    touch(uow, clock, original)


@retried
def link_cases(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int, other_id: int, kind: LinkKind
) -> CaseLink:
    """Link two cases of the same organisation (related, duplicate_of)."""
    case = visible_case(uow, actor, case_id)
    other = visible_case(uow, actor, other_id)
    kind = LinkKind(kind)
    if kind == LinkKind.SPLIT_FROM:
        raise ValidationFailed("split_from links are made by splitting a case")
    if kind == LinkKind.DUPLICATE_OF and not actor.is_support:
        raise PermissionDenied("only support may mark duplicates")
    if case.id == other.id:
        raise ValidationFailed("a case cannot be linked to itself")
    if case.org_id != other.org_id:
        raise ValidationFailed("cases of different organisations cannot be linked")
    assert case.id is not None and other.id is not None
    if any(
        lk.kind == kind and {lk.from_case_id, lk.to_case_id} == {case.id, other.id}
        for lk in uow.cases.links(case.id)
    ):
        raise Conflict("these cases are already linked that way")
    link = uow.cases.add_link(
        CaseLink(from_case_id=case.id, to_case_id=other.id, kind=kind, created_at=clock.now())
    )
    record_event(uow, clock, case, actor, "linked", link=kind.value, case_id=other.id)
    record_event(uow, clock, other, actor, "linked", link=kind.value, case_id=case.id, inverse=True)
    touch(uow, clock, case)
    uow.commit()
    return link
