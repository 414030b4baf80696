"""The demo community shows the optimiser at work on a first run (open flexible requests that first come,
first served cannot all serve), its assets carry types, and its fleet plan keeps a band saw apart from a
lathe."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from fleet.allocation import optimiser_runs, run_preview
from fleet.allocation import scheduling_adapter as adapter
from fleet.core.db import metadata
from fleet.demo import COORDINATOR_EMAIL, load_demo
from fleet.models import Asset, Category, FlexibleRequest, Member, RequestStatus
from scheduling.fleet_plan import plan

NOW = datetime(2026, 3, 20, 10, 17, 45, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    session = Session(engine)
    load_demo(session, NOW)
    session.commit()
    yield session
    session.close()


def test_every_demo_asset_has_a_type(demo):
    assert all(a.asset_type for a in demo.scalars(select(Asset)))
    assert demo.scalar(select(Asset).where(Asset.name == "Band saw")).asset_type == "band saw"


def test_the_first_run_serves_more_than_first_come_first_served_and_applies(demo):
    coordinator = demo.scalar(select(Member).where(Member.email == COORDINATOR_EMAIL))
    waiting = list(demo.scalars(select(FlexibleRequest).where(FlexibleRequest.status == RequestStatus.waitlisted)))
    assert len(waiting) == 6 and all(r.asset_types for r in waiting)
    later = NOW + timedelta(hours=20)  # a newcomer opens the demo the next day
    run = optimiser_runs.create_run(demo, coordinator, 14, later, time_limit=10)
    optimiser_runs.execute_run(demo, run.id, later)
    assert (run.requests_count, run.served, run.fcfs_served) == (6, 6, 3)
    counts = run_preview.change_counts(run_preview.preview_rows(demo, coordinator, run.id))
    assert counts["gained"] == 3 and counts["lost"] == 0
    optimiser_runs.apply_run(demo, coordinator, run.id, later)
    assert run.applied_count == 6 and run.skipped_count == 0
    demo.rollback()


def test_the_workshop_plan_keeps_each_kind_of_machine(demo):
    workshop = demo.scalar(select(Category).where(Category.name == "Workshop equipment"))
    problem = adapter.planning_problem(demo, NOW - timedelta(days=28), NOW)
    ids = {a.id for a in problem.assets if a.category == str(workshop.id)}
    sub = dataclasses.replace(problem, assets=tuple(a for a in problem.assets if a.id in ids),
                              requests=tuple(r for r in problem.requests if r.category == str(workshop.id)),
                              bookings=tuple(b for b in problem.bookings if b.asset in ids))
    fewest = plan(sub, time_limit=30)["categories"][0]["fewest"]
    assert fewest["fleet"] == 10 and fewest["needed"] == 10  # ten machines of ten kinds: none is surplus
