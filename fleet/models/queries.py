"""SQL conditions that several layers ask the same way, written once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.sql.elements import ColumnElement

from fleet.models.bookings import HOLDING_STATUSES, Booking
from fleet.models.catalogue import Asset, AssetStatus, Category, Hub
from fleet.models.owners import OwnedItem


def holding_during(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A booking that holds its asset (pending, confirmed, checked out) at some time in [start, end)."""
    return and_(Booking.status.in_(HOLDING_STATUSES), Booking.start_at < end, Booking.end_at > start)


def holding_at(instant: datetime) -> ColumnElement[bool]:
    """A booking that holds its asset at `instant` (its start counts, its end does not)."""
    return and_(Booking.status.in_(HOLDING_STATUSES), Booking.start_at <= instant, Booking.end_at > instant)


def bookable_asset() -> ColumnElement[bool]:
    """An asset members can book now: active, of a category and at a hub still in use, and not a member's
    item they have withdrawn. The query must join Asset.category and Asset.hub."""
    return and_(Asset.status == AssetStatus.active, Category.retired.is_(False), Hub.retired.is_(False),
                Asset.id.not_in(select(OwnedItem.asset_id).where(OwnedItem.withdrawn_at.is_not(None))))
