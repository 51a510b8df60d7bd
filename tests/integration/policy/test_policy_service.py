"""The policy service on a real database: pseudonymisation is the admin's to set, and audited."""

from __future__ import annotations

import pytest

from engage.domain.errors import PermissionDenied, ValidationFailed
from engage.services import policy as svc
from tests.integration.conftest import World


def _set(world: World, who: str, **changes: object) -> frozenset[str]:
    with world.engage.uow() as uow:
        actor = world[who].user
        policy = svc.set_policy(
            uow, world.engage.clock, actor=actor, org_id=world.org_a, changes=changes
        )
        return policy.pseudonymize


def test_admin_turns_pseudonymisation_on_and_the_change_is_audited(world: World) -> None:
    assert _set(world, "admin_a", pseudonymize=["hostnames", "ips"]) == {"ips", "hostnames"}
    assert _set(world, "admin_a", pseudonymize=["hostnames", "ips"]) == {"ips", "hostnames"}
    assert _set(world, "admin_a", pseudonymize=[]) == frozenset()
    with world.engage.uow() as uow:
        entries = uow.audit.entries(world.org_a)
        stored = svc.get_policy(uow, actor=world["engineer"].user, org_id=world.org_a)
    assert stored.pseudonymize == frozenset()
    changes = [e.data["changes"] for e in entries if e.kind == "policy_changed" and e.data]
    assert changes == [  # the repeated save changed nothing, so it is not on the trail
        {"pseudonymize": {"from": [], "to": ["ips", "hostnames"]}},
        {"pseudonymize": {"from": ["ips", "hostnames"], "to": []}},
    ]
    assert all(e.actor_id == world["admin_a"].user.id for e in entries)


@pytest.mark.parametrize("who", ["engineer", "manager", "member_a"])
def test_only_the_organisations_admin_sets_it(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        _set(world, who, pseudonymize=["ips"])
    with world.engage.uow() as uow:
        assert uow.audit.entries(world.org_a) == []
        assert svc.get_policy(uow, actor=world[who].user, org_id=world.org_a).pseudonymize == set()


def test_unknown_kind_is_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(ValidationFailed, match="ips, macs, hostnames, domains, emails, accounts"):
        _set(world, "admin_a", pseudonymize=["ips", "phone-numbers"])
    with world.engage.uow() as uow:
        assert uow.audit.entries(world.org_a) == []
