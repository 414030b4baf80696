"""Pools: one installation runs several pools (a tool library, a machinery co-op, a cargo-bike pool), each with
its own hubs, categories, rules, coordinators, governance and open book. A member belongs to any number of
pools; a pool's coordinators are its memberships with the coordinator role.

Where the pool lives: `pool_id` is a column of hubs, categories, qualifications, the decision rules, proposals,
optimiser and planning runs and ledger entries; everything else derives its pool from one parent (an asset and
what hangs off it from its category, whose pool its hub shares; a booking from its asset; a request from its
category; a vote from its proposal). docs/architecture.md has the rule."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.members import Member

DEFAULT_POOL_SLUG = "default"


class PoolRole(str, enum.Enum):
    member = "member"
    coordinator = "coordinator"


class Pool(Base):
    """One community's pool: its own hubs, categories, coordinators and books."""

    __tablename__ = "pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    # In URLs and forms: lower-case letters, digits and hyphens (fleet.members.pools checks it).
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Anonymous visitors search the public pools' catalogues.
    public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["PoolMembership"]] = relationship(back_populates="pool", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Pool {self.id} {self.slug}>"


class PoolMembership(Base):
    """A member belongs to a pool, as a member or as one of its coordinators."""

    __tablename__ = "pool_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    role: Mapped[PoolRole] = mapped_column(Enum(PoolRole, native_enum=False, length=20), default=PoolRole.member)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pool: Mapped[Pool] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship(back_populates="pool_memberships")

    __table_args__ = (UniqueConstraint("pool_id", "member_id", name="uq_pool_membership_pool_id_member_id"),)
