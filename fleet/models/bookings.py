"""Bookings and the rule that no two holding bookings of one asset overlap."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.messages import english, from_json, msg, to_json
from fleet.models.catalogue import Asset
from fleet.models.members import Member
from fleet.models.transitions import Transitions, checked, status_term
from fleet.core.errors import Conflict


class BookingStatus(str, enum.Enum):
    pending = "pending"
    confirmed = "confirmed"
    checked_out = "checked_out"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"
    no_show = "no_show"


BOOKING_TRANSITIONS: Transitions = {
    BookingStatus.pending: frozenset({BookingStatus.confirmed, BookingStatus.rejected, BookingStatus.cancelled}),
    BookingStatus.confirmed: frozenset({BookingStatus.checked_out, BookingStatus.cancelled, BookingStatus.no_show}),
    BookingStatus.checked_out: frozenset({BookingStatus.completed}),
}  # completed, cancelled, rejected and no-show are final

# States in which a booking holds its slot: a pending booking holds it too, so approval cannot collide.
HOLDING_STATUSES = (BookingStatus.pending, BookingStatus.confirmed, BookingStatus.checked_out)
HOLDING_SQL = "status IN ('pending', 'confirmed', 'checked_out')"


class Booking(Base):
    """An asset held by a member for the half-open interval [start_at, end_at)."""

    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(Enum(BookingStatus, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(String(300), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when re-planning could not move the booking off a breakdown or maintenance: shown to the member
    # and the coordinators until someone deals with it. Never a silent drop.
    # A template with its values in attention_params (fleet/core/messages.py), translated when shown.
    attention: Mapped[str] = mapped_column(String(300), default="", server_default="")
    attention_params: Mapped[dict | None] = mapped_column(JSON)
    # The recurring series this booking is one occurrence of, if any.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id"), index=True)

    asset: Mapped[Asset] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])

    # --- transitions: the only places a booking's status changes ----------------------------------------------

    def _move_to(self, status: BookingStatus, refusal: str) -> None:
        self.status = checked(BOOKING_TRANSITIONS, self.status, status, refusal)

    def cancel(self, now: datetime) -> None:
        self._move_to(BookingStatus.cancelled, msg("This booking is %(status)s and cannot be cancelled."))
        self.cancelled_at = now

    def approve(self, by_id: int, now: datetime, reason: str = "") -> None:
        self._move_to(BookingStatus.confirmed, msg("This booking is %(status)s, not pending."))
        self._decided(by_id, now, reason)

    def reject(self, by_id: int, now: datetime, reason: str = "") -> None:
        self._move_to(BookingStatus.rejected, msg("This booking is %(status)s, not pending."))
        self._decided(by_id, now, reason)

    def _decided(self, by_id: int, now: datetime, reason: str) -> None:
        self.decided_by_id, self.decided_at, self.decision_reason = by_id, now, (reason or "").strip()[:300]

    def check_out(self) -> None:
        self._move_to(BookingStatus.checked_out, msg("This booking is %(status)s and cannot be checked out."))

    def complete(self) -> None:
        self._move_to(BookingStatus.completed, msg("This booking is %(status)s; there is nothing to check in."))

    def release_as_no_show(self, now: datetime) -> None:
        self._move_to(BookingStatus.no_show, msg("This booking is %(status)s and cannot be cancelled."))
        self.cancelled_at = now

    def set_aside(self) -> BookingStatus:
        """Stop holding the slot for a moment, inside a savepoint that moves several bookings at once (so two
        bookings can swap places); `resume` gives the status back. Returns the status to resume."""
        if self.status not in (BookingStatus.pending, BookingStatus.confirmed):
            raise Conflict(msg("This booking is %(status)s and cannot be cancelled."), status=status_term(self.status))
        was, self.status = self.status, BookingStatus.cancelled
        return was

    def resume(self, status: BookingStatus) -> None:
        if self.status != BookingStatus.cancelled or status not in (BookingStatus.pending, BookingStatus.confirmed):
            raise Conflict(msg("This booking is %(status)s and cannot be cancelled."), status=status_term(self.status))
        self.status = status

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index("ix_booking_asset_id_start_at", "asset_id", "start_at"),
        Index("ix_booking_asset_id_end_at", "asset_id", "end_at"),
        # PostgreSQL enforces "no overlap" itself; SQLite relies on BEGIN IMMEDIATE in every write path.
        ExcludeConstraint(
            (column("asset_id"), "="),
            (func.tstzrange(column("start_at"), column("end_at"), text("'[)'")), "&&"),
            name="booking_no_overlap",
            using="gist",
            where=text(HOLDING_SQL),
        ).ddl_if(dialect="postgresql"),
        # Which assets are held at some time in a range, across all assets at once (the search): by the range
        # alone, which the exclusion constraint's index (led by the asset) answers one asset at a time. It carries
        # the asset and the instants, so that question is answered from the index alone (migration 0032).
        Index("ix_booking_holding_range", func.tstzrange(column("start_at"), column("end_at"), text("'[)'")),
              postgresql_using="gist", postgresql_where=text(HOLDING_SQL),
              postgresql_include=["asset_id", "start_at", "end_at"]).ddl_if(dialect="postgresql"),
    )

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES

    def flag(self, template: str, **params) -> None:
        """Flag the booking for attention (see fleet/core/messages.py for templates and values)."""
        if len(english(template, params)) > 300:  # the column's size; names are what can grow
            params = {name: (value[:60] if isinstance(value, str) else value) for name, value in params.items()}
        self.attention = template
        self.attention_params = to_json(params)

    def clear_attention(self) -> None:
        self.attention = ""
        self.attention_params = None

    @property
    def attention_values(self) -> dict:
        return from_json(self.attention_params)

    @property
    def attention_text(self) -> str:
        """The attention note in English."""
        return english(self.attention, self.attention_values)


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
