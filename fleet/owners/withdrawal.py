"""An owner takes their item out of the pool. Its future bookings are shown first, and the owner decides
for each: keep it (the loan still happens), or release it (the borrower is told, the slot is freed). The
item is withdrawn only when every future booking has a decision; nothing is dropped silently."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import Conflict, Forbidden, ValidationFailed
from fleet.models import HOLDING_STATUSES, AssetStatus, Booking, Member, OwnedItem
from fleet.owners.listing import get_owned_item
from fleet.owners.windows import release_for_owner

KEEP, RELEASE = "keep", "release"


def future_bookings(session: Session, actor: Member, item_id: int, now: datetime) -> list[Booking]:
    """Borrowers' bookings of the item still to come or under way, soonest first."""
    item = get_owned_item(session, actor, item_id)
    return _future(session, item, now)


def _future(session: Session, item: OwnedItem, now: datetime) -> list[Booking]:
    return list(session.scalars(
        select(Booking).where(Booking.asset_id == item.asset_id, Booking.status.in_(HOLDING_STATUSES),
                              Booking.end_at > now, Booking.member_id != item.owner_id)
        .options(joinedload(Booking.member), joinedload(Booking.asset)).order_by(Booking.start_at, Booking.id)))


def withdraw(session: Session, actor: Member, item_id: int, decisions: dict[int, str], now: datetime) -> list[Booking]:
    """Withdraw the item, with a decision ("keep" or "release") for every future booking; returns the
    released ones. A booking already checked out can only be kept."""
    item = get_owned_item(session, actor, item_id)
    if item.owner_id != actor.id and not actor.coordinates_pool(item.asset.category.pool_id):
        raise Forbidden("Only the owner can withdraw this item.")
    if item.withdrawn_at is not None:
        raise Conflict("This item has been withdrawn from the pool.")
    future = _future(session, item, now)
    undecided = [b.id for b in future if decisions.get(b.id) not in (KEEP, RELEASE)]
    if undecided:
        raise ValidationFailed("Decide for every future booking whether to keep it or release it "
                               "(%(count)s without a decision).", field="decisions", count=len(undecided))
    unknown = set(decisions) - {b.id for b in future}
    if unknown:
        raise ValidationFailed("Booking %(booking)s is not a future booking of this item.", field="decisions",
                               booking=min(unknown))
    released = []
    for booking in future:
        if decisions[booking.id] == RELEASE:
            if booking.status.value == "checked_out":
                raise Conflict("%(asset)s is out with a borrower; that booking can only be kept.",
                               field="decisions", asset=item.asset.name)
            release_for_owner(session, booking, now)
            released.append(booking)
    # Kept bookings still happen (their check-out needs the asset active); no new booking is taken
    # (`bookable_asset` and the windows see to that). With none kept, the asset is retired at once.
    item.withdrawn_at = now
    if len(released) == len(future):
        item.asset.status = AssetStatus.retired
    session.flush()
    return released
