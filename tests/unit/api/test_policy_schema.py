"""The policy body offers exactly the domain's pseudonymisation kinds, and nothing else."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from engage.api.schemas.policy import PolicyUpdate, PseudonymKind
from engage.domain.policy import PSEUDONYM_KINDS


def test_pseudonym_kinds_match_the_domain() -> None:
    assert get_args(PseudonymKind) == PSEUDONYM_KINDS


@pytest.mark.parametrize("value", ["ips", ["all"], ["IPS"], [True], [["ips"]]])
def test_pseudonymize_takes_a_list_of_known_kinds_only(value: object) -> None:
    with pytest.raises(ValidationError):
        PolicyUpdate.model_validate({"pseudonymize": value})


def test_pseudonymize_list_and_empty_list_pass() -> None:
    assert PolicyUpdate.model_validate({"pseudonymize": ["ips", "emails"]}).pseudonymize == [
        "ips",
        "emails",
    ]
    assert PolicyUpdate.model_validate({"pseudonymize": []}).pseudonymize == []
