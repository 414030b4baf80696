"""Open-book costs: what each asset costs beyond its purchase and each member's ledger of fees, charges,
adjustments and payments.

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


class LedgerKind(str, enum.Enum):
    fee = "fee"                # the member owes this (a usage fee, a damage share), recorded by hand
    payment = "payment"        # the member paid this
    charge = "charge"          # a booking's charge, posted at check-in or as a no-show fee, with its computation
    adjustment = "adjustment"  # a coordinator's correction of a charge, with its reason; signed (negative: refund)
    owner_reimbursement = "owner_reimbursement"  # a credit: the owner's share of a charge on their item


def signed_minor(kind: LedgerKind, amount_minor: int) -> int:
    """What an entry adds to the member's balance (what they owe): payments and owners' reimbursements count
    against it."""
    return -amount_minor if kind in (LedgerKind.payment, LedgerKind.owner_reimbursement) else amount_minor


class LedgerEntry(Base):
    """A line in a member's ledger: fees and payments recorded by a coordinator, charges posted at check-in and
    their adjustments. The balance is fees plus charges plus adjustments minus payments. A charge is never
    changed: a correction is a new adjustment entry pointing at it."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
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
    # How a charge was computed, in plain figures ("3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR").
    computation: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Set on a booking's one charge only: the unique constraint makes two check-ins post one charge.
    charged_booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), unique=True)
    # An adjustment names the charge it corrects.
    adjusts_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), index=True)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    category: Mapped[Category | None] = relationship()
    booking: Mapped[Booking | None] = relationship(foreign_keys=[booking_id])
    adjusts: Mapped[LedgerEntry | None] = relationship(remote_side=[id])

    __table_args__ = (CheckConstraint("amount_minor > 0 OR (kind = 'adjustment' AND amount_minor <> 0)",
                                      name="amount_sign"),)

    @property
    def signed_minor(self) -> int:
        return signed_minor(self.kind, self.amount_minor)




