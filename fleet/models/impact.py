"""A coordinator's choice of impact factors for a category: which row of the shipped factor table applies,
and any values they override (each shown as an override, with their note)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.catalogue import Category


class CategoryImpactFactors(Base):
    __tablename__ = "category_impact_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    # A key of fleet/reporting/data/impact_factors.csv, or None: this category is not counted.
    factor_key: Mapped[str | None] = mapped_column(String(60))
    # {"energy_mj": [low, central, high], ...} for the fields the coordinator replaced.
    overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()
