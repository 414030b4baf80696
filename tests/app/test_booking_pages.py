"""Members find and book from the web UI: date-range-first search, nearest first, booking form errors."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fleet.models import AssetStatus, Booking, BookingStatus, MaintenanceWindow
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


def bookings(session) -> int:
    return session.scalar(select(func.count()).select_from(Booking))


@pytest.fixture
def town(make, session):
    """Two hubs 10 km apart, a member living next to the first one."""
    near = make.hub(name="Near hub", lat=52.090, lon=5.120, opening_hours="24/7")
    far = make.hub(name="Far hub", lat=52.180, lon=5.120, opening_hours="24/7")
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"})
    drills = make.category(name="Drills", capability_schema={"power_w": "number"})
    small = make.asset(cars, near, name="Small car", capabilities={"seats": 4, "towbar": False})
    big_far = make.asset(cars, far, name="Big far car", capabilities={"seats": 7, "towbar": True})
    big_near = make.asset(cars, near, name="Big near car", capabilities={"seats": 5, "towbar": True})
    drill = make.asset(drills, near, name="Drill", capabilities={"power_w": 800})
    member = make.member(email="me@example.org", home_lat=52.091, home_lon=5.121)
    session.commit()
    return dict(near=near, far=far, cars=cars, small=small, big_far=big_far, big_near=big_near, drill=drill,
                member=member)


def names_in_order(html: str, names: list[str]) -> list[str]:
    found = [(html.find(f">{n}</a>"), n) for n in names if html.find(f">{n}</a>") >= 0]
    return [n for _, n in sorted(found)]


def test_search_nearest_first_with_capability_filter(client, town):
    login(client, "me@example.org")
    r = client.get("/assets", query_string={"category": town["cars"].id, "cap_seats": "5", "cap_towbar": "yes"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert names_in_order(html, ["Small car", "Big far car", "Big near car"]) == ["Big near car", "Big far car"]


def test_search_within_distance(client, town):
    login(client, "me@example.org")
    html = client.get("/assets", query_string={"max_km": "3"}).get_data(as_text=True)
    assert "Big near car" in html and "Big far car" not in html


def test_date_range_first_hides_busy_and_maintained_assets(client, make, session, town):
    make.booking(town["big_near"], town["member"], at(3, 9), at(3, 12))
    session.add(MaintenanceWindow(asset_id=town["small"].id, start_at=at(3, 11), end_at=at(3, 15)))
    make.booking(town["big_far"], town["member"], at(3, 12), at(3, 14), status=BookingStatus.cancelled)
    session.commit()
    login(client, "me@example.org")
    r = client.get("/assets", query_string={"category": town["cars"].id, "from": local_input(at(3, 10)),
                                            "until": local_input(at(3, 13))})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Big far car" in html  # its only booking is cancelled
    assert "Big near car" not in html and "Small car" not in html
    # back-to-back with the booking (half-open intervals): free again from 12:00
    html = client.get("/assets", query_string={"category": town["cars"].id, "from": local_input(at(3, 15)),
                                               "until": local_input(at(3, 18))}).get_data(as_text=True)
    assert "Big near car" in html and "Small car" in html


def test_date_range_respects_opening_hours(client, make, session, town):
    town["near"].opening_hours = "Mon-Sun 08:00-18:00"
    session.commit()
    day = (datetime.now(AMS) + timedelta(days=3)).date()
    html = client.get("/assets", query_string={"from": f"{day}T19:00", "until": f"{day}T21:00"}).get_data(as_text=True)
    assert ">Big far car</a>" in html and ">Big near car</a>" not in html and ">Drill</a>" not in html


@pytest.mark.parametrize("params,error", [
    ({"from": "2030-01-01T10:00"}, "Enter a date and time"),
    ({"from": "2030-01-02T10:00", "until": "2030-01-01T10:00"}, "must be after"),
    ({"from": "tomorrow", "until": "2030-01-01T10:00"}, "is not a date and time"),
    ({"from": "2027-03-28T02:30", "until": "2027-03-28T05:00"}, "does not exist"),
    ({"category": "abc"}, "not a whole number"),
    ({"category": "99999"}, "No such category"),
    ({"near": "point", "lat": "100", "lon": "5"}, "must be between -90 and 90"),
    ({"max_km": "-2"}, "more than 0"),
])
def test_search_bad_input_is_a_clear_error(client, town, params, error):
    r = client.get("/assets", query_string=params)
    assert r.status_code == 400
    assert error in r.get_data(as_text=True)


def test_asset_page_shows_rules_and_busy_times(client, make, session, town):
    make.booking(town["big_near"], town["member"], at(3, 9), at(3, 12))
    session.commit()
    html = client.get(f"/assets/{town['big_near'].id}").get_data(as_text=True)
    assert "Booking rules" in html and "(booked)" in html and "Log in" in html


def test_book_from_the_form_and_see_it(client, session, town):
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": town["drill"].id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 12)), "note": "for the shelves"})
    assert r.status_code == 302
    booking = session.scalar(select(Booking))
    assert booking.start_at == at(2, 9) and booking.status == BookingStatus.confirmed
    html = client.get("/bookings").get_data(as_text=True)
    assert "Drill" in html and "confirmed" in html
    assert "for the shelves" in client.get(f"/bookings/{booking.id}").get_data(as_text=True)


def test_booking_needs_login(client, town):
    r = client.post("/bookings", data={"asset_id": town["drill"].id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 12))})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("start,end,status,error", [
    ("END_BEFORE", None, 422, "end must be after"),
    ("PAST", None, 422, "in the past"),
    ("2027-03-28T02:30", "2027-03-28T05:00", 422, "does not exist"),
    ("next tuesday", "2030-01-01T10:00", 422, "is not a date and time"),
    ("", "", 422, "Enter a date and time"),
])
def test_booking_form_bad_times(client, session, town, start, end, status, error):
    if start == "END_BEFORE":
        start, end = local_input(at(2, 12)), local_input(at(2, 9))
    elif start == "PAST":
        start, end = local_input(at(-2, 9)), local_input(at(-2, 12))
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": town["drill"].id, "start": start, "end": end})
    assert r.status_code == status
    html = r.get_data(as_text=True)
    assert error in html
    assert 'aria-invalid="true"' in html
    assert bookings(session) == 0


def test_booking_a_taken_slot_is_a_conflict(client, make, session, town):
    make.booking(town["drill"], make.member(), at(2, 9), at(2, 12))
    session.commit()
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": town["drill"].id, "start": local_input(at(2, 10)),
                                       "end": local_input(at(2, 13))})
    assert r.status_code == 409 and "already booked" in r.get_data(as_text=True)
    assert bookings(session) == 1


@pytest.mark.parametrize("status", [AssetStatus.retired, AssetStatus.maintenance])
def test_booking_an_unavailable_asset(client, session, town, status):
    town["drill"].status = status
    session.commit()
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": town["drill"].id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 12))})
    assert r.status_code in (404, 422)
    assert bookings(session) == 0


@pytest.mark.parametrize("asset_id", ["999999", "abc", "99999999999999999999"])
def test_booking_a_nonexistent_asset(client, session, town, asset_id):
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": asset_id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 12))})
    assert r.status_code in (404, 422)
    assert bookings(session) == 0


def test_someone_elses_booking_is_404(client, make, session, town):
    other = make.member(email="other@example.org")
    b = make.booking(town["drill"], other, at(2, 9), at(2, 12))
    session.commit()
    login(client, "me@example.org")
    assert client.get(f"/bookings/{b.id}").status_code == 404
    assert client.post(f"/bookings/{b.id}/cancel").status_code == 404
    session.refresh(b)
    assert b.status == BookingStatus.confirmed
    assert client.get("/bookings/99999999999999").status_code == 404


def test_cancel_own_booking(client, make, session, town):
    b = make.booking(town["drill"], town["member"], at(2, 9), at(2, 12))
    session.commit()
    login(client, "me@example.org")
    assert client.post(f"/bookings/{b.id}/cancel").status_code == 302
    session.refresh(b)
    assert b.status == BookingStatus.cancelled


def test_cannot_cancel_a_started_booking(client, make, session, town):
    now = datetime.now(timezone.utc)
    b = make.booking(town["drill"], town["member"], now - timedelta(hours=1), now + timedelta(hours=2))
    session.commit()
    login(client, "me@example.org")
    r = client.post(f"/bookings/{b.id}/cancel", follow_redirects=True)
    assert "already started" in r.get_data(as_text=True)
    session.refresh(b)
    assert b.status == BookingStatus.confirmed


def test_approval_flow_from_the_web(client, app, make, session, town):
    from fleet.models import Role

    tractors = make.category(name="Tractors", approval_required=True)
    tractor = make.asset(tractors, town["near"], name="Tractor")
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()
    login(client, "me@example.org")
    client.post("/bookings", data={"asset_id": tractor.id, "start": local_input(at(4, 9)),
                                   "end": local_input(at(4, 12))})
    booking = session.scalar(select(Booking))
    assert booking.status == BookingStatus.pending
    assert client.get("/manage/").status_code == 403
    assert client.post(f"/manage/bookings/{booking.id}/decide", data={"decision": "approve"}).status_code == 403
    coordinator = app.test_client()
    login(coordinator, "coord@example.org")
    assert "Tractor" in coordinator.get("/manage/").get_data(as_text=True)
    coordinator.post(f"/manage/bookings/{booking.id}/decide", data={"decision": "approve"})
    session.refresh(booking)
    assert booking.status == BookingStatus.confirmed and booking.decided_by_id is not None


def test_member_sees_maintenance_warning_on_a_hit_booking(client, make, session, town):
    b = make.booking(town["drill"], town["member"], at(2, 9), at(2, 12))
    session.add(MaintenanceWindow(asset_id=town["drill"].id, start_at=at(2, 10), end_at=at(2, 11), reason="blade"))
    session.commit()
    login(client, "me@example.org")
    html = client.get(f"/bookings/{b.id}").get_data(as_text=True)
    assert "Maintenance is planned" in html and "blade" in html


def test_free_text_is_escaped(client, make, session, town):
    town["drill"].name = "<script>alert(1)</script>"
    session.commit()
    html = client.get("/assets").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
