"""Open-book costs: what each asset costs beyond its purchase, the usage fee of a category, each member's
ledger of fees and payments.

Money is always an integer number of minor units (cents) with its ISO 4217 currency, never a float.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.bookings import Booking
from fleet.models.catalogue import Asset, Category
from fleet.models.members import Member


class CostKind(str, enum.Enum):
    maintenance = "maintenance"
    repair = "repair"
    insurance = "insurance"
    yearly = "yearly"        # other yearly costs: road tax, inspection, storage rent
    other = "other"


class CostRecord(Base):
    """One cost of one asset, on the day it was incurred."""

    __tablename__ = "cost_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    kind: Mapped[CostKind] = mapped_column(Enum(CostKind, native_enum=False, length=20))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    incurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[Asset] = relationship()

    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),
        Index("ix_cost_record_incurred_on", "incurred_on"),
    )


class CategoryFee(Base):
    """A category's usage fee for cost recovery: per hour of use, per km, or both; none set means free."""

    __tablename__ = "category_fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    per_hour_minor: Mapped[int | None] = mapped_column(Integer)
    per_km_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()

    __table_args__ = (
        CheckConstraint("per_hour_minor IS NULL OR per_hour_minor >= 0", name="per_hour_nonnegative"),
        CheckConstraint("per_km_minor IS NULL OR per_km_minor >= 0", name="per_km_nonnegative"),
    )


class LedgerKind(str, enum.Enum):
    fee = "fee"            # the member owes this (a usage fee, a damage share)
    payment = "payment"    # the member paid this
    owner_reimbursement = "owner_reimbursement"  # a credit: the owner's share of a charge on their item


class LedgerEntry(Base):
    """A line in a member's ledger, recorded by a coordinator; the balance is fees minus payments."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(Enum(LedgerKind, native_enum=False, length=20))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    entry_date: Mapped[date] = mapped_column(Date)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    category: Mapped[Category | None] = relationship()
    booking: Mapped[Booking | None] = relationship()

    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)




