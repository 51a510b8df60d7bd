"""Sign in and sign out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from engage.domain.errors import Busy, TooManyRequests, Unauthenticated
from engage.services.auth import end_sessions, sign_in_checked
from engage.web.deps import (
    EngageDep,
    FormDep,
    MaybeUserDep,
    UowDep,
    session_user_id,
    sign_in,
    sign_out,
)
from engage.web.forms import text_field
from engage.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a local path only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/cases"
    return target


@router.get("/")
def home() -> Response:
    """The portal starts at the case queue."""
    return RedirectResponse("/cases", status_code=303)


@router.get("/login")
def login_page(request: Request, user: MaybeUserDep, next: str | None = None) -> Response:
    """The sign-in form (signed-in users go straight on)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(request: Request, engage: EngageDep, uow: UowDep, form: FormDep) -> Response:
    """Check the e-mail and password (throttled) and start a session."""
    email = text_field(form, "email", 320)
    target = safe_next(text_field(form, "next", 2000))
    context = {"next": target, "email": email}
    assert engage.throttle is not None
    try:
        user = sign_in_checked(
            uow,
            engage.throttle,
            email=email,
            password=text_field(form, "password", 1000),
            address=request.client.host if request.client else "unknown",
        )
    except Unauthenticated as exc:
        return render(request, "login.html", {**context, "error": str(exc)}, 401)
    except (TooManyRequests, Busy) as exc:
        page = render(request, "login.html", {**context, "error": str(exc)}, exc.status)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    sign_in(request, user)
    return RedirectResponse(target, status_code=303)


@router.get("/logout")
def logout_page(request: Request, user: MaybeUserDep) -> Response:
    """A confirmation button (signing out changes state, so it is a POST)."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "logout.html")


@router.post("/logout")
def logout(request: Request, uow: UowDep, form: FormDep) -> Response:
    """End this session and every other session of the same user."""
    uid = session_user_id(request)
    if uid is not None:
        end_sessions(uow, user_id=uid)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
