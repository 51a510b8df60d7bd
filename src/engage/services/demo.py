"""A demo organisation, people, tokens and cases, so a newcomer sees a working portal."""

from __future__ import annotations

from dataclasses import dataclass, field

from engage.domain.cases import CaseStatus, ComponentArea, Severity
from engage.domain.users import Role, User
from engage.services import auth, orgs
from engage.services.cases import assign_case, comment_on_case, open_case, transition_case
from engage.services.ports import Clock, UnitOfWork

DEMO_PASSWORD = "engage-demo"

_PEOPLE = [
    ("alice@acme.example", "Alice Admin", Role.CUSTOMER_ADMIN, "acme", "America/New_York"),
    ("bob@acme.example", "Bob Builder", Role.CUSTOMER_MEMBER, "acme", "Europe/Berlin"),
    ("gina@globex.example", "Gina Globex", Role.CUSTOMER_ADMIN, "globex", "Asia/Kolkata"),
    ("sam@support.example", "Sam Support", Role.SUPPORT_ENGINEER, None, "Europe/London"),
    ("maria@support.example", "Maria Manager", Role.SUPPORT_MANAGER, None, "America/Chicago"),
]

_CASES = [
    (
        "acme",
        "alice@acme.example",
        Severity.P2,
        ComponentArea.CLOUD_COSTS,
        "Cloud costs missing for AWS since Tuesday",
        "Since Tuesday the Cloud Costs page shows no AWS spend for our payer account.\n"
        "The cloud-cost pod logs show Athena query errors:\n\n"
        "    ERR CloudCost: ingestion failed: AccessDeniedException: not authorized to "
        "perform athena:StartQueryExecution\n\n"
        "We rotated the IAM role on Monday. Kubecost 2.8.2 on EKS.",
    ),
    (
        "acme",
        "bob@acme.example",
        Severity.P3,
        ComponentArea.OTHER,
        "SAML login loops and the aggregator restarts",
        "Two things since the upgrade to 2.8.2.\n\n"
        "First, SSO: after Okta sign-in the browser loops back to the login page; the SAML "
        "response looks fine in the HAR.\n\n"
        "Separately, the aggregator statefulset restarts every few hours with OOMKilled; memory "
        "limit is 8Gi and we have about 30 clusters federated.",
    ),
    (
        "globex",
        "gina@globex.example",
        Severity.P1,
        ComponentArea.AGGREGATOR_FEDERATION,
        "Aggregator stuck in ingesting after 2.9 upgrade",
        "After upgrading the primary to 2.9.6 the aggregator /debug/orchestrator shows state "
        "ingesting for 20 hours and the UI shows no data for the last two days.",
    ),
]


@dataclass
class DemoInfo:
    """What `engage demo` prints: who to sign in as, and tokens for the API and CLI."""

    password: str = DEMO_PASSWORD
    users: list[tuple[str, str]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    created: bool = False


def load_demo(uow: UnitOfWork, clock: Clock) -> DemoInfo:
    """Load the demo once; later runs only report what is there (and mint fresh tokens)."""
    info = DemoInfo(users=[(e, r.value) for e, _, r, _, _ in _PEOPLE])
    with uow:
        if uow.orgs.by_slug("acme") is None:
            _create(uow, clock)
            info.created = True
        for email in ("alice@acme.example", "sam@support.example"):
            user = uow.users.by_email(email)
            assert user is not None
            info.tokens[email] = auth.issue_token(uow, clock, user=user, name="demo")
        uow.commit()
    return info


def _create(uow: UnitOfWork, clock: Clock) -> None:
    acme = orgs.create_org(uow, clock, actor=None, slug="acme", name="Acme Retail")
    globex = orgs.create_org(uow, clock, actor=None, slug="globex", name="Globex Corporation")
    assert acme.id is not None and globex.id is not None
    slugs = {"acme": acme.id, "globex": globex.id}
    prod = orgs.add_environment(uow, actor=None, org_id=acme.id, name="prod")
    staging = orgs.add_environment(uow, actor=None, org_id=acme.id, name="staging")
    assert prod.id is not None and staging.id is not None
    orgs.add_instance(
        uow, actor=None, environment_id=prod.id, cluster="prod-us-east-1", version="2.8.2"
    )
    orgs.add_instance(
        uow, actor=None, environment_id=staging.id, cluster="staging-eu-west-1", version="3.1.0"
    )
    people: dict[str, User] = {}
    for email, name, role, org, tz in _PEOPLE:
        people[email] = orgs.create_user(
            uow,
            clock,
            actor=None,
            email=email,
            name=name,
            role=role,
            org_id=slugs[org] if org else None,
            password=DEMO_PASSWORD,
            tz=tz,
        )
    sam = people["sam@support.example"]
    for org, email, sev, area, title, text in _CASES:
        case, _ = open_case(
            uow,
            clock,
            actor=people[email],
            title=title,
            description=text,
            severity=sev,
            area=area if area != ComponentArea.OTHER else None,
        )
        assert case.id is not None
        if org == "acme" and sev == Severity.P2:
            assign_case(uow, clock, actor=sam, case_id=case.id, assignee_id=sam.id)
            comment_on_case(
                uow,
                clock,
                actor=sam,
                case_id=case.id,
                body="Thanks Alice. Could you send the cloud-cost pod logs and the "
                "IAM policy attached to the new role?",
            )
            comment_on_case(
                uow,
                clock,
                actor=sam,
                case_id=case.id,
                internal=True,
                body="Probably the role trust policy; check the Athena workgroup.",
            )
            transition_case(
                uow, clock, actor=sam, case_id=case.id, to=CaseStatus.WAITING_ON_CUSTOMER
            )
