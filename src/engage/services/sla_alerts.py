"""SLA alerts: tell the assignee and support managers when a case is at risk of breaching its
SLA, and again when it has breached (once per due instant; a periodic job calls ``scan``)."""

from __future__ import annotations

from engage.domain.cases import OPEN_STATUSES, CaseEvent
from engage.domain.notifications import Kind
from engage.services import notify
from engage.services.ports import CaseQuery, Clock, UnitOfWork

ALERT_EVENT = "sla_alert"


def scan(uow: UnitOfWork, clock: Clock, *, limit: int = 200) -> int:
    """Alert on every open case at risk or breached now that was not alerted for this due
    instant and level yet; returns how many alerts went out (commits)."""
    now = clock.now()
    query = CaseQuery(statuses=tuple(OPEN_STATUSES), at_risk_by=now, limit=limit)
    cases, _ = uow.cases.query(query)
    sent = 0
    for case in cases:
        if case.id is None or case.sla_due_at is None:
            continue
        breached = case.sla_due_at <= now
        level = "breached" if breached else "at_risk"
        due = case.sla_due_at.isoformat()
        done = any(
            e.kind == ALERT_EVENT and e.data.get("level") == level and e.data.get("due") == due
            for e in uow.cases.events(case.id, internal=True)
        )
        if done:
            continue
        uow.cases.add_event(
            CaseEvent(
                case_id=case.id,
                kind=ALERT_EVENT,
                actor_id=None,
                data={"level": level, "due": due},
                internal=True,
                created_at=now,
            )
        )
        kind = Kind.SLA_BREACHED if breached else Kind.SLA_AT_RISK
        notify.emit(uow, clock, case, kind, detail=f"due {case.sla_due_at:%Y-%m-%d %H:%M} UTC")
        sent += 1
    uow.commit()
    return sent
