"""Request bodies refuse what lax coercion would quietly accept, in lists too."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from engage.api.schemas.cases import CaseAssign
from engage.api.schemas.notifications import MarkRead


@pytest.mark.parametrize("ids", [[False], [True, 2], ["3"], [1.5]])
def test_list_items_are_not_coerced(ids: list[object]) -> None:
    with pytest.raises(ValidationError):
        MarkRead.model_validate({"ids": ids})


def test_proper_lists_and_null_pass() -> None:
    assert MarkRead.model_validate({"ids": [1, 2]}).ids == [1, 2]
    assert MarkRead.model_validate({"ids": None}).ids is None


def test_engineer_ids_refuse_booleans() -> None:
    with pytest.raises(ValidationError, match="must be int"):
        CaseAssign.model_validate({"assignee_id": 1, "engineer_ids": [True]})
