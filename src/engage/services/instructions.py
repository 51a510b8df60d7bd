"""How to provide each kind of artifact, rendered for the clusters of a case."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment as Jinja
from jinja2 import FileSystemLoader, StrictUndefined

from engage.diagnostics.artifacts import ArtifactKind
from engage.domain.policy import PSEUDONYM_KINDS, policy_from_dict
from engage.domain.users import User
from engage.services.access import visible_case
from engage.services.diagnostics import case_places, case_row, kind_info
from engage.services.ports import UnitOfWork

TEMPLATES = Path(__file__).parent / "templates" / "instructions"
_EXAMPLE_FILES = {
    ArtifactKind.ENGAGE_BUNDLE: "engage-bundle.tar.gz",
    ArtifactKind.BUG_REPORT: "kubecost-bug-report.txt",
    ArtifactKind.LOGS: "kubecost-logs.txt",
    ArtifactKind.HAR: "kubecost.har",
    ArtifactKind.HEAP_PROFILE: "heap.pb.gz",
    ArtifactKind.AGGREGATOR_DB: "kubecost-aggregator.tar.gz",
    ArtifactKind.HELM_VALUES: "values.yaml",
    ArtifactKind.SCREENSHOT: "screenshot.png",
}
_jinja = Jinja(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "kubecost"


def _pseudonymized(uow: UnitOfWork, org_id: int) -> list[str]:
    """The `--pseudonymize` kinds the organisation's policy asks for, in display order."""
    org = uow.orgs.get(org_id)
    kinds = policy_from_dict(org.policy if org else None).pseudonymize
    return [k for k in PSEUDONYM_KINDS if k in kinds]


def instructions(
    uow: UnitOfWork,
    *,
    actor: User,
    case_id: int,
    kind: str,
    server_url: str,
    row_id: int | None = None,
    label: str = "",
    note: str = "",
) -> str:
    """ "How to provide it" for `kind`, rendered (Markdown) for this case's clusters."""
    case = visible_case(uow, actor, case_id)
    info = kind_info(kind)
    envs, insts = case_places(uow, case)
    env_names = {e.id: e.name for e in envs}
    if row_id is not None:
        row = case_row(uow, case, row_id)
        insts = [
            i
            for i in insts
            if row.instance_id in (None, i.id) and row.environment_id in (None, i.environment_id)
        ]
    context = {
        "case_id": case.id,
        "server_url": server_url.rstrip("/"),
        "kind": info.kind.value,
        "row_id": row_id,
        "label": label,
        "note": note,
        "example_file": _EXAMPLE_FILES.get(info.kind, "FILE"),
        "contexts": sorted({i.cluster for i in insts}),
        "namespaces": sorted({i.namespace for i in insts}) or ["kubecost"],
        "pseudonymize": _pseudonymized(uow, case.org_id),
        "environments": [
            {
                "name": e.name,
                "contexts": sorted({i.cluster for i in insts if i.environment_id == e.id}),
            }
            for e in envs
            if any(i.environment_id == e.id for i in insts)
        ],
        "instances": [
            {
                "label": f"{env_names.get(i.environment_id, '')} / {i.cluster}".lstrip(" /"),
                "context": i.cluster,
                "namespace": i.namespace,
                "slug": _slug(i.cluster),
            }
            for i in insts
        ],
    }
    return _jinja.get_template(f"{info.kind.value}.md.j2").render(context)
