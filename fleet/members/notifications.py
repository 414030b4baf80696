"""Notifications in the app: what the pool decided for a member ("your request got the blue car", "your
booking moved", "your booking is at risk"). Written by the services that make those decisions; read and
dismissed here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleet.core.messages import msg, to_json
from fleet.models import (
    Asset, Booking, Category, Member, Notification, NotificationPreference, PoolMembership, PoolRole, Role,
)

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


# What a member can be told, in the order the preferences page lists them. Kinds written elsewhere
# (request_assigned, booking_resolved, ...) are emailed too; members can turn off the ones listed here.
KINDS: dict[str, str] = {
    "booking_confirmed": msg("A booking is confirmed (or waits for approval)"),
    "booking_reminder": msg("Reminder before a booking starts"),
    "booking_moved": msg("A booking was moved by re-planning"),
    "booking_at_risk": msg("A booking is at risk (its asset became unavailable)"),
    "waitlist_promoted": msg("A waitlisted request got an asset"),
    "booking_cancelled": msg("A booking was cancelled or rejected"),
    "overdue_return": msg("A return is overdue, or the return before yours is late"),
    "no_show": msg("A booking was released as a no-show"),
    "damage_reported": msg("Damage reported on an asset (coordinators)"),
    "owner_approval": msg("A booking of your own item waits for your approval"),
    "proposal_opened": msg("A proposal opens that you may vote on"),
    "proposal_closing": msg("A vote closes within 24 hours and you have not voted"),
    "decision_made": msg("The result of a vote you could take part in"),
}


def notify(session: Session, member_id: int, kind: str, message: str, now: datetime,
           booking_id: int | None = None, *, request_id: int | None = None, **params) -> Notification:
    """Write a notification (and its email outbox entry) in the caller's transaction. `message` is a
    template and `params` its values (fleet/core/messages.py), so it can be shown in the reader's language;
    `request_id` links it to the flexible request it is about."""
    note = Notification(member_id=member_id, kind=kind, message=message[:1000], message_params=to_json(params),
                        booking_id=booking_id, request_id=request_id, created_at=now)
    session.add(note)
    return note


def notify_coordinators(session: Session, kind: str, message: str, now: datetime,
                        booking_id: int | None = None, *, pool_id: int | None = None, **params) -> list[Notification]:
    """Tell the coordinators of the pool it happened in (`pool_id`, else the booking's pool) and the
    administrator; with neither, every coordinator."""
    if pool_id is None and booking_id is not None:
        pool_id = session.scalar(select(Category.pool_id).join(Asset, Asset.category_id == Category.id)
                                 .join(Booking, Booking.asset_id == Asset.id).where(Booking.id == booking_id))
    if pool_id is None:
        who = Member.role.in_([Role.coordinator, Role.admin])
    else:
        who = (Member.role == Role.admin) | Member.id.in_(select(PoolMembership.member_id).where(
            PoolMembership.pool_id == pool_id, PoolMembership.role == PoolRole.coordinator))
    ids = session.scalars(select(Member.id).where(who, Member.active.is_(True)).order_by(Member.id))
    return [notify(session, member_id, kind, message, now, booking_id, **params) for member_id in ids]


def email_preferences(session: Session, member: Member) -> dict[str, bool]:
    """{kind: gets it by email}, for every kind in KINDS (default: yes)."""
    chosen = dict(session.execute(select(NotificationPreference.kind, NotificationPreference.email)
                                  .where(NotificationPreference.member_id == member.id)).all())
    return {kind: chosen.get(kind, True) for kind in KINDS}


def set_email_preferences(session: Session, member: Member, wanted: set[str]) -> dict[str, bool]:
    """Email the member exactly the kinds in `wanted` (unknown kinds are ignored)."""
    existing = {p.kind: p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.member_id == member.id))}
    for kind in KINDS:
        row = existing.get(kind) or NotificationPreference(member_id=member.id, kind=kind)
        row.email = kind in wanted
        session.add(row)
    session.flush()
    return email_preferences(session, member)
