"""Organisations, environments, instances and people."""

from __future__ import annotations

import re

from engage.domain.errors import Conflict, NotFound, ValidationFailed
from engage.domain.users import Environment, Instance, Organisation, Role, User
from engage.services.access import require_role, require_support, visible_org
from engage.services.auth import hash_password
from engage.services.ports import Clock, UnitOfWork

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CUSTOMER_ROLES = {Role.CUSTOMER_MEMBER, Role.CUSTOMER_ADMIN}


def create_org(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User | None,
    slug: str,
    name: str,
    plan: dict[str, object] | None = None,
) -> Organisation:
    """Create a customer organisation (support managers; actor None for the operator's CLI)."""
    if actor is not None:
        require_role(actor, {Role.SUPPORT_MANAGER}, "create organisations")
    if not _SLUG.match(slug):
        raise ValidationFailed("slug must be 2-63 lowercase letters, digits or dashes")
    if not 1 <= len(name.strip()) <= 200:
        raise ValidationFailed("name must be 1-200 characters")
    if uow.orgs.by_slug(slug):
        raise Conflict(f"organisation {slug!r} already exists")
    org = uow.orgs.add(
        Organisation(
            slug=slug, name=name.strip(), plan=plan or {}, policy={}, created_at=clock.now()
        )
    )
    uow.commit()
    return org


def list_orgs(uow: UnitOfWork, *, actor: User) -> list[Organisation]:
    """Every organisation for support; your own for customers."""
    if actor.is_support:
        return uow.orgs.all()
    assert actor.org_id is not None
    org = uow.orgs.get(actor.org_id)
    return [org] if org else []


def _require_org_admin(actor: User, org_id: int) -> None:
    if actor.is_support:
        return
    require_role(actor, {Role.CUSTOMER_ADMIN}, "manage the organisation")
    if actor.org_id != org_id:
        raise NotFound(f"organisation {org_id} not found")


def add_environment(uow: UnitOfWork, *, actor: User | None, org_id: int, name: str) -> Environment:
    """Add an environment such as prod or staging."""
    if actor is not None:
        visible_org(uow, actor, org_id)
        _require_org_admin(actor, org_id)
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", name):
        raise ValidationFailed("environment name must be 1-64 letters, digits, '.', '_' or '-'")
    if any(e.name == name for e in uow.orgs.environments(org_id)):
        raise Conflict(f"environment {name!r} already exists")
    env = uow.orgs.add_environment(Environment(org_id=org_id, name=name))
    uow.commit()
    return env


def add_instance(
    uow: UnitOfWork,
    *,
    actor: User | None,
    environment_id: int,
    cluster: str,
    namespace: str = "kubecost",
    version: str = "",
) -> Instance:
    """Register a Kubecost install in an environment."""
    env = uow.orgs.get_environment(environment_id)
    if env is None or (actor is not None and not actor.can_see_org(env.org_id)):
        raise NotFound(f"environment {environment_id} not found")
    if actor is not None:
        _require_org_admin(actor, env.org_id)
    if not cluster or len(cluster) > 200 or len(namespace) > 200:
        raise ValidationFailed("cluster and namespace must be 1-200 characters")
    assert env.id is not None
    if any(
        i.environment_id == env.id and i.cluster == cluster and i.namespace == namespace
        for i in uow.orgs.instances(env.org_id)
    ):
        raise Conflict(f"instance {cluster}/{namespace} is already registered in {env.name}")
    inst = uow.orgs.add_instance(
        Instance(
            org_id=env.org_id,
            environment_id=env.id,
            cluster=cluster,
            namespace=namespace,
            version=version,
        )
    )
    uow.commit()
    return inst


def create_user(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User | None,
    email: str,
    name: str,
    role: Role,
    org_id: int | None,
    password: str | None = None,
    tz: str = "UTC",
) -> User:
    """Add a person: customer admins add people to their own org; support managers anyone."""
    role = Role(role)
    if actor is not None and not actor.is_support:
        _require_org_admin(actor, org_id if org_id is not None else -1)
        if role not in CUSTOMER_ROLES:
            raise NotFound("only support managers create support staff")
    elif actor is not None:
        require_role(actor, {Role.SUPPORT_MANAGER}, "create users")
    if role.is_support and org_id is not None:
        raise ValidationFailed("support staff belong to no organisation")
    if not role.is_support:
        if org_id is None:
            raise ValidationFailed("customer users need an organisation")
        if uow.orgs.get(org_id) is None:
            raise NotFound(f"organisation {org_id} not found")
    if not _EMAIL.match(email) or len(email) > 320:
        raise ValidationFailed(f"{email!r} is not an e-mail address")
    if uow.users.by_email(email):
        raise Conflict(f"a user with e-mail {email} already exists")
    user = uow.users.add(
        User(
            email=email.lower(),
            name=name.strip() or email,
            role=role,
            org_id=org_id,
            tz=tz,
            created_at=clock.now(),
            password_hash=hash_password(password) if password else "",
        )
    )
    uow.commit()
    return user


def support_only_check(actor: User) -> None:
    """Raise unless the actor is support (used by routes listing staff)."""
    require_support(actor, "list support staff")
