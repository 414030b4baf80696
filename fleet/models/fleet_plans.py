"""Fleet plans: each computation of what the pool needs next, kept with its instance and its report."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.messages import msg
from fleet.models.members import Member
from fleet.models.transitions import Transitions, checked


class PlanningStatus(str, enum.Enum):
    queued = "queued"       # stored, waiting for a worker
    running = "running"
    finished = "finished"   # the instance and the report are stored
    failed = "failed"       # `error` says why


PLAN_TRANSITIONS: Transitions = {
    PlanningStatus.queued: frozenset({PlanningStatus.running, PlanningStatus.failed}),
    # running again: a job delivered twice, or picked up after its worker was killed, starts over
    PlanningStatus.running: frozenset({PlanningStatus.running, PlanningStatus.finished, PlanningStatus.failed}),
}  # finished and failed are final


class PlanningRun(Base):
    """One fleet-planning computation, kept with the instance it ran on and its full report (JSON). It is
    stored queued and computed by a background job (app/jobs.py), which moves it to finished or failed."""

    __tablename__ = "planning_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[PlanningStatus] = mapped_column(Enum(PlanningStatus, native_enum=False, length=20),
                                                   default=PlanningStatus.queued)
    # the progress line, stored in English (a template of fleet/reporting/fleet_plans.py, translated when shown)
    progress: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit_seconds: Mapped[float] = mapped_column(Float)
    wall_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    requests_count: Mapped[int] = mapped_column(Integer, default=0)
    assets_count: Mapped[int] = mapped_column(Integer, default=0)
    # both None until the run has finished
    instance_json: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)

    started_by: Mapped[Member | None] = relationship()

    # --- transitions ---------------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in (PlanningStatus.queued, PlanningStatus.running)

    def _move_to(self, status: PlanningStatus) -> None:
        self.status = checked(PLAN_TRANSITIONS, self.status, status,
                              msg("This run is %(status)s; it has already been computed."))

    def start(self) -> None:
        self._move_to(PlanningStatus.running)

    def finish(self, finished_at: datetime) -> None:
        self._move_to(PlanningStatus.finished)
        self.finished_at = finished_at

    def fail(self, error: str, now: datetime) -> None:
        self._move_to(PlanningStatus.failed)
        self.error, self.finished_at = error[:2000], now
