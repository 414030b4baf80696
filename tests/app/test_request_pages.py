"""Members ask flexibly from the web UI: assigned at once or waitlisted with a reason and a place in the
queue; bad input writes nothing; requests are private; the allocation rules are public; notifications."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.allocation.fair_share import __doc__ as FAIR_SHARE_DOC
from fleet.allocation.flexible_requests import REASON_ALL_BUSY, REASON_NOTHING_ELIGIBLE, RequestInput, submit_request
from fleet.models import Booking, BookingStatus, FlexibleRequest, Notification, RequestStatus
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")  # the test app's DEFAULT_TIMEZONE: request windows are typed in it


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station hub", lat=52.09, lon=5.12, opening_hours="24/7")
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"},
                         min_duration_minutes=60, max_duration_minutes=1440)
    van = make.asset(cars, hub, name="Seven seater", capabilities={"seats": 7, "towbar": True})
    me = make.member(email="me@example.org", name="Mia", home_lat=52.10, home_lon=5.10)
    other = make.member(email="other@example.org", name="Olle", home_lat=52.09, home_lon=5.12)
    session.commit()
    return dict(hub=hub, cars=cars, van=van, me=me, other=other)


def form(pool, **changes) -> dict:
    data = {"category_id": pool["cars"].id, "earliest_start": local_input(at(2, 8)),
            "latest_end": local_input(at(2, 18)), "duration_h": "3", "duration_m": "0", "cap_seats": "5",
            "cap_towbar": "no", "max_distance_km": "", "lat": "", "lon": "", "preferred_asset_id": "",
            "note": "moving a sofa"}
    data.update(changes)
    return data


def request_id(response) -> int:
    match = re.search(r"/requests/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_form_asks_for_the_category_first_then_its_capabilities(client, pool):
    login(client, "me@example.org")
    html = client.get("/requests/new").get_data(as_text=True)
    assert "First choose what you need" in html and 'name="cap_seats"' not in html
    assert 'href="/how-allocation-works"' in html
    html = client.get("/requests/new", query_string={"category": pool["cars"].id}).get_data(as_text=True)
    assert 'name="cap_seats"' in html and 'name="cap_towbar"' in html
    assert "Seats, at least" in html and 'type="hidden" name="cap_towbar" value="no"' in html
    assert 'type="datetime-local"' in html and "Europe/Amsterdam" in html
    assert f'<option value="{pool["van"].id}"' in html  # the category's assets, to prefer one
    r = client.get("/requests/new", query_string={"category": "99999"})
    assert r.status_code == 400 and "No such category" in r.get_data(as_text=True)


def test_nav_links_for_members(client, pool):
    assert "Ask flexibly" not in client.get("/assets").get_data(as_text=True)
    login(client, "me@example.org")
    html = client.get("/assets").get_data(as_text=True)
    assert 'href="/requests/new"' in html and 'href="/requests"' in html


def test_login_required(client, pool):
    r = client.get("/requests/new")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_submit_from_the_form_and_get_assigned(client, session, pool):
    login(client, "me@example.org")
    r = client.post("/requests/new", data=form(pool))
    assert r.status_code == 302
    rid = request_id(r)
    flexible = session.get(FlexibleRequest, rid)
    assert flexible.status == RequestStatus.assigned and flexible.member_id == pool["me"].id
    assert flexible.requires == {"seats": 5} and flexible.note == "moving a sofa"
    assert (flexible.lat, flexible.lon) == (52.10, 5.10)  # home by default
    booking = flexible.booking
    assert booking.asset_id == pool["van"].id and booking.end_at - booking.start_at == timedelta(hours=3)
    assert at(2, 8) <= booking.start_at and booking.end_at <= at(2, 18)

    html = client.get(f"/requests/{rid}").get_data(as_text=True)
    assert "Seven seater" in html and "Station hub" in html
    assert booking.start_at.astimezone(AMS).strftime("%a %d %b %Y %H:%M") in html  # hub-local
    assert f'href="/bookings/{booking.id}"' in html
    assert re.search(r"\d+\.\d km from home", html)
    assert "Withdraw this request" in html
    listing = client.get("/requests").get_data(as_text=True)
    assert "assigned" in listing and "Seven seater" in listing and f'href="/bookings/{booking.id}"' in listing


def test_preferred_asset_and_a_point_instead_of_home(client, make, session, pool):
    second = make.asset(pool["cars"], pool["hub"], name="Second seven seater", capabilities={"seats": 7})
    session.commit()
    login(client, "me@example.org")
    r = client.post("/requests/new", data=form(pool, preferred_asset_id=str(second.id), lat="52.09", lon="5.12",
                                               max_distance_km="3"))
    flexible = session.get(FlexibleRequest, request_id(r))
    assert flexible.booking.asset_id == second.id and (flexible.lat, flexible.lon) == (52.09, 5.12)
    assert "0.0 km from the point given" in client.get(f"/requests/{flexible.id}").get_data(as_text=True)


def test_waitlisted_shows_reason_and_place_in_queue(client, make, session, pool):
    make.booking(pool["van"], pool["other"], at(2, 0), at(3, 0))
    first = submit_request(session, pool["other"], RequestInput(
        category_id=pool["cars"].id, earliest_start=at(2, 9), latest_end=at(2, 15), duration_minutes=120,
        requires={}), utcnow())
    session.commit()
    assert first.status == RequestStatus.waitlisted
    login(client, "me@example.org")
    r = client.post("/requests/new", data=form(pool), follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "On the waitlist" in html and REASON_ALL_BUSY in html
    assert "Your place in the queue: <strong>2</strong>" in html
    assert "Place 2 in the queue" in client.get("/requests").get_data(as_text=True)


def test_nothing_eligible_is_told_apart(client, session, pool):
    login(client, "me@example.org")
    r = client.post("/requests/new", data=form(pool, cap_seats="9"), follow_redirects=True)
    assert REASON_NOTHING_ELIGIBLE in r.get_data(as_text=True)


@pytest.mark.parametrize("changes,field,message", [
    (dict(earliest_start="{d2}T08:00", latest_end="{d2}T09:00", duration_h="2"), "duration_h",
     "shorter than the duration"),
    (dict(earliest_start="{d2}T18:00", latest_end="{d2}T08:00"), "latest_end", "must end after it starts"),
    (dict(category_id="99999"), "category", "No such category"),
    (dict(category_id="abc"), "category", "No such category"),
    (dict(earliest_start="2027-03-28T02:30", latest_end="2027-03-28T10:00"), "earliest_start", "does not exist"),
    (dict(cap_seats="abc"), "cap_seats", "seats must be a number"),
    (dict(duration_h="", duration_m=""), "duration_h", "Enter how long"),
    (dict(duration_h="0", duration_m="30"), "duration_h", "at least 60"),
    (dict(latest_end="tomorrow"), "latest_end", "is not a date and time"),
    (dict(max_distance_km="-1"), "max_distance_km", "more than 0"),
    (dict(lat="100", lon="5"), "lat", "Latitude must be between"),
])
def test_bad_input_is_422_and_writes_nothing(client, session, pool, changes, field, message):
    d2 = (datetime.now(AMS) + timedelta(days=2)).date().isoformat()
    login(client, "me@example.org")
    r = client.post("/requests/new", data=form(pool, **{k: v.format(d2=d2) for k, v in changes.items()}))
    html = r.get_data(as_text=True)
    assert r.status_code == 422, html
    assert message in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html), field
    assert count(session, FlexibleRequest) == 0 and count(session, Booking) == 0


def test_bad_input_keeps_what_was_typed(client, pool):
    login(client, "me@example.org")
    html = client.post("/requests/new", data=form(pool, cap_seats="abc", note="keep me")).get_data(as_text=True)
    assert 'value="abc"' in html and "keep me" in html and f'value="{local_input(at(2, 8))}"' in html


def test_another_members_request_is_404(client, session, pool):
    theirs = submit_request(session, pool["other"], RequestInput(
        category_id=pool["cars"].id, earliest_start=at(2, 9), latest_end=at(2, 15), duration_minutes=120,
        requires={}), utcnow())
    session.commit()
    login(client, "me@example.org")
    assert client.get(f"/requests/{theirs.id}").status_code == 404
    assert client.post(f"/requests/{theirs.id}/cancel").status_code == 404
    assert client.get("/requests/99999999999").status_code == 404
    assert "Olle" not in client.get("/requests").get_data(as_text=True)
    session.refresh(theirs)
    assert theirs.status == RequestStatus.assigned


def test_cancel_withdraws_the_request_and_its_booking(client, session, pool):
    login(client, "me@example.org")
    rid = request_id(client.post("/requests/new", data=form(pool)))
    r = client.post(f"/requests/{rid}/cancel", follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Request withdrawn" in html and "Withdraw this request" not in html
    session.expire_all()
    flexible = session.get(FlexibleRequest, rid)
    assert flexible.status == RequestStatus.cancelled and flexible.booking.status == BookingStatus.cancelled
    again = client.post(f"/requests/{rid}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "already cancelled" in again


def test_allocation_page_is_public_and_publishes_the_fair_share_rule(client, make, session, pool):
    pool["cars"].weekly_quota_hours = 4
    session.commit()
    r = client.get("/how-allocation-works")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for phrase in ("waitlist", "Confirmed bookings never move", "never dropped silently", "equivalent asset",
                   "first come, first served"):
        assert phrase in html, phrase
    rule = " ".join(FAIR_SHARE_DOC.strip().split("\n\n")[1].split())
    assert str(escape(rule)) in html  # the rule members read is the rule the code documents
    assert "Cars: 4 hours per member per week" in html
    assert 'href="/how-allocation-works"' in client.get("/assets").get_data(as_text=True)  # footer


def test_notifications_show_and_can_be_marked_read(client, make, session, pool):
    mine = [Notification(member_id=pool["me"].id, kind="booking_moved", message=f"Your booking moved ({n}).",
                         created_at=utcnow()) for n in range(3)]
    theirs = Notification(member_id=pool["other"].id, kind="booking_moved", message="Not for Mia.",
                          created_at=utcnow())
    session.add_all([*mine, theirs])
    session.commit()
    login(client, "me@example.org")
    html = client.get("/bookings").get_data(as_text=True)
    assert "Your booking moved (0)" in html and "Your booking moved (2)" in html and "Not for Mia" not in html
    assert "Your booking moved (1)" in client.get("/requests").get_data(as_text=True)

    r = client.post("/notifications/read", data={"id": [str(mine[0].id), str(theirs.id)], "next": "/requests"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/requests")
    session.expire_all()
    assert session.get(Notification, mine[0].id).read_at is not None
    assert session.get(Notification, theirs.id).read_at is None  # another member's id is ignored
    html = client.get("/bookings").get_data(as_text=True)
    assert "Your booking moved (0)" not in html and "Your booking moved (1)" in html

    r = client.post("/notifications/read", data={"next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/bookings")
    assert "News from the pool" not in client.get("/bookings").get_data(as_text=True)
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None


def test_booking_with_attention_shows_the_warning(client, make, session, pool):
    booking = make.booking(pool["van"], pool["me"], at(2, 9), at(2, 12))
    booking.attention = "Seven seater is in maintenance (gearbox) and no equivalent asset is free."
    done = make.booking(pool["van"], pool["me"], at(3, 9), at(3, 12), status=BookingStatus.cancelled)
    done.attention = "Stale flag on a cancelled booking"
    session.commit()
    login(client, "me@example.org")
    listing = client.get("/bookings").get_data(as_text=True)
    assert "Needs attention: Seven seater is in maintenance (gearbox)" in listing
    assert "Stale flag" not in listing
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "This booking needs attention" in detail and "gearbox" in detail
