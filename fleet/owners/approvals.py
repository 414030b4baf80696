"""The owner approves or rejects the bookings of their item that wait for them (through the booking's own
transitions), and sees who borrows it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.booking.bookings import booking_values
from fleet.booking.handover import damage_reports_of_booking, handovers_of
from fleet.core import signals
from fleet.core.errors import NotFound
from fleet.core.text import single_line
from fleet.members.notifications import notify
from fleet.models import Asset, Booking, BookingStatus, DamageReport, Handover, Member, OwnedItem
from fleet.owners.listing import get_owned_item


def _item_booking(session: Session, actor: Member, booking_id: int) -> tuple[Booking, OwnedItem]:
    """A booking of an item the actor owns (coordinators: any owned item); others get 404."""
    booking = session.get(Booking, booking_id, options=[joinedload(Booking.asset).joinedload(Asset.hub)]) \
        if isinstance(booking_id, int) else None
    item = session.scalar(select(OwnedItem).where(OwnedItem.asset_id == booking.asset_id)) if booking else None
    if item is None or (item.owner_id != actor.id and not actor.coordinates_pool(booking.asset.category.pool_id)):
        raise NotFound("No such booking.")
    return booking, item


def decide(session: Session, actor: Member, booking_id: int, approve: bool, now: datetime,
           reason: str = "") -> Booking:
    """The owner (or a coordinator) approves or rejects a pending booking of a member-owned item."""
    booking, _ = _item_booking(session, actor, booking_id)
    reason = single_line(reason, "reason")
    values = booking_values(booking, booking.asset)
    if approve:
        booking.approve(actor.id, now, reason)
        notify(session, booking.member_id, "booking_confirmed",
               "The owner approved your booking: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **values)
    else:
        booking.reject(actor.id, now, reason)
        notify(session, booking.member_id, "booking_cancelled",
               "The owner could not lend it this time: %(asset)s at %(hub)s, %(start)s to %(end)s.", now,
               booking.id, **values)
    session.flush()
    if not approve:
        signals.booking_freed.send(session, booking=booking, now=now)
    return booking


def waiting_for_owner(session: Session, actor: Member) -> list[Booking]:
    """Pending bookings of the actor's own items, soonest first."""
    return list(session.scalars(
        select(Booking).join(OwnedItem, OwnedItem.asset_id == Booking.asset_id)
        .where(OwnedItem.owner_id == actor.id, Booking.status == BookingStatus.pending)
        .options(joinedload(Booking.asset), joinedload(Booking.member)).order_by(Booking.start_at)))


@dataclass
class Borrowing:
    booking: Booking
    borrower_name: str
    check_out: Handover | None
    check_in: Handover | None
    damage: list[DamageReport]

    @property
    def meter_use(self) -> float | None:
        if self.check_out is None or self.check_in is None:
            return None
        if self.check_out.meter_reading is None or self.check_in.meter_reading is None:
            return None
        return self.check_in.meter_reading - self.check_out.meter_reading


def borrowings(session: Session, actor: Member, item_id: int) -> list[Borrowing]:
    """Who borrowed the item and when, with the meter readings and damage reports: for the owner and the
    coordinators only (the borrower's display name, nothing else about them). Latest first."""
    item = get_owned_item(session, actor, item_id)
    rows = session.scalars(select(Booking).where(Booking.asset_id == item.asset_id)
                           .options(joinedload(Booking.member)).order_by(Booking.start_at.desc(), Booking.id.desc()))
    out = []
    for b in rows:
        handovers = handovers_of(session, b.id)
        out.append(Borrowing(b, b.member.name, handovers.get("check_out"), handovers.get("check_in"),
                             damage_reports_of_booking(session, b.id)))
    return out
