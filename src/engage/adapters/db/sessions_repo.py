"""SQL storage of sessions, availability and busy time (implements SessionRepository).

Sessions are frozen domain values, so they are read and written with SQLAlchemy Core rather
than mapped: one row in ``sessions`` plus ordered rows for participants and agenda tasks.
Writes are optimistic (``version``); bookings are serialised by ``lock_for_booking``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, and_, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from engage.adapters.db import tables as t
from engage.adapters.db.session_rows import (
    record_from_rows,
    session_values,
)
from engage.domain.errors import StaleVersion
from engage.domain.session_records import Availability, Block, SessionRecord
from engage.domain.sessions import (
    SessionStatus,
)

BUSY_STATUSES = (SessionStatus.BOOKED.value, SessionStatus.IN_PROGRESS.value)
LOCK_NAMESPACE = 6  # first key of pg_advisory_xact_lock(int, int): issue 6, sessions


class SqlSessionRepository:
    """Sessions and availability on one SQLAlchemy session (the unit of work's)."""

    def __init__(self, session: DbSession) -> None:
        self.s = session

    def _update(self, stmt: Any) -> CursorResult[Any]:
        return cast(CursorResult[Any], self.s.execute(stmt))

    # --- sessions -------------------------------------------------------------------------

    def add(self, record: SessionRecord) -> SessionRecord:
        """Insert a new session; returns it with its id."""
        values = session_values(record)
        values.update(
            created_by=record.created_by,
            created_at=record.created_at,
            updated_at=record.updated_at or record.created_at,
            version=1,
        )
        new_id = self.s.execute(
            insert(t.sessions).values(**values).returning(t.sessions.c.id)
        ).scalar_one()
        self._write_children(new_id, record)
        return replace(record, id=new_id, version=1)

    def save(self, record: SessionRecord, now: datetime) -> SessionRecord:
        """Write a changed session; StaleVersion when someone saved it meanwhile."""
        c = t.sessions.c
        done = self._update(
            update(t.sessions)
            .where(c.id == record.id, c.version == record.version)
            .values(**session_values(record), updated_at=now, version=record.version + 1)
        )
        if done.rowcount != 1:
            raise StaleVersion(f"session {record.id} was changed meanwhile; reload it")
        self._write_children(record.id, record)
        return replace(record, version=record.version + 1, updated_at=now)

    def _write_children(self, session_id: int, record: SessionRecord) -> None:
        self.s.execute(
            delete(t.session_participants).where(t.session_participants.c.session_id == session_id)
        )
        self.s.execute(delete(t.session_tasks).where(t.session_tasks.c.session_id == session_id))
        people = [
            {
                "session_id": session_id,
                "email": p.email,
                "position": i,
                "user_id": record.user_ids.get(p.email.lower()),
                "name": p.name,
                "role": p.role.value,
                "required": p.required,
                "response": p.response.value,
                "ready": p.ready,
            }
            for i, p in enumerate(record.session.participants)
        ]
        tasks = [
            {
                "session_id": session_id,
                "task_id": a.id,
                "position": i,
                "title": a.title,
                "owner": a.owner,
                "state": a.state.value,
            }
            for i, a in enumerate(record.session.agenda)
        ]
        if people:
            self.s.execute(insert(t.session_participants), people)
        if tasks:
            self.s.execute(insert(t.session_tasks), tasks)

    def get(self, session_id: int) -> SessionRecord | None:
        """One session, read fresh from the database."""
        rows = self._load(t.sessions.c.id == session_id)
        return rows[0] if rows else None

    def for_case(self, case_id: int) -> list[SessionRecord]:
        """A case's sessions, oldest first."""
        return self._load(t.sessions.c.case_id == case_id)

    def starting_between(self, start: datetime, end: datetime) -> list[SessionRecord]:
        """Booked sessions starting in (start, end]."""
        c = t.sessions.c
        return self._load(
            and_(c.status == SessionStatus.BOOKED.value, c.start_at > start, c.start_at <= end)
        )

    def _load(self, where: Any) -> list[SessionRecord]:
        rows = list(self.s.execute(select(t.sessions).where(where).order_by(t.sessions.c.id)))
        if not rows:
            return []
        ids = [r._mapping["id"] for r in rows]
        sp, st, ns = t.session_participants, t.session_tasks, t.session_no_shows
        people: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in self.s.execute(
            select(sp).where(sp.c.session_id.in_(ids)).order_by(sp.c.session_id, sp.c.position)
        ):
            people[row._mapping["session_id"]].append(row)
        tasks: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in self.s.execute(
            select(st).where(st.c.session_id.in_(ids)).order_by(st.c.session_id, st.c.position)
        ):
            tasks[row._mapping["session_id"]].append(row)
        absent: dict[int, set[str]] = defaultdict(set)
        for sid, email in self.s.execute(
            select(ns.c.session_id, ns.c.email).where(ns.c.session_id.in_(ids))
        ):
            absent[sid].add(email.lower())
        return [
            record_from_rows(
                r, people[r._mapping["id"]], tasks[r._mapping["id"]], absent[r._mapping["id"]]
            )
            for r in rows
        ]

    # --- booking lock and busy time ---------------------------------------------------------

    def lock_for_booking(self, session_id: int, user_ids: Iterable[int]) -> None:
        """Hold the booking lock for these people until the transaction ends.

        PostgreSQL: one transaction-scoped advisory lock per person, always taken in ascending
        id order (so two bookings cannot deadlock), then the session row ``FOR UPDATE``.
        SQLite: ``BEGIN IMMEDIATE`` takes the database's single write lock before anything is
        read, so the check-then-book sequence runs alone (SQLite has one writer at a time).
        """
        if self.s.get_bind().dialect.name == "postgresql":
            for uid in sorted(set(user_ids)):
                self.s.execute(
                    text("SELECT pg_advisory_xact_lock(:ns, :uid)"),
                    {"ns": LOCK_NAMESPACE, "uid": uid},
                )
            self.s.execute(
                select(t.sessions.c.id).where(t.sessions.c.id == session_id).with_for_update()
            )
            return
        raw = self.s.connection().connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            # pysqlite opens transactions lazily (before the first write); open one now,
            # taking the write lock up front.
            self.s.execute(text("BEGIN IMMEDIATE"))

    def booked(
        self,
        user_ids: Iterable[int],
        start: datetime,
        end: datetime,
        exclude_session_id: int | None = None,
    ) -> dict[int, list[Block]]:
        """Each person's booked or running sessions that overlap [start, end)."""
        s, p = t.sessions.c, t.session_participants.c
        q = (
            select(p.user_id, s.start_at, s.end_at)
            .join(t.sessions, s.id == p.session_id)
            .where(
                p.user_id.in_(list(user_ids)),
                s.status.in_(BUSY_STATUSES),
                s.start_at < end,
                s.end_at > start,
            )
        )
        if exclude_session_id is not None:
            q = q.where(s.id != exclude_session_id)
        found: dict[int, list[Block]] = defaultdict(list)
        for uid, a, b in self.s.execute(q):
            found[uid].append((a, b))
        return dict(found)

    def claim_reminder(self, session_id: int, kind: str, at: datetime) -> bool:
        """Record that reminder ``kind`` goes out now; False when it already went."""
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(t.session_reminders).values(session_id=session_id, kind=kind, sent_at=at)
                )
        except IntegrityError:
            return False
        return True

    def reminders_sent(self, session_id: int) -> set[str]:
        """The kinds of reminder already sent for a session."""
        c = t.session_reminders.c
        return set(self.s.scalars(select(c.kind).where(c.session_id == session_id)))

    def add_no_show(self, session_id: int, email: str, by: int | None, at: datetime) -> None:
        """Record that a participant did not turn up (once)."""
        c = t.session_no_shows.c
        exists = self.s.execute(
            select(c.email).where(c.session_id == session_id, c.email == email)
        ).first()
        if exists is None:
            self.s.execute(
                insert(t.session_no_shows).values(
                    session_id=session_id, email=email, recorded_by=by, recorded_at=at
                )
            )

    # --- availability -----------------------------------------------------------------------

    def availability(self, user_id: int) -> Availability | None:
        """A person's stored working hours, or None when they never set any."""
        row = self.s.execute(
            select(t.user_availability).where(t.user_availability.c.user_id == user_id)
        ).first()
        if row is None:
            return None
        m = row._mapping
        return Availability(
            user_id=user_id,
            tz=m["tz"],
            weekly=m["weekly"] or {},
            overrides=m["overrides"] or {},
            ics_url=m["ics_url"],
            ics_fetched_at=m["ics_fetched_at"],
            updated_at=m["updated_at"],
        )

    def feed_users(self) -> list[int]:
        """People with a calendar feed (the refresh job reads these)."""
        c = t.user_availability.c
        q = select(c.user_id).where(c.ics_url.is_not(None)).order_by(c.user_id)
        return [int(uid) for uid in self.s.execute(q).scalars()]

    def set_availability(self, availability: Availability) -> None:
        """Insert or replace a person's working hours."""
        a = availability
        values = {
            "tz": a.tz,
            "weekly": dict(a.weekly),
            "overrides": dict(a.overrides),
            "ics_url": a.ics_url,
            "ics_fetched_at": a.ics_fetched_at,
            "updated_at": a.updated_at,
        }
        c = t.user_availability.c
        done = self._update(
            update(t.user_availability).where(c.user_id == a.user_id).values(**values)
        )
        if done.rowcount == 0:
            self.s.execute(insert(t.user_availability).values(user_id=a.user_id, **values))

    def busy_blocks(
        self, user_ids: Iterable[int], start: datetime, end: datetime, source: str | None = None
    ) -> dict[int, list[Block]]:
        """Stored busy blocks overlapping [start, end), by person (one source, or all)."""
        c = t.busy_blocks.c
        q = (
            select(c.user_id, c.start_at, c.end_at)
            .where(c.user_id.in_(list(user_ids)), c.start_at < end, c.end_at > start)
            .order_by(c.user_id, c.start_at)
        )
        if source is not None:
            q = q.where(c.source == source)
        found: dict[int, list[Block]] = defaultdict(list)
        for uid, a, b in self.s.execute(q):
            found[uid].append((a, b))
        return dict(found)

    def replace_busy_blocks(self, user_id: int, source: str, blocks: Iterable[Block]) -> None:
        """Replace every busy block of one source (``ics`` or ``manual``) for a person."""
        c = t.busy_blocks.c
        self.s.execute(delete(t.busy_blocks).where(c.user_id == user_id, c.source == source))
        rows = [
            {"user_id": user_id, "start_at": a, "end_at": b, "source": source} for a, b in blocks
        ]
        if rows:
            self.s.execute(insert(t.busy_blocks), rows)
