"""Bookings and the rule that no two holding bookings of one asset overlap."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text, column, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.catalogue import Asset
from fleet.models.members import Member


class BookingStatus(str, enum.Enum):
    pending = "pending"
    confirmed = "confirmed"
    checked_out = "checked_out"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"
    no_show = "no_show"


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
    )

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES

    def flag(self, template: str, **params) -> None:
        """Flag the booking for attention (see fleet/core/messages.py for templates and values)."""
        from fleet.core.messages import english, to_json

        if len(english(template, params)) > 300:  # the column's size; names are what can grow
            params = {name: (value[:60] if isinstance(value, str) else value) for name, value in params.items()}
        self.attention = template
        self.attention_params = to_json(params)

    def clear_attention(self) -> None:
        self.attention = ""
        self.attention_params = None

    @property
    def attention_values(self) -> dict:
        from fleet.core.messages import from_json

        return from_json(self.attention_params)

    @property
    def attention_text(self) -> str:
        """The attention note in English."""
        from fleet.core.messages import english

        return english(self.attention, self.attention_values)
