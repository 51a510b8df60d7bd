"""Reading cases: one case with its timeline (few queries, whatever its size), and queue pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from engage.domain.cases import Case, CaseEvent, CaseLink, CaseStatus, Comment, Severity
from engage.domain.errors import CaseNotFound, ValidationFailed
from engage.domain.policy import policy_from_dict
from engage.domain.sla import ClockKind, ClockStatus
from engage.domain.text import check_plain_text
from engage.domain.users import User
from engage.domain.workflow import Transition, allowed_transitions
from engage.services.ports import CaseQuery, Clock, UnitOfWork
from engage.services.sla import clocks_for, plan_from_dict, policy_adjust


@dataclass
class CaseView:
    """Everything a case page or API read shows, already filtered for the actor."""

    case: Case
    comments: list[Comment]
    events: list[CaseEvent]
    links: list[CaseLink]
    engineers: list[int]
    instances: list[int]
    clocks: dict[ClockKind, ClockStatus]
    transitions: list[Transition]
    people: dict[int, User] = field(default_factory=dict)
    sla_notes: list[str] = field(default_factory=list)  # why targets differ from the plan


def get_case(uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int) -> CaseView:
    """A case with its timeline, filtered for the actor (no internal notes for customers)."""
    found = uow.cases.with_org(case_id)  # one round trip for both
    if found is None or not actor.can_see_org(found[0].org_id):
        raise CaseNotFound(f"case {case_id} not found")
    case, org = found
    events = uow.cases.events(case_id, internal=actor.is_support)
    # Status events are never internal, so the history comes from the events already read.
    history = [(e.created_at, CaseStatus(str(e.data["to"]))) for e in events if e.kind == "status"]
    clocks = clocks_for(
        case,
        plan_from_dict(org.plan),
        [(at, status) for at, status in history if at is not None],
        clock.now(),
        policy_adjust(org.policy, Severity(case.severity)),
    )
    links = uow.cases.links(case_id)
    others = uow.cases.org_ids(
        [lk.to_case_id if lk.from_case_id == case_id else lk.from_case_id for lk in links]
    )
    engineers, instances = uow.cases.engineers_and_instances(case_id)
    view = CaseView(
        sla_notes=policy_from_dict(org.policy).explain(),
        case=case,
        comments=uow.cases.comments(case_id, internal=actor.is_support),
        events=events,
        links=[lk for lk in links if _link_visible(actor, lk, case_id, others)],
        engineers=engineers,
        instances=instances,
        clocks=clocks,
        transitions=allowed_transitions(CaseStatus(case.status), is_support=actor.is_support),
    )
    ids = {
        case.reporter_id,
        case.assignee_id,
        *view.engineers,
        *(c.author_id for c in view.comments),
        *(e.actor_id for e in view.events),
    }
    view.people = uow.users.many([uid for uid in ids if uid is not None])
    return view


def _link_visible(actor: User, link: CaseLink, case_id: int, orgs: dict[int, int]) -> bool:
    other = link.to_case_id if link.from_case_id == case_id else link.from_case_id
    return other in orgs and actor.can_see_org(orgs[other])


def list_cases(uow: UnitOfWork, *, actor: User, query: CaseQuery) -> tuple[list[Case], int]:
    """A queue page; customers only ever see their own organisation's cases."""
    if not actor.is_support:
        assert actor.org_id is not None
        query = CaseQuery(**{**query.__dict__, "org_ids": (actor.org_id,)})
    if not 1 <= query.limit <= 200:
        raise ValidationFailed("limit must be 1-200")
    if query.text is not None and len(query.text) > 200:
        raise ValidationFailed("search text must be at most 200 characters")
    check_plain_text(query.text, "search text")
    return uow.cases.query(query)
