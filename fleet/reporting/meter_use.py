"""Recorded use: what the meters read at check-out and check-in, per asset."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from fleet.core.sql import epoch_seconds
from fleet.models import Booking, Handover, HandoverKind


@dataclass(frozen=True)
class RecordedUse:
    use: float      # km or hours by the assets' meters, summed over bookings read at both ends
    hours: float    # how long those bookings were (their booked time), to take them out of the estimate
    bookings: int = 0  # how many bookings were read at both ends


def recorded_use_by_asset(session: Session, start: datetime, end: datetime,
                          asset_ids: list[int] | None = None) -> dict[int, RecordedUse]:
    """Per asset: the meter use recorded at handover for bookings checked in inside [start, end), and the
    booked hours of those bookings. One grouped query."""
    out, back = aliased(Handover), aliased(Handover)
    query = (select(back.asset_id, func.sum(back.meter_reading - out.meter_reading),
                    func.sum(epoch_seconds(Booking.end_at) - epoch_seconds(Booking.start_at)), func.count(back.id))
             .join(out, and_(out.booking_id == back.booking_id, out.kind == HandoverKind.check_out))
             .join(Booking, Booking.id == back.booking_id)
             .where(back.kind == HandoverKind.check_in, back.at >= start, back.at < end,
                    back.meter_reading.is_not(None), out.meter_reading.is_not(None))
             .group_by(back.asset_id))
    if asset_ids is not None:
        query = query.where(back.asset_id.in_(asset_ids))
    return {a: RecordedUse(float(use or 0), int(seconds or 0) / 3600, n)
            for a, use, seconds, n in session.execute(query)}
