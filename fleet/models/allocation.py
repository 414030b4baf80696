"""Flexible requests ("a car with 5 seats, 3 hours, some time on Saturday"), and optimiser runs."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.models.bookings import Booking
from fleet.models.catalogue import Asset, Category
from fleet.core.messages import msg
from fleet.models.members import Member
from fleet.models.transitions import Transitions, checked


class RequestStatus(str, enum.Enum):
    waitlisted = "waitlisted"   # open: nothing fits yet; the optimiser keeps trying
    assigned = "assigned"       # a booking holds an asset for it
    cancelled = "cancelled"     # withdrawn by the member (or its booking was cancelled)
    expired = "expired"         # its window passed while waitlisted


REQUEST_TRANSITIONS: Transitions = {
    RequestStatus.waitlisted: frozenset({RequestStatus.assigned, RequestStatus.cancelled, RequestStatus.expired}),
    RequestStatus.assigned: frozenset({RequestStatus.cancelled}),
}  # cancelled and expired are final; an assigned request whose booking moves stays assigned


class FlexibleRequest(Base):
    __tablename__ = "flexible_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    requires: Mapped[dict] = mapped_column(JSON, default=dict)
    # The asset types that will do ("jigsaw", or "jigsaw" and "scroll saw"); None or empty: any type.
    asset_types: Mapped[list | None] = mapped_column(JSON)
    earliest_start: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_end: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    max_distance_km: Mapped[float | None] = mapped_column(Float)
    preferred_asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    status: Mapped[RequestStatus] = mapped_column(Enum(RequestStatus, native_enum=False, length=20),
                                                  default=RequestStatus.waitlisted, index=True)
    waitlist_reason: Mapped[str] = mapped_column(String(300), default="")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    category: Mapped[Category] = relationship()
    preferred_asset: Mapped[Asset | None] = relationship()
    booking: Mapped[Booking | None] = relationship()

    # --- transitions ---------------------------------------------------------------------------------------------

    def _move_to(self, status: RequestStatus, now: datetime) -> None:
        self.status = checked(REQUEST_TRANSITIONS, self.status, status, msg("This request is already %(status)s."))
        self.updated_at = now

    def assign(self, booking: Booking, now: datetime) -> None:
        """A booking now holds an asset for this request."""
        self._move_to(RequestStatus.assigned, now)
        self.booking_id, self.booking, self.waitlist_reason = booking.id, booking, ""

    def cancel(self, now: datetime) -> None:
        """Withdrawn by the member, or its booking stopped holding the slot."""
        self._move_to(RequestStatus.cancelled, now)

    def expire(self, now: datetime) -> None:
        """Its window passed while it waited."""
        self._move_to(RequestStatus.expired, now)

    __table_args__ = (
        CheckConstraint("latest_end > earliest_start", name="window_positive"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )


class RunStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    preview = "preview"     # solved; waiting for a coordinator to apply or discard
    applied = "applied"
    discarded = "discarded"
    failed = "failed"


RUN_TRANSITIONS: Transitions = {
    RunStatus.queued: frozenset({RunStatus.running, RunStatus.failed}),
    # running again: a job delivered twice, or picked up after its worker was killed, starts over
    RunStatus.running: frozenset({RunStatus.running, RunStatus.preview, RunStatus.failed}),
    RunStatus.preview: frozenset({RunStatus.applied, RunStatus.discarded}),
}  # applied, discarded and failed are final


class OptimiserRun(Base):
    """One batch run of the optimiser, kept for the record: who, when, sizes, parameters, outcome."""

    __tablename__ = "optimiser_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    horizon_start: Mapped[datetime] = mapped_column(UTCDateTime)
    horizon_end: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20), default="cpsat")
    time_limit_seconds: Mapped[float] = mapped_column(Float, default=30.0)
    status: Mapped[RunStatus] = mapped_column(Enum(RunStatus, native_enum=False, length=20), default=RunStatus.queued)
    progress: Mapped[str] = mapped_column(String(300), default="")
    requests_count: Mapped[int] = mapped_column(Integer, default=0)
    assets_count: Mapped[int] = mapped_column(Integer, default=0)
    bookings_count: Mapped[int] = mapped_column(Integer, default=0)
    solver_status: Mapped[str] = mapped_column(String(20), default="")
    served: Mapped[int] = mapped_column(Integer, default=0)
    served_hours: Mapped[float] = mapped_column(Float, default=0.0)
    weighted_hours: Mapped[float] = mapped_column(Float, default=0.0)
    bound_weighted_hours: Mapped[float | None] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    fcfs_served: Mapped[int] = mapped_column(Integer, default=0)
    fcfs_served_hours: Mapped[float] = mapped_column(Float, default=0.0)
    fcfs_weighted_hours: Mapped[float] = mapped_column(Float, default=0.0)
    fcfs_distance_km: Mapped[float] = mapped_column(Float, default=0.0)
    wall_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    applied_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    # The solution to apply, as the scheduler's solution JSON: kept so a preview can be applied later.
    solution_json: Mapped[str | None] = mapped_column(Text)
    # First come, first served on the same snapshot, kept to say per request how the run differs from it.
    fcfs_solution_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text, default="")

    started_by: Mapped[Member | None] = relationship()

    # --- transitions ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.status = checked(RUN_TRANSITIONS, self.status, RunStatus.running,
                              msg("This run is %(status)s; it has already been computed."))

    def to_preview(self, now: datetime) -> None:
        self.status = checked(RUN_TRANSITIONS, self.status, RunStatus.preview,
                              msg("This run is %(status)s; it has already been computed."))
        self.finished_at = now

    def apply(self, now: datetime) -> None:
        self.status = checked(RUN_TRANSITIONS, self.status, RunStatus.applied,
                              msg("This run is %(status)s; only a preview can be applied."))
        self.applied_at = now

    def discard(self) -> None:
        self.status = checked(RUN_TRANSITIONS, self.status, RunStatus.discarded,
                              msg("This run is %(status)s; only a preview can be discarded."))

    @property
    def is_open(self) -> bool:
        return self.status in (RunStatus.queued, RunStatus.running)

    def fail(self, error: str, now: datetime) -> None:
        """Record why the computation stopped; a run that already ended keeps its outcome."""
        self.status = checked(RUN_TRANSITIONS, self.status, RunStatus.failed,
                              msg("This run is %(status)s; it has already been computed."))
        self.error, self.finished_at = error[:2000], now


