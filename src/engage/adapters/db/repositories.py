"""SQLAlchemy repositories behind the ports in engage.services.ports."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from engage.adapters.db import tables as t
from engage.domain.cases import Case, CaseEvent, CaseLink, CaseStatus, Comment
from engage.domain.clock import utcnow
from engage.domain.users import ApiToken, Environment, Instance, Organisation, User
from engage.services.ports import CaseQuery

T = TypeVar("T")
COUNT_CAP = 10_000  # queue pages say "10,000+" rather than count a million rows


class _Repo(Generic[T]):
    model: type[T]

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, obj: T) -> T:
        from engage.adapters.db.uow import translate_errors

        self.s.add(obj)
        with translate_errors():
            self.s.flush()
        return obj

    def get(self, obj_id: int) -> T | None:
        return self.s.get(self.model, obj_id)


class SqlOrgRepository(_Repo[Organisation]):
    """Organisations, environments, instances."""

    model = Organisation

    def by_slug(self, slug: str) -> Organisation | None:
        """The organisation with this slug, or None."""
        return self.s.scalars(select(Organisation).filter_by(slug=slug)).first()

    def all(self) -> list[Organisation]:
        """Every organisation."""
        return list(self.s.scalars(select(Organisation).order_by(t.organisations.c.name)))

    def environments(self, org_id: int) -> list[Environment]:
        """The organisation's environments."""
        q = select(Environment).filter_by(org_id=org_id).order_by(t.environments.c.name)
        return list(self.s.scalars(q))

    def add_environment(self, env: Environment) -> Environment:
        """Store a new environment."""
        self.s.add(env)
        self.s.flush()
        return env

    def get_environment(self, env_id: int) -> Environment | None:
        """The environment with this id, or None."""
        return self.s.get(Environment, env_id)

    def instances(self, org_id: int) -> list[Instance]:
        """The organisation's Kubecost instances."""
        q = select(Instance).filter_by(org_id=org_id).order_by(t.instances.c.cluster)
        return list(self.s.scalars(q))

    def add_instance(self, inst: Instance) -> Instance:
        """Store a new instance."""
        self.s.add(inst)
        self.s.flush()
        return inst

    def get_instance(self, inst_id: int) -> Instance | None:
        """The instance with this id, or None."""
        return self.s.get(Instance, inst_id)


class SqlUserRepository(_Repo[User]):
    """People and tokens."""

    model = User

    def by_email(self, email: str) -> User | None:
        """The user with this e-mail address (any case), or None."""
        q = select(User).where(func.lower(t.users.c.email) == email.lower())
        return self.s.scalars(q).first()

    def in_org(self, org_id: int | None) -> list[User]:
        """The users of an organisation by name (None: support staff)."""
        return list(self.s.scalars(select(User).filter_by(org_id=org_id).order_by(t.users.c.name)))

    def support_staff(self) -> list[User]:
        """Every support engineer and manager."""
        q = select(User).where(t.users.c.org_id.is_(None)).order_by(t.users.c.name)
        return list(self.s.scalars(q))

    def add_token(self, token: ApiToken) -> ApiToken:
        """Store a new API token."""
        self.s.add(token)
        self.s.flush()
        return token

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, or None."""
        return self.s.scalars(select(ApiToken).filter_by(token_hash=token_hash)).first()

    def token_and_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """A token by its hash with its user, in one query."""
        # One round trip per authenticated request instead of two.
        q = (
            select(ApiToken, User)
            .join(User, t.users.c.id == t.api_tokens.c.user_id)
            .where(t.api_tokens.c.token_hash == token_hash)
        )
        row = self.s.execute(q).first()
        return (row[0], row[1]) if row else None

    def tokens_of(self, user_id: int) -> list[ApiToken]:
        """A user's API tokens."""
        return list(self.s.scalars(select(ApiToken).filter_by(user_id=user_id)))

    def get_token(self, token_id: int) -> ApiToken | None:
        """A token by id."""
        return self.s.get(ApiToken, token_id)

    def mark_token_used(self, token_id: int, now: datetime, unless_after: datetime) -> bool:
        """Set last_used_at unless it is already later than `unless_after`."""
        c = t.api_tokens.c
        stmt = (
            update(t.api_tokens)
            .where(c.id == token_id, or_(c.last_used_at.is_(None), c.last_used_at <= unless_after))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(self.s.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def end_sessions(self, user_id: int) -> None:
        """Bump the user's session generation (ends every portal session)."""
        c = t.users.c
        self.s.execute(
            update(t.users)
            .where(c.id == user_id)
            .values(session_generation=c.session_generation + 1)
            .execution_options(synchronize_session=False)
        )

    def many(self, user_ids: Iterable[int]) -> dict[int, User]:
        """The users with these ids, by id, in one query."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        return {u.id: u for u in self.s.scalars(select(User).where(t.users.c.id.in_(ids))) if u.id}


def fts5_query(text_: str) -> str:
    """Quote each word so user input can never be FTS5 syntax: `a-b "c` -> `"a" "b" "c"`."""
    words = re.findall(r"\w+", text_, flags=re.UNICODE)
    return " ".join(f'"{w}"' for w in words[:20])


class SqlCaseRepository(_Repo[Case]):
    """Cases with their comments, events, links, engineers and instances."""

    model = Case

    def _filters(self, q: CaseQuery) -> list[ColumnElement[bool]]:
        c = t.cases.c
        where: list[ColumnElement[bool]] = []
        if q.org_ids is not None:
            where.append(c.org_id.in_(q.org_ids))
        if q.statuses:
            where.append(c.status.in_([s.value for s in q.statuses]))
        if q.severities:
            where.append(c.severity.in_([s.value for s in q.severities]))
        if q.assignee_id is not None:
            where.append(c.assignee_id == q.assignee_id)
        if q.unassigned:
            where.append(c.assignee_id.is_(None))
        if q.at_risk_by is not None:
            where.append(c.sla_at_risk_at <= q.at_risk_by)
        if q.text:
            where.append(self._search(q.text))
        return where

    def _search(self, words: str) -> ColumnElement[bool]:
        c = t.cases.c
        if self.s.get_bind().dialect.name == "postgresql":
            doc = func.to_tsvector(text("'english'::regconfig"), c.title + " " + c.description)
            return doc.op("@@")(func.websearch_to_tsquery(text("'english'::regconfig"), words))
        match = fts5_query(words)
        if not match:
            return c.id.is_(None)
        sub = text("SELECT rowid FROM cases_fts WHERE cases_fts MATCH :m").bindparams(m=match)
        return c.id.in_(sub.columns(rowid=t.cases.c.id.type))

    def _order(self, sort: str) -> list[Any]:
        c = t.cases.c
        orders: dict[str, list[Any]] = {
            "sla_due": [c.sla_due_at.asc().nulls_last(), c.id],
            "created": [c.created_at, c.id],
            "-created": [c.created_at.desc(), c.id.desc()],
            "-updated": [c.updated_at.desc(), c.id.desc()],
            "severity": [c.severity, c.sla_due_at.asc().nulls_last(), c.id],
        }
        return orders.get(sort, orders["sla_due"])

    def query(self, q: CaseQuery) -> tuple[list[Case], int]:
        """One page of cases matching the query, and the total count."""
        where = self._filters(q)
        stmt = select(Case).where(*where).order_by(*self._order(q.sort))
        rows = list(self.s.scalars(stmt.limit(q.limit).offset(q.offset)))
        capped = select(t.cases.c.id).where(*where).limit(COUNT_CAP + 1).subquery()
        total = self.s.scalar(select(func.count()).select_from(capped)) or 0
        return rows, total

    def with_org(self, case_id: int) -> tuple[Case, Organisation] | None:
        """A case and its organisation in one query."""
        q = (
            select(Case, Organisation)
            .join(Organisation, t.organisations.c.id == t.cases.c.org_id)
            .where(t.cases.c.id == case_id)
        )
        row = self.s.execute(q).first()
        return (row[0], row[1]) if row else None

    def engineers_and_instances(self, case_id: int) -> tuple[list[int], list[int]]:
        """The case's engineer ids and instance ids in one query."""
        e, i = t.case_engineers.c, t.case_instances.c
        q = union_all(
            select(literal("e"), e.user_id).where(e.case_id == case_id),
            select(literal("i"), i.instance_id).where(i.case_id == case_id),
        )
        rows = list(self.s.execute(q))
        return sorted(v for k, v in rows if k == "e"), sorted(v for k, v in rows if k == "i")

    def engineers(self, case_id: int) -> list[int]:
        """User ids of the engineers assigned to a case."""
        q = select(t.case_engineers.c.user_id).where(t.case_engineers.c.case_id == case_id)
        return sorted(self.s.scalars(q))

    def set_engineers(self, case_id: int, user_ids: list[int]) -> None:
        """Replace the engineers assigned to a case."""
        self._replace(t.case_engineers, "user_id", case_id, user_ids)

    def instances(self, case_id: int) -> list[int]:
        """Ids of the instances a case is about."""
        q = select(t.case_instances.c.instance_id).where(t.case_instances.c.case_id == case_id)
        return sorted(self.s.scalars(q))

    def set_instances(self, case_id: int, instance_ids: list[int]) -> None:
        """Replace the instances a case is about."""
        self._replace(t.case_instances, "instance_id", case_id, instance_ids)

    def _replace(self, table: Any, column: str, case_id: int, ids: list[int]) -> None:
        self.s.execute(delete(table).where(table.c.case_id == case_id))
        if ids:
            self.s.execute(
                insert(table), [{"case_id": case_id, column: i} for i in sorted(set(ids))]
            )

    def add_comment(self, comment: Comment) -> Comment:
        """Store a new comment."""
        self.s.add(comment)
        self.s.flush()
        return comment

    def comments(self, case_id: int, *, internal: bool) -> list[Comment]:
        """A case's comments, oldest first (internal ones when asked)."""
        q = select(Comment).filter_by(case_id=case_id)
        if not internal:
            q = q.filter_by(internal=False)
        return list(self.s.scalars(q.order_by(t.comments.c.created_at, t.comments.c.id)))

    def add_event(self, event: CaseEvent) -> CaseEvent:
        """Store a new timeline event."""
        self.s.add(event)
        self.s.flush()
        return event

    def events(self, case_id: int, *, internal: bool) -> list[CaseEvent]:
        """A case's timeline events, oldest first (internal ones when asked)."""
        q = select(CaseEvent).filter_by(case_id=case_id)
        if not internal:
            q = q.filter_by(internal=False)
        return list(self.s.scalars(q.order_by(t.case_events.c.created_at, t.case_events.c.id)))

    def add_link(self, link: CaseLink) -> CaseLink:
        """Store a new link between cases."""
        self.s.add(link)
        self.s.flush()
        return link

    def links(self, case_id: int) -> list[CaseLink]:
        """Links from and to a case."""
        c = t.case_links.c
        q = select(CaseLink).where(or_(c.from_case_id == case_id, c.to_case_id == case_id))
        return list(self.s.scalars(q.order_by(c.id)))

    def status_history(self, case_id: int) -> list[tuple[datetime, CaseStatus]]:
        """Every status a case entered, with when."""
        c = t.case_events.c
        q = (
            select(c.created_at, c.data)
            .where(c.case_id == case_id, c.kind == "status")
            .order_by(c.created_at, c.id)
        )
        return [(at, CaseStatus(str(data["to"]))) for at, data in self.s.execute(q)]

    def org_ids(self, case_ids: Iterable[int]) -> dict[int, int]:
        """The organisation of each existing case among `case_ids`."""
        ids = sorted(set(case_ids))
        if not ids:
            return {}
        q = select(t.cases.c.id, t.cases.c.org_id).where(t.cases.c.id.in_(ids))
        return {cid: org for cid, org in self.s.execute(q)}


class SqlIdempotencyRepository:
    """Idempotency keys stored in the same transaction as what they created."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def find(self, user_id: int, key: str) -> tuple[str, str, int] | None:
        """(scope, request hash, resource id) remembered for the key, or None."""
        c = t.idempotency_keys.c
        row = self.s.execute(
            select(c.scope, c.request_hash, c.resource_id).where(c.user_id == user_id, c.key == key)
        ).first()
        return (row[0], row[1], row[2]) if row else None

    def remember(
        self, *, user_id: int, key: str, scope: str, request_hash: str, resource_id: int
    ) -> None:
        """Remember which resource a key created."""
        self.s.execute(
            insert(t.idempotency_keys).values(
                user_id=user_id,
                key=key,
                scope=scope,
                request_hash=request_hash,
                resource_id=resource_id,
                created_at=utcnow(),
            )
        )
