"""Handing things over: check-out and check-in records, damage reports, recurring booking series and the
members' choices of which notifications reach them by email."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, Enum, Float, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.bookings import Booking
from fleet.models.catalogue import Asset
from fleet.models.members import Member


class HandoverKind(str, enum.Enum):
    check_out = "check_out"
    check_in = "check_in"


class Handover(Base):
    """One check-out or check-in of a booking: who, when, the meter and the condition checklist."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    kind: Mapped[HandoverKind] = mapped_column(Enum(HandoverKind, native_enum=False, length=20))
    by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # km or hours as the asset's meter_unit says; None for assets without a meter.
    meter_reading: Mapped[float | None] = mapped_column(Float)
    # {"clean": true, "fuel full": false, ...}: the category's checklist items, ticked or not.
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    booking: Mapped[Booking] = relationship()
    by: Mapped[Member] = relationship()

    __table_args__ = (
        UniqueConstraint("booking_id", "kind", name="uq_handover_booking_id_kind"),
        CheckConstraint("meter_reading IS NULL OR meter_reading >= 0", name="meter_nonnegative"),
        # The latest reading of an asset is looked up on every handover.
        Index("ix_handover_asset_id_at", "asset_id", "at"),
    )


class DamageStatus(str, enum.Enum):
    open = "open"
    repaired = "repaired"


class DamageReport(Base):
    """Damage found at a handover (or any time). An unusable report puts the asset in maintenance until a
    coordinator records the repair, with its cost."""

    __tablename__ = "damage_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    description: Mapped[str] = mapped_column(Text)
    unusable: Mapped[bool] = mapped_column(Boolean, default=False)
    # A generated file name under the instance folder's photo directory; never the uploader's name.
    photo_name: Mapped[str | None] = mapped_column(String(64))
    photo_content_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[DamageStatus] = mapped_column(Enum(DamageStatus, native_enum=False, length=20),
                                                 default=DamageStatus.open)
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repaired_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # Money in integer minor units with its currency, never floats.
    repair_cost_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    repair_note: Mapped[str] = mapped_column(Text, default="")

    asset: Mapped[Asset] = relationship()
    booking: Mapped[Booking | None] = relationship()
    reported_by: Mapped[Member] = relationship(foreign_keys=[reported_by_id])

    __table_args__ = (
        CheckConstraint("repair_cost_minor IS NULL OR repair_cost_minor >= 0", name="repair_cost_nonnegative"),
    )


class BookingSeries(Base):
    """A recurring booking ("every Saturday 09:00-12:00 for 8 weeks"), in the hub's wall-clock time. Each
    occurrence is an ordinary booking pointing here; those that could not be booked are kept with why."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    first_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[int] = mapped_column(Integer, default=7)
    occurrences: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    # [{"start": iso, "end": iso, "reason": "..."}]: occurrences that could not be booked and why.
    skipped: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asset: Mapped[Asset] = relationship()
    member: Mapped[Member] = relationship()

    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("interval_days > 0", name="interval_positive"),
        CheckConstraint("occurrences > 0", name="occurrences_positive"),
    )


class NotificationPreference(Base):
    """A member's choice for one kind of notification: by email or not (in the app it is always shown).
    No row means the default: email on."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("member_id", "kind", name="uq_notification_preference_member_id_kind"),)
