"""Deactivating a member, and what happens to what they hold in the pool: said before it is done, then done in
one go.

Their bookings that have not been picked up (pending or confirmed, not yet over) are cancelled through the booking
write path (`cancel_booking`): each tells the member by notification and frees its slot for the waitlist. Their
waitlisted flexible requests are withdrawn first, so that a freed slot never goes back to them. A booking already
checked out stays open until the asset is returned; past bookings stay as the pool's history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation.flexible_requests import cancel_request
from fleet.booking.bookings import cancel_booking
from fleet.members.accounts import get_coordinated_member, set_active
from fleet.models import Booking, BookingStatus, FlexibleRequest, Member, RequestStatus


@dataclass
class DeactivationPlan:
    member: Member
    cancelled_bookings: list[Booking]   # not picked up yet: cancelled, each with a notification
    withdrawn_requests: list[FlexibleRequest]  # waitlisted: withdrawn
    still_out: list[Booking]            # checked out: stays open until returned


def deactivation_plan(session: Session, actor: Member, member_id: int, now: datetime) -> DeactivationPlan:
    """What deactivating the member would do, for the coordinator to confirm."""
    member = get_coordinated_member(session, actor, member_id)
    bookings = list(session.scalars(
        select(Booking).options(joinedload(Booking.asset))
        .where(Booking.member_id == member.id, Booking.end_at > now,
               Booking.status.in_((BookingStatus.pending, BookingStatus.confirmed, BookingStatus.checked_out)))
        .order_by(Booking.start_at, Booking.id)))
    requests = list(session.scalars(
        select(FlexibleRequest).where(FlexibleRequest.member_id == member.id,
                                      FlexibleRequest.status == RequestStatus.waitlisted)
        .order_by(FlexibleRequest.earliest_start, FlexibleRequest.id)))
    return DeactivationPlan(member, [b for b in bookings if b.status != BookingStatus.checked_out], requests,
                            [b for b in bookings if b.status == BookingStatus.checked_out])


def deactivate_member(session: Session, actor: Member, member_id: int, now: datetime) -> DeactivationPlan:
    """Deactivate the member (logged out everywhere) and cancel what the plan says, in the caller's transaction."""
    plan = deactivation_plan(session, actor, member_id, now)
    set_active(session, actor, member_id, False)  # refuses first: yourself, or an admin unless you are one
    for request in plan.withdrawn_requests:
        cancel_request(session, actor, request.id, now)
    for booking in plan.cancelled_bookings:
        cancel_booking(session, actor, booking.id, now)
    session.flush()
    return plan
