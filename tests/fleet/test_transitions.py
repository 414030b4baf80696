"""Status changes go through the models' transition methods, which refuse every move their table does not
allow, and no service assigns a status of these aggregates directly."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fleet.core.errors import Conflict
from fleet.models import (
    Booking, BookingStatus, FlexibleRequest, OptimiserRun, PlanningRun, PlanningStatus, RequestStatus, RunStatus,
)
from fleet.models.allocation import REQUEST_TRANSITIONS, RUN_TRANSITIONS
from fleet.models.bookings import BOOKING_TRANSITIONS
from fleet.models.fleet_plans import PLAN_TRANSITIONS

NOW = datetime(2031, 3, 1, 9, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]

BOOKING_METHODS = {
    BookingStatus.cancelled: lambda b: b.cancel(NOW),
    BookingStatus.confirmed: lambda b: b.approve(1, NOW, "ok"),
    BookingStatus.rejected: lambda b: b.reject(1, NOW, "no"),
    BookingStatus.checked_out: lambda b: b.check_out(),
    BookingStatus.completed: lambda b: b.complete(),
    BookingStatus.no_show: lambda b: b.release_as_no_show(NOW),
}


@pytest.mark.parametrize("start", list(BookingStatus))
@pytest.mark.parametrize("target", list(BOOKING_METHODS))
def test_a_booking_moves_only_where_its_table_allows(start, target):
    booking = Booking(status=start)
    allowed = target in BOOKING_TRANSITIONS.get(start, ())
    if allowed:
        BOOKING_METHODS[target](booking)
        assert booking.status == target
    else:
        with pytest.raises(Conflict) as refused:
            BOOKING_METHODS[target](booking)
        assert booking.status == start
        assert start.value.replace("_", " ") in refused.value.message


def test_final_booking_states_have_no_way_out():
    for final in (BookingStatus.completed, BookingStatus.cancelled, BookingStatus.rejected, BookingStatus.no_show):
        assert not BOOKING_TRANSITIONS.get(final)


def test_a_decision_records_who_when_and_why():
    booking = Booking(status=BookingStatus.pending)
    booking.reject(7, NOW, "  not this week  ")
    assert (booking.decided_by_id, booking.decided_at, booking.decision_reason) == (7, NOW, "not this week")


def test_setting_a_booking_aside_gives_back_its_status_and_nothing_else():
    booking = Booking(status=BookingStatus.pending)
    was = booking.set_aside()
    assert booking.status == BookingStatus.cancelled
    booking.resume(was)
    assert booking.status == BookingStatus.pending
    with pytest.raises(Conflict):
        Booking(status=BookingStatus.checked_out).set_aside()
    with pytest.raises(Conflict):
        Booking(status=BookingStatus.cancelled).resume(BookingStatus.checked_out)


REQUEST_METHODS = {
    RequestStatus.assigned: lambda r: r.assign(Booking(id=3, status=BookingStatus.confirmed), NOW),
    RequestStatus.cancelled: lambda r: r.cancel(NOW),
    RequestStatus.expired: lambda r: r.expire(NOW),
}


@pytest.mark.parametrize("start", list(RequestStatus))
@pytest.mark.parametrize("target", list(REQUEST_METHODS))
def test_a_request_moves_only_where_its_table_allows(start, target):
    request = FlexibleRequest(status=start)
    if target in REQUEST_TRANSITIONS.get(start, ()):
        REQUEST_METHODS[target](request)
        assert request.status == target and request.updated_at == NOW
    else:
        with pytest.raises(Conflict):
            REQUEST_METHODS[target](request)
        assert request.status == start


RUN_METHODS = {
    RunStatus.running: lambda r: r.start(),
    RunStatus.preview: lambda r: r.to_preview(NOW),
    RunStatus.applied: lambda r: r.apply(NOW),
    RunStatus.discarded: lambda r: r.discard(),
    RunStatus.failed: lambda r: r.fail("worker lost", NOW),
}


@pytest.mark.parametrize("start", list(RunStatus))
@pytest.mark.parametrize("target", list(RUN_METHODS))
def test_an_optimiser_run_moves_only_where_its_table_allows(start, target):
    run = OptimiserRun(status=start)
    if target in RUN_TRANSITIONS.get(start, ()):
        RUN_METHODS[target](run)
        assert run.status == target
    else:
        with pytest.raises(Conflict):
            RUN_METHODS[target](run)
        assert run.status == start


PLAN_METHODS = {
    PlanningStatus.running: lambda r: r.start(),
    PlanningStatus.finished: lambda r: r.finish(NOW),
    PlanningStatus.failed: lambda r: r.fail("worker lost", NOW),
}


@pytest.mark.parametrize("start", list(PlanningStatus))
@pytest.mark.parametrize("target", list(PLAN_METHODS))
def test_a_fleet_plan_moves_only_where_its_table_allows(start, target):
    run = PlanningRun(status=start)
    if target in PLAN_TRANSITIONS.get(start, ()):
        PLAN_METHODS[target](run)
        assert run.status == target
    else:
        with pytest.raises(Conflict):
            PLAN_METHODS[target](run)
        assert run.status == start


ASSIGNMENT = re.compile(r"\.status\s*(,[^=\n]*)?=\s*(\w+\s*,\s*)*(BookingStatus|RequestStatus|RunStatus|PlanningStatus)\.")


def test_no_module_outside_the_models_assigns_these_statuses():
    offenders = []
    for path in [*(ROOT / "fleet").rglob("*.py"), *(ROOT / "app").rglob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        # The demo writes a made-up history (past bookings already completed or no-shows): data, not a service.
        if rel.startswith("fleet/models/") or rel == "fleet/demo.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ASSIGNMENT.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_the_guard_recognises_an_assignment():
    assert ASSIGNMENT.search("    booking.status = BookingStatus.cancelled")
    assert ASSIGNMENT.search("    run.status, run.finished_at = RunStatus.preview, now")
    assert not ASSIGNMENT.search("    if booking.status == BookingStatus.pending:")
