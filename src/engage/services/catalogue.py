"""The catalogue of what support can ask for, and which kinds an organisation's policy allows."""

from __future__ import annotations

from dataclasses import dataclass

from engage.diagnostics.artifacts import ArtifactKind
from engage.domain.errors import ValidationFailed
from engage.domain.users import User
from engage.services.access import visible_case
from engage.services.policy import artifact_allowed
from engage.services.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class KindInfo:
    """A catalogue entry: what support can ask for, and how it expands by default."""

    kind: ArtifactKind
    title: str
    expand: str  # case | environment | instance


CATALOGUE: tuple[KindInfo, ...] = (
    KindInfo(ArtifactKind.ENGAGE_BUNDLE, "engage diagnostics bundle", "environment"),
    KindInfo(ArtifactKind.BUG_REPORT, "Kubecost bug report", "instance"),
    KindInfo(ArtifactKind.LOGS, "Container logs", "instance"),
    KindInfo(ArtifactKind.HAR, "HAR file of the Kubecost UI", "case"),
    KindInfo(ArtifactKind.HEAP_PROFILE, "Heap profile", "instance"),
    KindInfo(ArtifactKind.AGGREGATOR_DB, "Aggregator database copy", "instance"),
    KindInfo(ArtifactKind.HELM_VALUES, "Helm values", "instance"),
    KindInfo(ArtifactKind.SCREENSHOT, "Screenshot", "case"),
    KindInfo(ArtifactKind.OTHER, "Other", "case"),
    KindInfo(
        ArtifactKind.FINDINGS, "Analyzer findings (engage analyze --share findings)", "environment"
    ),
)
BY_KIND = {k.kind: k for k in CATALOGUE}
EXPANSIONS = ("case", "environment", "instance")


def allowed_catalogue(
    uow: UnitOfWork, clock: Clock, *, actor: User, case_id: int
) -> list[KindInfo]:
    """The kinds support may ask for on this case under its organisation's policy."""
    case = visible_case(uow, actor, case_id)
    org = uow.orgs.get(case.org_id)
    assert org is not None and case.id is not None
    return [
        k
        for k in CATALOGUE
        if artifact_allowed(uow, clock, org_policy=org.policy, case_id=case.id, kind=k.kind.value)
    ]


def kind_info(kind: str) -> KindInfo:
    """The catalogue entry of `kind`, or ValidationFailed naming the known kinds."""
    try:
        return BY_KIND[ArtifactKind(kind)]
    except ValueError:
        known = ", ".join(k.kind.value for k in CATALOGUE)
        raise ValidationFailed(f"unknown artifact kind {kind!r}; choose one of: {known}") from None
