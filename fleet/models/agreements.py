"""Lending agreements between pools: a pool (the lender) lends some of its categories to another pool's members
(the borrower), on the lender's tariff, within limits per borrowing member and, when agreed, only with the
lender's coordinators' approval of each booking.

The lender's coordinators offer an agreement, the borrower's accept it, either side ends it:
offered -> active -> ended (an offer can also be withdrawn or declined: offered -> ended). Only an active
agreement lets anyone book; an agreement never changes which pool an asset or a booking belongs to (the
lender's), so utilisation, impact and the open book count each booking once, for the lender."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Enum, ForeignKey, Integer, Table, false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.messages import msg
from fleet.models.catalogue import Category
from fleet.models.pools import Pool
from fleet.models.transitions import Transitions, checked


class AgreementStatus(str, enum.Enum):
    offered = "offered"
    active = "active"
    ended = "ended"


AGREEMENT_TRANSITIONS: Transitions = {
    AgreementStatus.offered: frozenset({AgreementStatus.active, AgreementStatus.ended}),
    AgreementStatus.active: frozenset({AgreementStatus.ended}),
    AgreementStatus.ended: frozenset(),
}

# The lender's categories an agreement covers.
lending_agreement_category = Table(
    "lending_agreement_category", Base.metadata,
    Column("agreement_id", ForeignKey("lending_agreement.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True, index=True),
)


class LendingAgreement(Base):
    """The lender pool lends the covered categories to the borrower pool's members. The limits have the shape of
    a category's fair-use limits (fleet.models.eligibility.CategoryLimits) and count per borrowing member and
    covered category, on top of the category's own."""

    __tablename__ = "lending_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    lender_pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    borrower_pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    status: Mapped[AgreementStatus] = mapped_column(Enum(AgreementStatus, native_enum=False, length=20),
                                                    default=AgreementStatus.offered)
    # Bookings by the borrower's members wait for a coordinator of the lender.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    max_at_once: Mapped[int | None] = mapped_column(Integer)
    max_hours_per_week: Mapped[int | None] = mapped_column(Integer)
    max_bookings_per_week: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lender: Mapped[Pool] = relationship(foreign_keys=[lender_pool_id])
    borrower: Mapped[Pool] = relationship(foreign_keys=[borrower_pool_id])
    categories: Mapped[list[Category]] = relationship(secondary=lending_agreement_category,
                                                      order_by=Category.name)

    @property
    def any(self) -> bool:
        """Whether any limit is set (as CategoryLimits.any)."""
        return any(v is not None for v in (self.max_at_once, self.max_hours_per_week, self.max_bookings_per_week))

    # --- transitions: the only places an agreement's status changes ---------------------------------------------

    def accept(self, by_id: int, now: datetime) -> None:
        self.status = checked(AGREEMENT_TRANSITIONS, self.status, AgreementStatus.active,
                              msg("This agreement is %(status)s, not offered."))
        self.accepted_by_id, self.accepted_at, self.updated_at = by_id, now, now

    def end(self, by_id: int, now: datetime) -> None:
        self.status = checked(AGREEMENT_TRANSITIONS, self.status, AgreementStatus.ended,
                              msg("This agreement is %(status)s already."))
        self.ended_by_id, self.ended_at, self.updated_at = by_id, now, now

    __table_args__ = (
        CheckConstraint("lender_pool_id <> borrower_pool_id", name="two_pools"),
        CheckConstraint("max_at_once IS NULL OR max_at_once >= 1", name="at_once_positive"),
        CheckConstraint("max_hours_per_week IS NULL OR max_hours_per_week >= 1", name="hours_positive"),
        CheckConstraint("max_bookings_per_week IS NULL OR max_bookings_per_week >= 1", name="bookings_positive"),
    )
