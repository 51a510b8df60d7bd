"""The SQLAlchemy unit of work: one session, one transaction, all repositories."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engage.adapters.db.audit_repo import SqlAuditRepository
from engage.adapters.db.intake_repo import SqlIntakeRepository
from engage.adapters.db.mapping import map_domain
from engage.adapters.db.notify_repo import AFTER_COMMIT, SqlNotifyRepository
from engage.adapters.db.repositories import (
    SqlCaseRepository,
    SqlIdempotencyRepository,
    SqlOrgRepository,
    SqlUserRepository,
)
from engage.adapters.db.retry import run_with_retries
from engage.adapters.db.sessions_repo import SqlSessionRepository
from engage.domain.errors import ConcurrentUpdate, Conflict

T = TypeVar("T")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Database constraint failures become domain errors, never a 500."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict("that conflicts with something that already exists") from exc
    except StaleDataError as exc:
        raise ConcurrentUpdate("someone else changed this object meanwhile; reload it") from exc


class SqlUnitOfWork:
    """Use as `with uow:`; commit explicitly, anything uncommitted is rolled back on exit."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        on_commit: Callable[[str, dict[str, object]], None] | None = None,
    ) -> None:
        self._factory = session_factory
        self._on_commit = on_commit  # enqueues jobs that repositories asked for after commit
        self.session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        self.orgs = SqlOrgRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.cases = SqlCaseRepository(self.session)
        self.idempotency = SqlIdempotencyRepository(self.session)
        self.intake = SqlIntakeRepository(self.session)
        self.sessions = SqlSessionRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        self.notify = SqlNotifyRepository(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.info.pop(AFTER_COMMIT, None)
        self.session.close()
        self.session = None

    def commit(self) -> None:
        """Make everything done in this unit of work durable."""
        assert self.session is not None
        with translate_errors():
            self.session.commit()
        for name, kwargs in self.session.info.pop(AFTER_COMMIT, []):
            if self._on_commit is None:
                continue  # no queue wired (scripts): the periodic sweep sends them
            try:
                self._on_commit(name, kwargs)
            except Exception:  # the sweeper finds the row later; the commit stands
                logging.getLogger("engage.jobs").exception("cannot enqueue %s after commit", name)

    def rollback(self) -> None:
        """Drop everything done since the last commit."""
        assert self.session is not None
        self.session.rollback()
        self.session.info.pop(AFTER_COMMIT, None)

    def retry(self, fn: Callable[[], T]) -> T:
        """Run `fn` (which commits); roll back and rerun it when it lost a race (bounded)."""
        return run_with_retries(fn, self.rollback)

    def flush(self) -> None:
        """Send pending changes so ids exist, without committing."""
        assert self.session is not None
        with translate_errors():
            self.session.flush()


def uow_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory for `engine` with the domain classes mapped."""
    map_domain()
    return sessionmaker(bind=engine, expire_on_commit=False)
