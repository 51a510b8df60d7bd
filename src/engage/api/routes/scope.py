"""/api/v1/scope-check: does this text describe one issue or several?"""

from __future__ import annotations

from fastapi import APIRouter

from engage.api.deps import ActorDep
from engage.api.schemas.cases import ScopeCheckIn, ScopeRead
from engage.domain.scope import check_scope

router = APIRouter(tags=["cases"])


@router.post("/scope-check", response_model=ScopeRead)
def scope_check(body: ScopeCheckIn, actor: ActorDep) -> ScopeRead:
    """The verdict, the parts found (summary and area), a confidence and the reasons."""
    return ScopeRead.model_validate(check_scope(body.title, body.description).to_dict())
