"""Tariffs (what using an asset costs, set per category or per asset) and the price a booking showed.

A tariff belongs to a category or to one asset (exactly one of the two); an asset's own tariff overrides its
category's. Rates are integer minor units of the tariff's currency; a rate left empty is not charged.
A booking keeps the terms and the price it showed when it was made (`BookingPrice`): a later tariff change
never changes it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.pricing import TariffTerms
from fleet.models.catalogue import Asset, Category

RATE_COLUMNS = ("per_hour_minor", "per_day_minor", "per_km_minor", "per_engine_hour_minor", "minimum_minor",
                "deposit_minor", "late_fee_per_hour_minor", "no_show_fee_minor")


class Tariff(Base):
    __tablename__ = "tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), unique=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    per_hour_minor: Mapped[int | None] = mapped_column(Integer)
    per_day_minor: Mapped[int | None] = mapped_column(Integer)
    per_km_minor: Mapped[int | None] = mapped_column(Integer)
    per_engine_hour_minor: Mapped[int | None] = mapped_column(Integer)
    minimum_minor: Mapped[int | None] = mapped_column(Integer)
    deposit_minor: Mapped[int | None] = mapped_column(Integer)
    late_fee_per_hour_minor: Mapped[int | None] = mapped_column(Integer)
    late_grace_minutes: Mapped[int] = mapped_column(Integer, default=0)
    no_show_fee_minor: Mapped[int | None] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship()
    asset: Mapped[Asset | None] = relationship()

    __table_args__ = (
        CheckConstraint("(category_id IS NULL) <> (asset_id IS NULL)", name="one_scope"),
        CheckConstraint("late_grace_minutes BETWEEN 0 AND 1440", name="grace_range"),
        *(CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c.removesuffix('_minor')}_nonnegative")
          for c in RATE_COLUMNS),
    )

    def terms(self) -> TariffTerms:
        return TariffTerms(currency=self.currency, late_grace_minutes=self.late_grace_minutes or 0,
                           **{c: getattr(self, c) for c in RATE_COLUMNS})


class BookingPrice(Base):
    """The price a booking showed when it was made, with the tariff terms it was computed from; its charge at
    check-in uses these terms, whatever the tariff says by then."""

    __tablename__ = "booking_price"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    computation: Mapped[str] = mapped_column(String(500))
    terms: Mapped[dict] = mapped_column(JSON)
    quoted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),)

    def tariff_terms(self) -> TariffTerms:
        return TariffTerms.from_dict(self.terms)
