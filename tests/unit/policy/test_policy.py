"""Security policy rules: what may be shared, and how turnaround targets adapt."""

from __future__ import annotations

import pytest

from engage.diagnostics.redact.rules import PSEUDONYM_RULES
from engage.domain.cases import Severity
from engage.domain.errors import ValidationFailed
from engage.domain.meetings import MeetingTool
from engage.domain.policy import (
    ALL_KINDS,
    PSEUDONYM_KINDS,
    DataSharing,
    Restriction,
    SecurityPolicy,
    policy_from_dict,
    policy_to_dict,
)


@pytest.mark.parametrize(
    ("sharing", "allowed"),
    [
        (DataSharing.RAW, ALL_KINDS),
        (DataSharing.REDACTED, ALL_KINDS - {"other"}),
        (DataSharing.FINDINGS_ONLY, {"findings"}),
        (DataSharing.NONE, set()),
    ],
)
def test_allowed_kinds_follow_data_sharing(sharing: DataSharing, allowed: set[str]) -> None:
    assert set(SecurityPolicy(data_sharing=sharing).allowed_kinds()) == allowed


def test_refusal_tells_findings_only_customers_what_to_send() -> None:
    msg = SecurityPolicy(data_sharing=DataSharing.FINDINGS_ONLY).refusal("har")
    assert "engage analyze" in msg and "--share findings" in msg


def test_first_response_never_stretches_others_do() -> None:
    p = SecurityPolicy(data_sharing=DataSharing.FINDINGS_ONLY, screen_sharing=False)
    assert p.adjust_target("first_response", Severity.P2, 240) == 240
    # x1.5 for findings-only, then +8h for no screen share at P2
    assert p.adjust_target("next_update", Severity.P2, 480) == 480 * 1.5 + 8 * 60
    assert p.adjust_target("resolution", Severity.P2, 2400) == 2400 * 1.5 + 8 * 60
    assert p.restrictions() == [Restriction.FINDINGS_ONLY, Restriction.NO_SCREEN_SHARE]
    assert len(p.explain()) == 2


def test_default_policy_changes_nothing() -> None:
    p = SecurityPolicy()
    assert p.restrictions() == []
    assert p.adjust_target("resolution", Severity.P4, 9600) == 9600
    assert p.explain() == []


def test_round_trip_and_validation() -> None:
    p = policy_from_dict(
        {
            "data_sharing": "none",
            "meeting_tools": ["zoom"],
            "retention_days": 7,
            "adjustments": {"none": {"factor": 3}},
        }
    )
    assert p.meeting_tools == frozenset({MeetingTool.ZOOM})
    assert p.adjust_target("resolution", Severity.P3, 100) == 300
    assert policy_from_dict(policy_to_dict(p)) == p
    with pytest.raises(ValidationFailed):
        policy_from_dict({"data_sharing": "everything"})
    with pytest.raises(ValidationFailed):
        policy_from_dict({"retention_days": 0})
    with pytest.raises(ValidationFailed):
        policy_from_dict({"meeting_tools": []})
    with pytest.raises(ValidationFailed, match="only lengthen"):
        policy_from_dict({"adjustments": {"none": {"factor": 0.5}}})


def test_pseudonym_kinds_are_the_redaction_engines() -> None:
    assert set(PSEUDONYM_KINDS) == set(PSEUDONYM_RULES)
    assert len(PSEUDONYM_KINDS) == len(set(PSEUDONYM_KINDS))


def test_pseudonymize_defaults_to_nothing_and_round_trips() -> None:
    assert policy_from_dict({}).pseudonymize == frozenset()
    assert policy_from_dict(None).pseudonymize == frozenset()
    p = policy_from_dict({"pseudonymize": ["hostnames", "ips"]})
    assert p.pseudonymize == frozenset({"ips", "hostnames"})
    assert policy_to_dict(p)["pseudonymize"] == ["ips", "hostnames"]  # display order
    assert policy_from_dict(policy_to_dict(p)) == p
    every = policy_from_dict({"pseudonymize": list(PSEUDONYM_KINDS)})
    assert policy_to_dict(every)["pseudonymize"] == list(PSEUDONYM_KINDS)


@pytest.mark.parametrize(
    "value",
    [["ips", "phone-numbers"], ["all"], "ips", None, [1], {"ips": True}],
)
def test_pseudonymize_refuses_what_is_not_a_list_of_known_kinds(value: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        policy_from_dict({"pseudonymize": value})
    assert "ips, macs, hostnames, domains, emails, accounts" in str(err.value)


def test_unknown_pseudonym_kind_is_named() -> None:
    with pytest.raises(ValidationFailed, match=r"\(not phone-numbers\)"):
        SecurityPolicy(pseudonymize=frozenset({"ips", "phone-numbers"}))
