"""Request dependencies for pages: the container, a unit of work, the signed-in user, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from engage.bootstrap import Engage
from engage.domain.errors import ValidationFailed
from engage.domain.users import Role, User
from engage.services.ports import UnitOfWork

SESSION_USER = "uid"
SESSION_GENERATION = "gen"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_FORM_BYTES = 2 * 1024 * 1024  # the longest description is 100,000 characters


@dataclass(frozen=True)
class Viewer:
    """A detached copy of the signed-in user for page chrome (safe after the unit of work ends)."""

    id: int | None
    name: str
    role: Role
    tz: str
    org_id: int | None
    unread: int = 0  # unread notifications, for the bell on every page

    @property
    def is_support(self) -> bool:
        """True for Kubecost support staff."""
        return Role(self.role).is_support

    @classmethod
    def of(cls, user: User, unread: int = 0) -> Viewer:
        """Copy the fields pages show."""
        return cls(
            id=user.id,
            name=user.name,
            role=Role(user.role),
            tz=user.tz,
            org_id=user.org_id,
            unread=unread,
        )


class SignInRequired(Exception):
    """The page needs a signed-in user; the portal answers with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in to see this page")
        self.next_url = next_url


class CsrfFailed(Exception):
    """A POST without the session's CSRF token (forged, or the session expired)."""


def get_engage(request: Request) -> Engage:
    """The container built at start-up."""
    engage: Engage = request.app.state.engage
    return engage


def get_uow(engage: Annotated[Engage, Depends(get_engage)]) -> Iterator[UnitOfWork]:
    """A unit of work per request, rolled back unless a service committed it."""
    with engage.uow() as uow:
        yield uow


def optional_user(request: Request, uow: Annotated[UnitOfWork, Depends(get_uow)]) -> User | None:
    """The signed-in, still active user whose sessions were not ended since, or None."""
    uid = request.session.get(SESSION_USER)
    user = uow.users.get(uid) if isinstance(uid, int) else None
    # A cookie saved before sign-out (or a password change) carries an older generation.
    if (
        user is None
        or not user.active
        or request.session.get(SESSION_GENERATION) != (user.session_generation or 0)
    ):
        request.session.pop(SESSION_USER, None)
        user = None
    unread = uow.notify.unread_count(user.id) if user and user.id else 0
    request.state.viewer = Viewer.of(user, unread) if user else None
    return user


def current_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; signed-out visitors are sent to /login and back afterwards."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return user


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def verified_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token (form field or htmx header)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise ValidationFailed(f"the form is larger than {MAX_FORM_BYTES // 1024} KiB")
    form = await request.form(max_files=0, max_fields=200)
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    expected = request.session.get(SESSION_CSRF)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and secrets.compare_digest(sent.encode(), expected.encode())
    ):
        raise CsrfFailed("the form's security token is missing or out of date; reload the page")
    return form


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for `user` (new CSRF token, so a planted session is useless)."""
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_GENERATION] = user.session_generation or 0
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """Forget this session (services.auth.end_sessions ends the user's others)."""
    request.session.clear()


def session_user_id(request: Request) -> int | None:
    """The user id the session names, whether or not it is still valid."""
    uid = request.session.get(SESSION_USER)
    return uid if isinstance(uid, int) else None


EngageDep = Annotated[Engage, Depends(get_engage)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
UserDep = Annotated[User, Depends(current_user)]
MaybeUserDep = Annotated[User | None, Depends(optional_user)]
FormDep = Annotated[FormData, Depends(verified_form)]
