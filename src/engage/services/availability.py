"""Availability use cases: read and set a person's hours, import busy time, build slot people.

Working hours are kept in the ``engage slots`` JSON shape (wall-clock ranges per weekday and
per local date in the person's IANA zone). Busy time comes from three places: blocks the person
enters, blocks imported from their ICS feed, and sessions they are already booked into.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from engage.domain.availability import Person, person_from_dict
from engage.domain.errors import Conflict, PermissionDenied, ValidationFailed
from engage.domain.session_records import Availability, Block, SessionRecord
from engage.domain.slots import SlotQuery, ensure_slot_free, find_slots, is_slot_free
from engage.domain.users import Role, User
from engage.services.access import visible_user
from engage.services.ports import Clock, UnitOfWork

log = logging.getLogger("engage.availability")

BusyFeed = Callable[[str, datetime, datetime, str], list[Block]]
"""Busy blocks from an ICS feed: (url, start, end, tz) -> [(start, end), ...] in UTC."""

DEFAULT_WEEKLY: dict[str, list[list[str]]] = {
    day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
FEED_HORIZON = timedelta(days=62)  # how far ahead imported busy time is kept
FEED_MAX_AGE = timedelta(minutes=15)  # the refresh job re-imports feeds older than this
FEED_JOB = "refresh_busy_feeds"
FEED_EVERY = 300.0  # seconds between runs of the refresh job
MAX_MANUAL_BLOCKS = 500
FEED_SCHEMES = ("https://", "http://", "webcal://")


def availability_of(uow: UnitOfWork, user: User) -> Availability:
    """Stored hours, or the default (Monday to Friday 09:00-17:00 in the user's own zone)."""
    assert user.id is not None
    stored = uow.sessions.availability(user.id)
    return stored or Availability(user_id=user.id, tz=user.tz or "UTC", weekly=DEFAULT_WEEKLY)


def manual_blocks(uow: UnitOfWork, user_id: int, now: datetime) -> list[Block]:
    """Busy blocks the person entered that have not ended yet (imported ones are not listed)."""
    found = uow.sessions.busy_blocks([user_id], now, now + timedelta(days=3660), source="manual")
    return found.get(user_id, [])


def get_availability(uow: UnitOfWork, *, actor: User, user_id: int) -> Availability:
    """Someone's hours: anyone who may see the person may see when they work."""
    return availability_of(uow, visible_user(uow, actor, user_id))


def may_edit(actor: User, target: User) -> bool:
    """Yourself; a customer admin their organisation's people; a support manager anyone."""
    if actor.id == target.id or Role(actor.role) is Role.SUPPORT_MANAGER:
        return True
    return Role(actor.role) is Role.CUSTOMER_ADMIN and target.org_id == actor.org_id


def _check_feed(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    url = url.strip()
    if not url.lower().startswith(FEED_SCHEMES) or len(url) > 2000:
        raise ValidationFailed("the calendar feed must be an http(s) or webcal URL")
    return url


def _check_blocks(blocks: Iterable[Block]) -> list[Block]:
    checked = []
    for start, end in blocks:
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise ValidationFailed("each busy block needs an aware start before its end")
        checked.append((start, end))
    if len(checked) > MAX_MANUAL_BLOCKS:
        raise ValidationFailed(f"at most {MAX_MANUAL_BLOCKS} busy blocks")
    return checked


def set_availability(
    uow: UnitOfWork,
    clock: Clock,
    *,
    actor: User,
    user_id: int,
    tz: str,
    weekly: Mapping[str, list[list[str]]],
    overrides: Mapping[str, list[list[str]]],
    busy: Iterable[Block] = (),
    ics_url: str | None = None,
    busy_feed: BusyFeed | None = None,
) -> Availability:
    """Replace someone's hours, entered busy blocks and calendar feed (imported right away)."""
    target = visible_user(uow, actor, user_id)  # 404 before 403
    if not may_edit(actor, target):
        raise PermissionDenied("you may not change this person's availability")
    person_from_dict(
        str(user_id), {"tz": tz, "weekly": dict(weekly), "overrides": dict(overrides)}
    )  # validates, or raises
    now = clock.now()
    feed = _check_feed(ics_url)
    saved = Availability(
        user_id=user_id,
        tz=tz,
        weekly=dict(weekly),
        overrides=dict(overrides),
        ics_url=feed,
        updated_at=now,
    )
    uow.sessions.replace_busy_blocks(user_id, "manual", _check_blocks(busy))
    uow.sessions.set_availability(saved)
    if feed is None:
        uow.sessions.replace_busy_blocks(user_id, "ics", [])
    elif busy_feed is not None:
        saved = import_feed(uow, now, saved, busy_feed, strict=True)
    uow.commit()
    return saved


def import_feed(
    uow: UnitOfWork, now: datetime, availability: Availability, busy_feed: BusyFeed, *, strict: bool
) -> Availability:
    """Fetch the person's ICS feed and store its busy blocks; strict raises on failure."""
    assert availability.ics_url is not None
    try:
        blocks = busy_feed(
            availability.ics_url, now - timedelta(days=1), now + FEED_HORIZON, availability.tz
        )
    except (OSError, ValueError) as exc:  # the feed adapters raise ValueError subclasses
        if strict:
            raise ValidationFailed(f"cannot import the calendar feed: {exc}") from exc
        log.warning("calendar feed of user %s failed: %s", availability.user_id, exc)
        return availability
    uow.sessions.replace_busy_blocks(availability.user_id, "ics", blocks)
    fresh = replace(availability, ics_fetched_at=now)
    uow.sessions.set_availability(fresh)
    return fresh


def refresh_feeds(
    uow: UnitOfWork, clock: Clock, user_ids: Iterable[int] | None, busy_feed: BusyFeed | None
) -> int:
    """Re-import feeds older than FEED_MAX_AGE (the periodic ``refresh_busy_feeds`` job;
    ``user_ids`` None means everyone with a feed). Each feed is fetched with no transaction
    open and committed on its own; a failing feed keeps its old blocks. Returns how many."""
    if busy_feed is None:
        return 0
    refreshed = 0
    ids = uow.sessions.feed_users() if user_ids is None else sorted(set(user_ids))
    uow.rollback()
    for uid in ids:
        now = clock.now()
        stored = uow.sessions.availability(uid)
        uow.rollback()  # the fetch below may take seconds: no transaction stays open for it
        if stored is None or stored.ics_url is None:
            continue
        if stored.ics_fetched_at is None or now - stored.ics_fetched_at > FEED_MAX_AGE:
            import_feed(uow, now, stored, busy_feed, strict=False)
            uow.commit()
            refreshed += 1
    return refreshed


def people_for(
    uow: UnitOfWork,
    user_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    exclude_session_id: int | None = None,
) -> dict[str, Person]:
    """Slot-search people (named by user id) with hours and every busy block in [start, end)."""
    ids = sorted(set(user_ids))
    blocks = uow.sessions.busy_blocks(ids, start, end)
    booked = uow.sessions.booked(ids, start, end, exclude_session_id)
    people: dict[str, Person] = {}
    for uid in ids:
        user = uow.users.get(uid)
        if user is None:
            raise ValidationFailed(f"user {uid} not found")
        hours = availability_of(uow, user)
        busy = [*blocks.get(uid, []), *booked.get(uid, [])]
        spec = {
            "tz": hours.tz,
            "weekly": dict(hours.weekly),
            "overrides": dict(hours.overrides),
            "busy": [[a.isoformat(), b.isoformat()] for a, b in busy],
        }
        people[str(uid)] = person_from_dict(str(uid), spec)
    return people


# --- slot search for sessions -----------------------------------------------------------------

MAX_WINDOW = timedelta(days=62)


class NoSlotsFound(Conflict):
    """Nobody needed shares a free slot in the window searched."""

    title = "No common free time"


@dataclass(frozen=True)
class SlotSearch:
    """What support asks for when proposing times; groups are lists of user ids."""

    window_start: datetime
    window_end: datetime
    step_minutes: int = 30
    min_notice_minutes: int = 60
    buffer_minutes: int = 0
    groups: tuple[tuple[int, ...], ...] = ()
    count: int = 5

    def __post_init__(self) -> None:
        if self.window_end - self.window_start > MAX_WINDOW:
            raise ValidationFailed(f"search at most {MAX_WINDOW.days} days at once")
        if not 1 <= self.count <= 20:
            raise ValidationFailed("propose 1-20 times")

    def as_json(self) -> dict[str, object]:
        """What a session stores so its booking re-check asks the same question."""
        return {
            "step_minutes": self.step_minutes,
            "buffer_minutes": self.buffer_minutes,
            "min_notice_minutes": self.min_notice_minutes,
            "groups": [list(g) for g in self.groups],
        }


def required_ids(record: SessionRecord) -> list[int]:
    """User ids of the session's required participants."""
    ids = record.user_ids
    return [
        ids[p.email.lower()]
        for p in record.session.participants
        if p.required and p.email.lower() in ids
    ]


def group_ids(record: SessionRecord) -> list[list[int]]:
    """The groups (user ids) from which at least one member must be free."""
    groups = record.search.get("groups") or []
    return [[int(i) for i in g] for g in groups] if isinstance(groups, list) else []


def everyone(record: SessionRecord) -> list[int]:
    """Every user id the session's availability depends on."""
    return sorted({*record.user_ids.values(), *(i for g in group_ids(record) for i in g)})


def _minutes(record: SessionRecord, key: str) -> timedelta:
    value = record.search.get(key, 0)
    return timedelta(minutes=value if isinstance(value, int) else 0)


def slot_query(
    record: SessionRecord, start: datetime, end: datetime, now: datetime, step: timedelta
) -> SlotQuery:
    """The session's slot query over [start, end) on a grid of ``step``."""
    buffer = _minutes(record, "buffer_minutes")
    return SlotQuery(
        window_start=start,
        window_end=end,
        duration=record.session.duration,
        now=now,
        required=tuple(str(i) for i in required_ids(record)),
        groups=tuple(tuple(str(i) for i in g) for g in group_ids(record)),
        step=step,
        min_notice=_minutes(record, "min_notice_minutes"),
        buffer_before=buffer,
        buffer_after=buffer,
    )


def spread(starts: Sequence[datetime], duration: timedelta, count: int) -> list[datetime]:
    """Up to ``count`` starts that do not overlap, one per UTC day first, then any."""
    picked: list[datetime] = []
    days: set[date] = set()
    for first_pass in (True, False):
        for start in starts:
            if len(picked) == count:
                return sorted(picked)
            if first_pass and start.date() in days:
                continue
            if all(abs(start - other) >= duration for other in picked):
                picked.append(start)
                days.add(start.date())
    return sorted(picked)


def find_starts(
    uow: UnitOfWork,
    clock: Clock,
    record: SessionRecord,
    search: SlotSearch,
    busy_feed: BusyFeed | None,
) -> list[datetime]:
    """Starts to offer for a session (its ``search`` already set); NoSlotsFound when none.

    Calendar feeds are not fetched here: the periodic ``refresh_busy_feeds`` job keeps their
    busy blocks in the database, and this reads what it stored (``ics_fetched_at`` says when).
    """
    query = slot_query(
        record,
        search.window_start,
        search.window_end,
        clock.now(),
        timedelta(minutes=search.step_minutes),
    )
    if not (query.required or query.groups):
        raise ValidationFailed("the session has nobody whose time could be checked")
    margin = query.buffer_before + timedelta(days=1)
    people = people_for(
        uow,
        everyone(record),
        search.window_start - margin,
        search.window_end + margin,
        exclude_session_id=record.id,
    )
    starts = find_slots(people, query)
    if not starts:
        raise NoSlotsFound("no time in that window suits everyone needed; widen the search")
    return spread(starts, record.session.duration, search.count)


def recheck(
    uow: UnitOfWork, record: SessionRecord, start: datetime, now: datetime
) -> tuple[SlotQuery, dict[str, Person]]:
    """Raise SlotUnavailable unless ``start`` still suits everyone (call under the lock)."""
    query = slot_query(record, start, start + record.session.duration, now, record.session.duration)
    margin = query.buffer_before + query.buffer_after + timedelta(days=1)
    people = people_for(
        uow, everyone(record), start - margin, start + margin, exclude_session_id=record.id
    )
    if query.required or query.groups:
        ensure_slot_free(people, query, start)
    return query, people


def first_free(
    people: Mapping[str, Person], query: SlotQuery, start: datetime, group: Sequence[int]
) -> int | None:
    """The first member of ``group`` free at ``start``, if any."""
    for uid in group:
        if is_slot_free(people, replace(query, required=(str(uid),), groups=()), start):
            return uid
    return None
