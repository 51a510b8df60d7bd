"""The case state machine: every named transition, and every illegal move rejected."""

from __future__ import annotations

import itertools

import pytest

from engage.domain.cases import CaseStatus as S
from engage.domain.errors import InvalidTransition, PermissionDenied
from engage.domain.workflow import TRANSITIONS, allowed_transitions, find_transition

LEGAL = {(s, t.target) for t in TRANSITIONS for s in t.sources}


@pytest.mark.parametrize(("src", "dst"), sorted(itertools.product(S, S)))
def test_every_pair_is_either_a_named_transition_or_rejected(src: S, dst: S) -> None:
    if (src, dst) in LEGAL:
        assert find_transition(src, dst, is_support=True).target == dst
    else:
        with pytest.raises(InvalidTransition, match=f"from {src.value} to {dst.value}"):
            find_transition(src, dst, is_support=True)


def test_closed_is_terminal() -> None:
    assert allowed_transitions(S.CLOSED, is_support=True) == []


def test_customers_only_take_customer_transitions() -> None:
    assert find_transition(S.RESOLVED, S.WAITING_ON_SUPPORT, is_support=False).name == "reopen"
    with pytest.raises(PermissionDenied):
        find_transition(S.NEW, S.TRIAGE, is_support=False)
    names = {t.name for t in allowed_transitions(S.WAITING_ON_CUSTOMER, is_support=False)}
    assert names == {"customer_replied", "resolve"}


def test_transition_names_are_unique_and_targets_reachable() -> None:
    assert len({t.name for t in TRANSITIONS}) == len(TRANSITIONS)
    reachable = {S.NEW} | {t.target for t in TRANSITIONS}
    assert reachable == set(S)
