"""Notifications (unread first, mark read) and per-kind notification settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from engage.api.deps import ActorDep, EngageDep, UowDep
from engage.api.schemas.notifications import (
    MarkedRead,
    MarkRead,
    NotificationRead,
    NotificationsRead,
    PreferenceRead,
    PreferencesRead,
    PreferencesUpdate,
)
from engage.domain.notifications import KINDS, Kind, Mode
from engage.services import notify

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationsRead)
def list_notifications(
    uow: UowDep,
    actor: ActorDep,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationsRead:
    """Your notifications, unread first, newest first, with the unread count."""
    items, count = notify.list_notifications(
        uow, actor=actor, unread_only=unread, limit=limit, offset=offset
    )
    return NotificationsRead(
        items=[NotificationRead.model_validate(n) for n in items], unread=count
    )


@router.post("/read", response_model=MarkedRead)
def mark_read(body: MarkRead, engage: EngageDep, uow: UowDep, actor: ActorDep) -> MarkedRead:
    """Mark notifications read (ids null: all of them)."""
    marked = notify.mark_read(uow, engage.clock, actor=actor, ids=body.ids)
    return MarkedRead(marked=marked, unread=notify.unread_count(uow, actor=actor))


def _prefs(modes: dict[Kind, Mode]) -> PreferencesRead:
    return PreferencesRead(
        preferences=[
            PreferenceRead(
                kind=k.value,
                label=KINDS[k].headline,
                mode=m.value,
                default=KINDS[k].default.value,
            )
            for k, m in modes.items()
        ]
    )


@router.get("/preferences", response_model=PreferencesRead)
def get_preferences(uow: UowDep, actor: ActorDep) -> PreferencesRead:
    """How you hear of each kind: at once, in a daily digest, or not by mail."""
    return _prefs(notify.get_prefs(uow, actor=actor))


@router.put("/preferences", response_model=PreferencesRead)
def set_preferences(body: PreferencesUpdate, uow: UowDep, actor: ActorDep) -> PreferencesRead:
    """Change how you hear of some kinds."""
    return _prefs(notify.set_prefs(uow, actor=actor, modes=dict(body.modes)))
