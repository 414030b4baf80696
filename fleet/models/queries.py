"""SQL conditions that several layers ask the same way, written once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, literal_column, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from fleet.models.bookings import HOLDING_STATUSES, Booking
from fleet.models.catalogue import Asset, AssetStatus, Category, Hub, MaintenanceWindow
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


def holding_overlap(asset_id_col, start: datetime, end: datetime) -> ColumnElement[bool]:
    """A holding booking of the asset overlaps [start, end)."""
    return exists().where(Booking.asset_id == asset_id_col, holding_during(start, end))


def maintenance_overlap(asset_id_col, start: datetime, end: datetime) -> ColumnElement[bool]:
    """A maintenance window of the asset overlaps [start, end)."""
    return exists().where(MaintenanceWindow.asset_id == asset_id_col, MaintenanceWindow.start_at < end,
                          MaintenanceWindow.end_at > start)


def held_assets(start: datetime, end: datetime, *, ranges: bool) -> Select:
    """The ids of the assets a holding booking holds at some time in [start, end), for `NOT IN`: one look at the
    bookings for every asset at once, rather than a probe per asset. With `ranges` (PostgreSQL) by the range
    operator, which the partial index ix_booking_holding_range answers; its statuses are written into the SQL, not
    bound, so that PostgreSQL can prove that index applies in a generic plan too. Elsewhere by the instants."""
    if not ranges:
        return select(Booking.asset_id).where(holding_during(start, end))
    statuses = [literal_column(f"'{status.value}'") for status in HOLDING_STATUSES]
    half_open = literal_column("'[)'")
    return select(Booking.asset_id).where(
        Booking.status.in_(statuses),
        func.tstzrange(Booking.start_at, Booking.end_at, half_open).op("&&")(func.tstzrange(start, end, half_open)))
