"""Who may book what: qualifications a category requires and the members who hold them, per-category
fair-use limits per member, and the pool's choice to approve new accounts before their first booking."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.catalogue import Category
from fleet.models.members import Member


class Qualification(Base):
    """Something a coordinator checks before a member may use a kind of asset ("driving licence checked",
    "chainsaw induction"); `how_to_get` is what a member without it is told."""

    __tablename__ = "qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    how_to_get: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CategoryQualification(Base):
    """A category requires a qualification: every one a category requires must be held."""

    __tablename__ = "category_qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualification.id"), index=True)

    category: Mapped[Category] = relationship()
    qualification: Mapped[Qualification] = relationship()

    __table_args__ = (UniqueConstraint("category_id", "qualification_id",
                                       name="uq_category_qualification_category_id_qualification_id"),)


class QualificationGrant(Base):
    """A member holds a qualification, granted by a coordinator, valid through `expires_on` (a date in the
    hub's zone; None: no expiry) unless revoked. One row per member and qualification: granting again
    renews it."""

    __tablename__ = "qualification_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualification.id"), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    qualification: Mapped[Qualification] = relationship()

    def valid_on(self, day: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or day <= self.expires_on)

    __table_args__ = (UniqueConstraint("member_id", "qualification_id",
                                       name="uq_qualification_grant_member_id_qualification_id"),)


class CategoryLimits(Base):
    """Fair use per member in one category (None: no limit): bookings held at the same time, and hours or
    bookings per calendar week (Monday to Sunday in the asset's hub's zone)."""

    __tablename__ = "category_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    max_at_once: Mapped[int | None] = mapped_column(Integer)
    max_hours_per_week: Mapped[int | None] = mapped_column(Integer)
    max_bookings_per_week: Mapped[int | None] = mapped_column(Integer)

    category: Mapped[Category] = relationship()

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.max_at_once, self.max_hours_per_week, self.max_bookings_per_week))

    __table_args__ = (
        CheckConstraint("max_at_once IS NULL OR max_at_once >= 1", name="at_once_positive"),
        CheckConstraint("max_hours_per_week IS NULL OR max_hours_per_week >= 1", name="hours_positive"),
        CheckConstraint("max_bookings_per_week IS NULL OR max_bookings_per_week >= 1", name="bookings_positive"),
    )


class AccessSettings(Base):
    """The pool's access rules: one row (id 1); no row means the defaults."""

    __tablename__ = "access_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # New accounts (signed up as members) book only once a coordinator has approved them.
    approve_new_accounts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
