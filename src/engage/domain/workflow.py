"""The case state machine: named transitions, who may take them, and what is illegal."""

from __future__ import annotations

from dataclasses import dataclass

from engage.domain.cases import CaseStatus as S
from engage.domain.errors import InvalidTransition, PermissionDenied


@dataclass(frozen=True)
class Transition:
    """A named move from any of `sources` to `target`; `customer` says customers may take it."""

    name: str
    sources: frozenset[S]
    target: S
    customer: bool = False


_OPEN_WORK = frozenset({S.NEW, S.TRIAGE, S.WAITING_ON_SUPPORT, S.SESSION_SCHEDULED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("triage", frozenset({S.NEW}), S.TRIAGE),
    Transition("ask_customer", _OPEN_WORK, S.WAITING_ON_CUSTOMER),
    Transition("customer_replied", frozenset({S.WAITING_ON_CUSTOMER}), S.WAITING_ON_SUPPORT, True),
    Transition(
        "take_back",
        frozenset({S.NEW, S.TRIAGE, S.WAITING_ON_CUSTOMER, S.SESSION_SCHEDULED}),
        S.WAITING_ON_SUPPORT,
    ),
    Transition(
        "schedule_session",
        frozenset({S.TRIAGE, S.WAITING_ON_SUPPORT, S.WAITING_ON_CUSTOMER}),
        S.SESSION_SCHEDULED,
    ),
    Transition("resolve", _OPEN_WORK | {S.WAITING_ON_CUSTOMER}, S.RESOLVED, True),
    Transition("reopen", frozenset({S.RESOLVED}), S.WAITING_ON_SUPPORT, True),
    Transition("close", frozenset({S.RESOLVED, S.NEW, S.TRIAGE}), S.CLOSED),
)

BY_NAME = {t.name: t for t in TRANSITIONS}


def allowed_transitions(current: S, *, is_support: bool) -> list[Transition]:
    """The transitions this actor may take from `current`, in table order."""
    return [t for t in TRANSITIONS if current in t.sources and (is_support or t.customer)]


def find_transition(current: S, target: S, *, is_support: bool) -> Transition:
    """The transition from `current` to `target`, or a named error saying what is allowed."""
    for t in TRANSITIONS:
        if current in t.sources and t.target == target:
            if not (is_support or t.customer):
                raise PermissionDenied(f"only support may move a case to {target.value}")
            return t
    allowed = ", ".join(t.target.value for t in allowed_transitions(current, is_support=is_support))
    raise InvalidTransition(
        f"cannot move a case from {current.value} to {target.value}; allowed: {allowed or 'none'}"
    )
