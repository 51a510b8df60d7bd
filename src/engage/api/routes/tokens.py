"""/api/v1/tokens: list, create and revoke your API tokens; case upload tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.tokens import TokenCreate, TokenCreated, TokenRead
from engage.domain.users import TokenScope
from engage.services import tokens as svc

router = APIRouter(tags=["tokens"])


def upload_command(case_id: int) -> str:
    """What a customer runs with a case upload token."""
    return f"engage collect --all-contexts --case {case_id} --upload"


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(uow: UowDep, actor: ActorDep) -> list[TokenRead]:
    """Your own API tokens, newest first (never their secrets)."""
    return [TokenRead.of(t) for t in svc.list_tokens(uow, actor=actor)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(
    body: TokenCreate, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> TokenCreated:
    """Create a personal token (90 days unless you say otherwise); the secret is shown once."""
    assert actor.id is not None
    token, secret = svc.create_token(
        uow,
        engage.clock,
        actor=actor,
        user_id=body.user_id or actor.id,
        name=body.name,
        expires_in_days=body.expires_in_days,
        scopes=frozenset(TokenScope(s) for s in body.scopes),
    )
    return TokenCreated(**TokenRead.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep) -> Response:
    """Revoke a token: from now on it answers 401."""
    svc.revoke_token(uow, engage.clock, actor=actor, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/cases/{case_id}/upload-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
)
def create_upload_token(
    case_id: int, engage: EngageDep, uow: UowDep, actor: ActorDep
) -> TokenCreated:
    """A token that can only upload artifacts to this case and read its requests (7 days)."""
    token, secret = svc.create_case_upload_token(uow, engage.clock, actor=actor, case_id=case_id)
    read = TokenRead.of(token).model_dump()
    return TokenCreated(**read, token=secret, command=upload_command(case_id))
