"""Map the plain domain classes onto tables (imperative mapping keeps the domain import-free)."""

from __future__ import annotations

from sqlalchemy.orm import registry

from engage.adapters.db import tables as t
from engage.domain.cases import Case, CaseEvent, CaseLink, Comment
from engage.domain.users import ApiToken, Environment, Instance, Organisation, User

mapper_registry = registry(metadata=t.metadata)
_mapped = False


def map_domain() -> None:
    """Map each domain class once per process (idempotent)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Organisation, t.organisations)
    mapper_registry.map_imperatively(Environment, t.environments)
    mapper_registry.map_imperatively(Instance, t.instances)
    mapper_registry.map_imperatively(User, t.users)
    mapper_registry.map_imperatively(ApiToken, t.api_tokens)
    # version_id_col turns a concurrent write into StaleDataError instead of a lost update.
    # The services bump the version themselves, and only when a field If-Match protects
    # changes: comments and events update the row (SLA columns) without conflicting.
    mapper_registry.map_imperatively(
        Case, t.cases, version_id_col=t.cases.c.version, version_id_generator=False
    )
    mapper_registry.map_imperatively(Comment, t.comments)
    mapper_registry.map_imperatively(CaseEvent, t.case_events)
    mapper_registry.map_imperatively(CaseLink, t.case_links)
    _mapped = True
