"""API tokens in the portal: everyone lists, creates and revokes their own (the secret is shown
once); a customer creates a case upload token from the case's diagnostics page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.errors import EngageError
from engage.domain.users import ApiToken, TokenScope
from engage.services import tokens as svc
from engage.web.deps import EngageDep, FormDep, UowDep, UserDep
from engage.web.forms import int_field, text_field
from engage.web.templating import NAV, render

router = APIRouter(include_in_schema=False)
if ("API tokens", "/tokens") not in NAV:
    NAV.append(("API tokens", "/tokens"))
EXPIRY_CHOICES = (7, 30, 90, 180, 366)


def _page(
    request: Request,
    uow: UowDep,
    user: UserDep,
    *,
    created: tuple[ApiToken, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "tokens/list.html",
        {
            "tokens": svc.list_tokens(uow, actor=user),
            "created": created,
            "error": error,
            "expiry_choices": EXPIRY_CHOICES,
            "default_days": svc.PERSONAL_DAYS,
        },
        status_code=status_code,
    )


@router.get("/tokens")
def tokens_page(request: Request, uow: UowDep, user: UserDep) -> Response:
    """Your API tokens, and a form for a new one."""
    return _page(request, uow, user)


@router.post("/tokens")
def create_token(
    request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Create a personal token and show its secret once (never stored in the session)."""
    assert user.id is not None
    try:
        days = int_field(form, "expires_in_days")
        scopes = {TokenScope.READ} if form.get("read_only") else {TokenScope.READ, TokenScope.WRITE}
        created = svc.create_token(
            uow,
            engage.clock,
            actor=user,
            user_id=user.id,
            name=text_field(form, "name", 100),
            expires_in_days=days or None,
            scopes=frozenset(scopes),
        )
    except EngageError as exc:
        uow.rollback()
        return _page(request, uow, user, error=str(exc), status_code=exc.status)
    return _page(request, uow, user, created=created, status_code=201)


@router.post("/tokens/{token_id:int}/revoke")
def revoke_token(
    token_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """Revoke one of your tokens; it stops working at once."""
    svc.revoke_token(uow, engage.clock, actor=user, token_id=token_id)
    request.session["flash"] = f"Token {token_id} revoked."
    return RedirectResponse("/tokens", status_code=303)


@router.post("/cases/{case_id:int}/upload-token")
def create_upload_token(
    case_id: int, request: Request, engage: EngageDep, uow: UowDep, user: UserDep, form: FormDep
) -> Response:
    """A token that can only upload to this case (7 days), with the command to run."""
    token, secret = svc.create_case_upload_token(uow, engage.clock, actor=user, case_id=case_id)
    return render(
        request,
        "tokens/upload_token.html",
        {
            "case_id": case_id,
            "token": token,
            "secret": secret,
            "server_url": engage.settings.base_url,
            "command": f"engage collect --all-contexts --case {case_id} --upload",
        },
        status_code=201,
    )
