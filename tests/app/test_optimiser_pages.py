"""Coordinators run the optimiser from the web UI: start a run, watch it, compare its preview with first
come, first served, apply or discard; members cannot; flagged bookings are on the overview."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.models import Booking, FlexibleRequest, Notification, OptimiserRun, RequestStatus, Role, RunStatus
from fleet.allocation.optimiser_runs import create_run
from tests.helpers import at, login


@pytest.fixture
def sync_runs(app, monkeypatch):
    """Run the job in the request instead of a thread, so the tests see its outcome deterministically."""
    from app.jobs import run_optimiser

    started = []

    def start_run(run_id: int) -> str:
        started.append(run_id)
        run_optimiser(run_id, app)
        return "thread"

    monkeypatch.setattr("app.web.manage.optimiser.start_run", start_run)
    return started


def waitlisted(session, member, category, start, end, minutes, requires=None, created_at=None):
    """A request already on the waitlist (it arrived while nothing was free)."""
    created_at = created_at or utcnow()
    request = FlexibleRequest(member_id=member.id, category_id=category.id, requires=requires or {},
                              earliest_start=start, latest_end=end, duration_minutes=minutes,
                              status=RequestStatus.waitlisted, created_at=created_at, updated_at=created_at)
    session.add(request)
    session.flush()
    return request


@pytest.fixture
def crunch(make, session):
    """Both cars are free only 09:00-12:00 on day 3. First come, first served gives the seven seater to the
    first request (any car), leaving the second (needs 7 seats) unserved; the optimiser serves both."""
    hub = make.hub(name="Station", opening_hours="24/7")
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"},
                         min_duration_minutes=60, max_duration_minutes=1440)
    van = make.asset(cars, hub, name="Seven seater", capabilities={"seats": 7, "towbar": True})
    small = make.asset(cars, hub, name="Small car", capabilities={"seats": 4, "towbar": False})
    blocker = make.member(name="Blocker")
    for car in (van, small):
        make.booking(car, blocker, at(3, 0), at(3, 9))
        make.booking(car, blocker, at(3, 12), at(4, 0))
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    make.member(email="member@example.org")
    first, second = make.member(name="Fay"), make.member(name="Sam", email="sam@example.org")
    arrived = utcnow()
    any_car = waitlisted(session, first, cars, at(3, 9), at(3, 12), 180, created_at=arrived)
    needs_seven = waitlisted(session, second, cars, at(3, 9), at(3, 12), 180, requires={"seats": 7},
                             created_at=arrived + timedelta(minutes=1))
    session.commit()
    return dict(cars=cars, van=van, small=small, coordinator=coordinator, any_car=any_car, needs_seven=needs_seven,
                first=first, second=second)


def run_id(response) -> int:
    match = re.search(r"/manage/optimiser/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_coordinator_runs_previews_and_applies(client, session, crunch, sync_runs):
    login(client, "coord@example.org")
    page = client.get("/manage/optimiser").get_data(as_text=True)
    assert "No runs yet" in page and 'name="horizon_days"' in page and 'value="cpsat"' in page
    assert 'href="/manage/optimiser"' in client.get("/manage/").get_data(as_text=True)  # in the subnav

    r = client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5", "method": "cpsat"})
    assert r.status_code == 302
    rid = run_id(r)
    assert sync_runs == [rid]
    run = session.get(OptimiserRun, rid)
    assert run.status == RunStatus.preview and run.started_by_id == crunch["coordinator"].id
    assert (run.requests_count, run.served, run.fcfs_served) == (2, 2, 1)

    html = client.get(f"/manage/optimiser/{rid}").get_data(as_text=True)
    assert "Preview" in html and 'http-equiv="refresh"' not in html
    assert "Requests served (of 2)</th><td>2</td><td>1</td>" in html
    assert "<td>6.0 h</td><td>3.0 h</td>" in html and "+3.0 h" in html and "×2.00" in html
    assert "Total distance members to hubs" in html and "gap to the bound" in html
    assert 'action="/manage/optimiser/%d/apply"' % rid in html and 'action="/manage/optimiser/%d/discard"' % rid in html
    listing = client.get("/manage/optimiser").get_data(as_text=True)
    assert f"Run {rid}" in listing and "Cora" in listing and "2 (1)" in listing and "6.0 (3.0)" in listing
    assert session.scalar(select(func.count()).select_from(Booking)) == 4  # nothing booked yet

    r = client.post(f"/manage/optimiser/{rid}/apply", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Applied" in html and "2 bookings made" in html
    assert "Apply: book" not in html
    session.expire_all()
    any_car, needs_seven = (session.get(FlexibleRequest, crunch[k].id) for k in ("any_car", "needs_seven"))
    assert any_car.status == needs_seven.status == RequestStatus.assigned
    assert needs_seven.booking.asset_id == crunch["van"].id and any_car.booking.asset_id == crunch["small"].id
    assert session.get(OptimiserRun, rid).status == RunStatus.applied
    notes = session.scalars(select(Notification.member_id).where(Notification.kind == "request_assigned")).all()
    assert sorted(notes) == sorted([crunch["first"].id, crunch["second"].id])

    again = client.post(f"/manage/optimiser/{rid}/apply", follow_redirects=True).get_data(as_text=True)
    assert "only a preview can be applied" in again


def test_member_sees_the_assignment_after_apply(client, session, crunch, sync_runs):
    login(client, "coord@example.org")
    rid = run_id(client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5", "method": "cpsat"}))
    client.post(f"/manage/optimiser/{rid}/apply")
    login(client, "sam@example.org")
    html = client.get("/bookings").get_data(as_text=True)
    assert "Your request got Seven seater" in html
    page = client.get(f"/requests/{crunch['needs_seven'].id}").get_data(as_text=True)
    assert "The pool found you an asset" in page and "Seven seater" in page


def test_discard_books_nothing(client, session, crunch, sync_runs):
    login(client, "coord@example.org")
    rid = run_id(client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "3", "method": "greedy"}))
    r = client.post(f"/manage/optimiser/{rid}/discard", follow_redirects=True)
    assert "discarded" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(OptimiserRun, rid).status == RunStatus.discarded
    assert session.get(FlexibleRequest, crunch["any_car"].id).status == RequestStatus.waitlisted
    assert session.scalar(select(func.count()).select_from(Booking)) == 4


def test_run_page_refreshes_while_queued_and_shows_failures(client, session, crunch):
    queued = create_run(session, crunch["coordinator"], 7, utcnow(), time_limit=5)
    failed = create_run(session, crunch["coordinator"], 7, utcnow(), time_limit=5)
    failed.status, failed.error, failed.progress = RunStatus.failed, "RuntimeError: the solver fell over", "Failed"
    session.commit()
    login(client, "coord@example.org")
    html = client.get(f"/manage/optimiser/{queued.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and "Waiting for a worker" in html
    html = client.get(f"/manage/optimiser/{failed.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "the solver fell over" in html and "nothing was booked" in html
    listing = client.get("/manage/optimiser").get_data(as_text=True)
    assert "Waiting for a worker" in listing and "failed" in listing
    assert client.get("/manage/optimiser/99999").status_code == 404


@pytest.mark.parametrize("data,message", [
    ({"horizon_days": "0", "time_limit": "5", "method": "cpsat"}, "1 to 90 days"),
    ({"horizon_days": "91", "time_limit": "5", "method": "cpsat"}, "1 to 90 days"),
    ({"horizon_days": "abc", "time_limit": "5", "method": "cpsat"}, "not a whole number"),
    ({"horizon_days": "7", "time_limit": "", "method": "cpsat"}, "Enter a time limit"),
    ({"horizon_days": "7", "time_limit": "9999", "method": "cpsat"}, "1 to 600 seconds"),
    ({"horizon_days": "7", "time_limit": "5", "method": "magic"}, "cpsat or greedy"),
])
def test_bad_run_form_is_422_and_starts_nothing(client, session, crunch, sync_runs, data, message):
    login(client, "coord@example.org")
    r = client.post("/manage/optimiser", data=data)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert sync_runs == [] and session.scalar(select(func.count()).select_from(OptimiserRun)) == 0


def test_members_get_403(client, session, crunch, sync_runs):
    run = create_run(session, crunch["coordinator"], 7, utcnow(), time_limit=5)
    session.commit()
    assert client.get("/manage/optimiser").status_code == 302  # anonymous: log in first
    login(client, "member@example.org")
    assert client.get("/manage/optimiser").status_code == 403
    assert client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5"}).status_code == 403
    assert client.get(f"/manage/optimiser/{run.id}").status_code == 403
    assert client.post(f"/manage/optimiser/{run.id}/apply").status_code == 403
    assert client.post(f"/manage/optimiser/{run.id}/discard").status_code == 403
    assert sync_runs == [] and session.scalar(select(func.count()).select_from(OptimiserRun)) == 1


def test_overview_lists_bookings_that_need_attention(client, make, session, crunch):
    member = make.member(name="Nell Needy")
    flagged = make.booking(crunch["van"], member, at(5, 9), at(5, 12))
    flagged.attention = "Seven seater broke down and no equivalent asset is free."
    make.booking(crunch["small"], member, at(5, 9), at(5, 12))
    session.commit()
    login(client, "coord@example.org")
    html = client.get("/manage/").get_data(as_text=True)
    assert "Bookings re-planning could not move (1)" in html
    assert "Nell Needy" in html and "broke down" in html and f'href="/bookings/{flagged.id}"' in html


def test_coordinator_resolves_a_flagged_booking(client, app, make, session):
    from fleet.models import Booking, Notification, Role
    from tests.helpers import at, login

    hub = make.hub(opening_hours="24/7")
    car = make.asset(make.category(), hub, name="Flagged car")
    member = make.member(email="flagged@example.org")
    booking = make.booking(car, member, at(2, 9), at(2, 12))
    booking.attention = "Flagged car is unavailable (gearbox) and no equivalent asset is free."
    make.member(Role.coordinator, email="resolver@example.org")
    session.commit()
    login(client, "resolver@example.org")
    assert "gearbox" in client.get("/manage/").get_data(as_text=True)
    r = client.post(f"/manage/bookings/{booking.id}/resolve", data={"resolution": "You get the van instead."})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).attention == ""
    from sqlalchemy import select

    assert "van instead" in session.scalars(select(Notification).where(Notification.member_id == member.id)).one().text
    assert client.post(f"/manage/bookings/{booking.id}/resolve").status_code == 302  # not flagged: a flash, no 500


def test_a_run_whose_job_ended_silently_says_so_and_stops_refreshing(client, session, crunch):
    from datetime import timedelta

    from fleet.core.job_runs import STALL_GRACE

    recent = create_run(session, crunch["coordinator"], 7, utcnow(), time_limit=30)
    old = create_run(session, crunch["coordinator"], 7, utcnow() - timedelta(seconds=30) - STALL_GRACE
                     - timedelta(minutes=1), time_limit=30)
    old.status = RunStatus.running
    session.commit()
    login(client, "coord@example.org")
    html = client.get(f"/manage/optimiser/{recent.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "most likely stopped" not in html
    html = client.get(f"/manage/optimiser/{old.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "most likely stopped" in html
    session.refresh(old)
    assert old.status == RunStatus.running  # a page view changes nothing


def test_a_run_that_cannot_be_handed_over_fails_at_once_and_a_new_one_can_start(app, client, session, crunch,
                                                                                 sync_runs):
    """Redis down when the run is handed to the worker: the start answers (no 500), the run is recorded failed
    with the reason instead of waiting forever, the page shows it, and the next run starts normally."""
    import app.web.manage.optimiser as optimiser_pages
    from app.jobs import start_run

    login(client, "coord@example.org")
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(optimiser_pages, "start_run", start_run)  # the real hand-over, not sync_runs
            r = client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5", "method": "cpsat"})
    finally:
        app.config.update(REDIS_URL=None)
    assert r.status_code == 302
    rid = run_id(r)
    session.expire_all()
    run = session.get(OptimiserRun, rid)
    assert run.status == RunStatus.failed and "could not be started" in run.error and "ConnectionError" in run.error
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Run %d could not be started" % rid in html and "The run failed; nothing was booked." in html
    assert 'http-equiv="refresh"' not in html
    again = client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5", "method": "cpsat"})
    session.expire_all()
    assert session.get(OptimiserRun, run_id(again)).status == RunStatus.preview
