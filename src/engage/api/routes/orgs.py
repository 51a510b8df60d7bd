"""/api/v1 organisations, environments, instances, users, tokens and /me."""

from __future__ import annotations

from fastapi import APIRouter

from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.orgs import (
    EnvironmentCreate,
    EnvironmentRead,
    InstanceCreate,
    InstanceRead,
    OrgCreate,
    OrgRead,
    UserCreate,
    UserRead,
)
from engage.services import orgs
from engage.services.access import visible_org, visible_user

router = APIRouter(tags=["organisations"])


@router.get("/me", response_model=UserRead)
def me(actor: ActorDep) -> UserRead:
    """Who this token belongs to."""
    return UserRead.model_validate(actor)


@router.get("/orgs", response_model=list[OrgRead])
def list_orgs(uow: UowDep, actor: ActorDep) -> list[OrgRead]:
    """Organisations you may see."""
    return [OrgRead.model_validate(o) for o in orgs.list_orgs(uow, actor=actor)]


@router.post("/orgs", status_code=201, response_model=OrgRead)
def create_org(body: OrgCreate, engage: EngageDep, uow: UowDep, actor: ActorDep) -> OrgRead:
    """Create a customer organisation (support managers)."""
    org = orgs.create_org(
        uow, engage.clock, actor=actor, slug=body.slug, name=body.name, plan=body.plan
    )
    return OrgRead.model_validate(org)


@router.get("/orgs/{org_id}", response_model=OrgRead)
def get_org(org_id: int, uow: UowDep, actor: ActorDep) -> OrgRead:
    """One organisation (404 for another customer's)."""
    return OrgRead.model_validate(visible_org(uow, actor, org_id))


@router.get("/orgs/{org_id}/environments", response_model=list[EnvironmentRead])
def environments(org_id: int, uow: UowDep, actor: ActorDep) -> list[EnvironmentRead]:
    """An organisation's environments."""
    visible_org(uow, actor, org_id)
    return [EnvironmentRead.model_validate(e) for e in uow.orgs.environments(org_id)]


@router.post("/orgs/{org_id}/environments", status_code=201, response_model=EnvironmentRead)
def add_environment(
    org_id: int, body: EnvironmentCreate, uow: UowDep, actor: ActorDep
) -> EnvironmentRead:
    """Add an environment (customer admins and support)."""
    env = orgs.add_environment(uow, actor=actor, org_id=org_id, name=body.name)
    return EnvironmentRead.model_validate(env)


@router.get("/orgs/{org_id}/instances", response_model=list[InstanceRead])
def instances(org_id: int, uow: UowDep, actor: ActorDep) -> list[InstanceRead]:
    """An organisation's Kubecost instances."""
    visible_org(uow, actor, org_id)
    return [InstanceRead.model_validate(i) for i in uow.orgs.instances(org_id)]


@router.post(
    "/environments/{environment_id}/instances", status_code=201, response_model=InstanceRead
)
def add_instance(
    environment_id: int, body: InstanceCreate, uow: UowDep, actor: ActorDep
) -> InstanceRead:
    """Register a Kubecost install in an environment."""
    inst = orgs.add_instance(
        uow,
        actor=actor,
        environment_id=environment_id,
        cluster=body.cluster,
        namespace=body.namespace,
        version=body.version,
    )
    return InstanceRead.model_validate(inst)


@router.get("/orgs/{org_id}/users", response_model=list[UserRead])
def org_users(org_id: int, uow: UowDep, actor: ActorDep) -> list[UserRead]:
    """People of an organisation."""
    visible_org(uow, actor, org_id)
    return [UserRead.model_validate(u) for u in uow.users.in_org(org_id)]


@router.get("/support-staff", response_model=list[UserRead])
def support_staff(uow: UowDep, actor: ActorDep) -> list[UserRead]:
    """Support engineers and managers (support only)."""
    orgs.support_only_check(actor)
    return [UserRead.model_validate(u) for u in uow.users.support_staff()]


@router.post("/users", status_code=201, response_model=UserRead)
def create_user(body: UserCreate, engage: EngageDep, uow: UowDep, actor: ActorDep) -> UserRead:
    """Add a person (customer admins to their org; support managers anyone)."""
    user = orgs.create_user(
        uow,
        engage.clock,
        actor=actor,
        email=body.email,
        name=body.name,
        role=body.role,
        org_id=body.org_id,
        password=body.password,
        tz=body.tz,
    )
    return UserRead.model_validate(user)


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(user_id: int, uow: UowDep, actor: ActorDep) -> UserRead:
    """One person you may see."""
    return UserRead.model_validate(visible_user(uow, actor, user_id))
