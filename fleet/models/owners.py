"""Members' own things in the pool: who owns an item, when it may be borrowed (weekly windows in the owner's
zone plus dated exceptions), whether the owner approves bookings, the owner's share of each charge, both
parties' handover confirmations, and the reimbursements credited to owners."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.catalogue import Asset
from fleet.models.members import Member


class ApprovalMode(str, enum.Enum):
    every_booking = "every_booking"   # the owner approves each booking
    first_time = "first_time"         # only a member who has not borrowed from this owner before
    none = "none"                     # bookings are confirmed at once


class ExceptionKind(str, enum.Enum):
    available = "available"       # available on top of the weekly windows
    unavailable = "unavailable"   # not available although a weekly window says so (away, lent elsewhere)
    owner_use = "owner_use"       # the owner uses it themselves: comes before any borrower


class OwnedItem(Base):
    """An asset a member owns and lends to the pool. The asset row is the ordinary one (searched, booked,
    optimised, counted); this row says whose it is and on what terms."""

    __tablename__ = "owned_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    approval_mode: Mapped[ApprovalMode] = mapped_column(Enum(ApprovalMode, native_enum=False, length=20),
                                                        default=ApprovalMode.first_time)
    # The owner's share of each charge on the item, in whole percent, within the pool's bounds.
    owner_share_percent: Mapped[int] = mapped_column(Integer, default=70)
    # The zone the weekly windows are read in (the item's place).
    timezone: Mapped[str] = mapped_column(String(64))
    # True when the item is kept at the owner's own place (a hub made for it) rather than a pool hub.
    at_owner_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asset: Mapped[Asset] = relationship()
    owner: Mapped[Member] = relationship()
    windows: Mapped[list["AvailabilityWindow"]] = relationship(
        back_populates="item", cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)")
    exceptions: Mapped[list["AvailabilityException"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AvailabilityException.start_at")

    __table_args__ = (
        CheckConstraint("owner_share_percent BETWEEN 0 AND 100", name="share_range"),
    )


class AvailabilityWindow(Base):
    """A weekly window when the item may be borrowed: weekday (0 Monday) and minutes after local midnight,
    half-open [start_minute, end_minute)."""

    __tablename__ = "availability_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    owned_item_id: Mapped[int] = mapped_column(ForeignKey("owned_item.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    item: Mapped[OwnedItem] = relationship(back_populates="windows")

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute",
                        name="minutes_range"),
    )


class AvailabilityException(Base):
    """A dated exception to the weekly windows, [start_at, end_at) in UTC."""

    __tablename__ = "availability_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    owned_item_id: Mapped[int] = mapped_column(ForeignKey("owned_item.id"), index=True)
    kind: Mapped[ExceptionKind] = mapped_column(Enum(ExceptionKind, native_enum=False, length=20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[OwnedItem] = relationship(back_populates="exceptions")

    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)


class OwnerShareBounds(Base):
    """The bounds the pool sets on owners' shares (one row; none: the defaults in fleet.owners)."""

    __tablename__ = "owner_share_bounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    min_percent: Mapped[int] = mapped_column(Integer)
    max_percent: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("min_percent >= 0 AND max_percent <= 100 AND max_percent >= min_percent",
                        name="bounds_range"),
    )


class HandoverConfirmation(Base):
    """One party's confirmation of a check-out or check-in of a member-owned item: owner and borrower both
    confirm, and the handover takes effect on the second."""

    __tablename__ = "handover_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # check_out or check_in
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("booking_id", "kind", "member_id", name="uq_handover_confirmation_once"),
    )


class OwnerReimbursement(Base):
    """The owner's share of one charge, credited once: the unique key is the charge (booking, instant,
    amount) as the charge_posted signal names it."""

    __tablename__ = "owner_reimbursement"

    id: Mapped[int] = mapped_column(primary_key=True)
    owned_item_id: Mapped[int] = mapped_column(ForeignKey("owned_item.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    charge_minor: Mapped[int] = mapped_column(Integer)
    charged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))

    __table_args__ = (
        UniqueConstraint("booking_id", "charged_at", "charge_minor", name="uq_owner_reimbursement_charge"),
    )
