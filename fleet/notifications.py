"""Notifications in the app: what the pool decided for a member ("your request got the blue car", "your
booking moved", "your booking is at risk"). Written by the services that make those decisions; read and
dismissed here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleet.models import Member, Notification

UNREAD_LIMIT = 50


def list_unread(session: Session, member: Member, limit: int = UNREAD_LIMIT) -> list[Notification]:
    """The member's unread notifications, newest first."""
    return list(session.scalars(
        select(Notification).where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(session: Session, member: Member, ids: list[int] | None, now: datetime) -> int:
    """Mark the member's notifications `ids` as read (all unread ones when `ids` is None); returns how many.
    Ids of other members' notifications are ignored: a member can only ever touch their own."""
    stmt = update(Notification).where(Notification.member_id == member.id, Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(ids))
    result = session.execute(stmt.values(read_at=now).execution_options(synchronize_session="fetch"))
    session.flush()
    return result.rowcount or 0
