"""Authorisation rules shared by every use case: enforced here, not only in routes."""

from __future__ import annotations

from engage.domain.cases import Case
from engage.domain.errors import CaseNotFound, NotFound, PermissionDenied
from engage.domain.users import Organisation, Role, User
from engage.services.ports import UnitOfWork


def require_support(actor: User, what: str) -> None:
    """Only Kubecost support may do `what`."""
    if not actor.is_support:
        raise PermissionDenied(f"only support may {what}")


def require_role(actor: User, roles: set[Role], what: str) -> None:
    """Only the given roles may do `what`."""
    if Role(actor.role) not in roles:
        raise PermissionDenied(f"your role ({actor.role}) may not {what}")


def visible_org(uow: UnitOfWork, actor: User, org_id: int) -> Organisation:
    """The organisation, or NotFound when it does not exist or is another customer's."""
    org = uow.orgs.get(org_id)
    if org is None or not actor.can_see_org(org.id):
        raise NotFound(f"organisation {org_id} not found")
    return org


def visible_case(uow: UnitOfWork, actor: User, case_id: int) -> Case:
    """The case, or CaseNotFound when it does not exist or belongs to another organisation."""
    case = uow.cases.get(case_id)
    if case is None or not actor.can_see_org(case.org_id):
        raise CaseNotFound(f"case {case_id} not found")
    return case


def visible_user(uow: UnitOfWork, actor: User, user_id: int) -> User:
    """A user the actor may see: support sees all; customers see their org and support staff."""
    user = uow.users.get(user_id)
    if user is None or not (actor.is_support or user.is_support or user.org_id == actor.org_id):
        raise NotFound(f"user {user_id} not found")
    return user
