"""Where a diagnostic request applies: the environments and instances of a case."""

from __future__ import annotations

from engage.domain.cases import Case
from engage.domain.users import Environment, Instance
from engage.services.ports import UnitOfWork


def case_places(uow: UnitOfWork, case: Case) -> tuple[list[Environment], list[Instance]]:
    """The case's environments and instances (its own, else its organisation's)."""
    assert case.id is not None
    chosen = [i for iid in uow.cases.instances(case.id) if (i := uow.orgs.get_instance(iid))]
    all_envs = {e.id: e for e in uow.orgs.environments(case.org_id) if e.id is not None}
    if chosen:
        env_ids = {i.environment_id for i in chosen}
    elif case.environment_id is not None:
        env_ids = {case.environment_id}
        chosen = [i for i in uow.orgs.instances(case.org_id) if i.environment_id in env_ids]
    else:
        env_ids = set(all_envs)
        chosen = uow.orgs.instances(case.org_id)
    return [e for eid, e in all_envs.items() if eid in env_ids], chosen
