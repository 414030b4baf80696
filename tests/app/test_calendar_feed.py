"""iCalendar feeds (RFC 5545): a member's private feed by secret URL and an asset's feed for coordinators.

Every feed is parsed with the icalendar library and each event compared with the database.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from fleet.feeds.calendar_feed import ICAL_STATUS, rotate_calendar_secret
from fleet.models import Booking, BookingStatus, MaintenanceWindow, Member, Role
from tests.helpers import at, login

TRICKY = 'Drill, "big"; back\\slash\nsecond line <script>alert(1)</script> café'


def parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    found = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["uid"])
        assert uid not in found, f"duplicate UID {uid}"
        found[uid] = event
    return found


def unescape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT unescaping, for properties icalendar does not know the type of (X-WR-CALNAME)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def unfolded_lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8").replace("\r\n ", "").split("\r\n")


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station; north, side", address="Main street 1, 3511 AB Utrecht", lat=52.090123,
                   lon=5.121456)
    other_hub = make.hub(name="Farm hub", address="", lat=52.2, lon=5.3)
    cars = make.category(name="Cars")
    car = make.asset(cars, hub, name="Renault Zoe")
    van = make.asset(cars, other_hub, name="Kangoo van")
    me = make.member(email="me@example.org", name="Me Myself")
    other = make.member(email="other@example.org", name="Other Person")
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Coordinator")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    mine = {
        "future": make.booking(car, me, at(2, 10), at(2, 14)),
        "pending": make.booking(van, me, at(3, 9), at(3, 12), BookingStatus.pending),
        "cancelled": make.booking(car, me, at(4, 10), at(4, 12), BookingStatus.cancelled),
        "rejected": make.booking(van, me, at(5, 10), at(5, 12), BookingStatus.rejected),
        "no_show": make.booking(car, me, now - timedelta(days=10, hours=3), now - timedelta(days=10),
                                BookingStatus.no_show),
        "recent": make.booking(car, me, now - timedelta(days=89, hours=2), now - timedelta(days=89),
                               BookingStatus.completed),
        "running": make.booking(van, me, now - timedelta(hours=1), now + timedelta(hours=1),
                                BookingStatus.checked_out),
    }
    too_old = make.booking(car, me, now - timedelta(days=91, hours=2), now - timedelta(days=91),
                           BookingStatus.completed)
    theirs = make.booking(car, other, at(6, 10), at(6, 12))
    maintenance = MaintenanceWindow(asset_id=car.id, start_at=at(8, 8), end_at=at(8, 17), reason="Tyres, brakes; MOT")
    old_maintenance = MaintenanceWindow(asset_id=car.id, start_at=now - timedelta(days=100, hours=5),
                                        end_at=now - timedelta(days=100))
    session.add_all([maintenance, old_maintenance])
    session.commit()
    return dict(hub=hub, car=car, van=van, me=me, other=other, coordinator=coordinator, mine=mine,
                too_old=too_old, theirs=theirs, maintenance=maintenance, old_maintenance=old_maintenance)


def secret_for(session, member: Member) -> str:
    secret = rotate_calendar_secret(session, member)
    session.commit()
    return secret


def assert_event_matches_booking(event, booking: Booking):
    assert str(event["uid"]) == f"booking-{booking.id}@commonpool"
    assert event.decoded("dtstart") == booking.start_at
    assert event.decoded("dtend") == booking.end_at
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["status"]) == ICAL_STATUS[booking.status]
    assert str(event["summary"]) == booking.asset.name
    hub = booking.asset.hub
    assert str(event["location"]) == (f"{hub.name}, {hub.address}" if hub.address else hub.name)
    assert (event["geo"].latitude, event["geo"].longitude) == (pytest.approx(hub.lat), pytest.approx(hub.lon))
    assert "dtstamp" in event
    assert isinstance(event.decoded("sequence"), int)


# --- the member's feed ---------------------------------------------------------------------------------------

def test_member_feed_has_exactly_my_bookings_of_the_last_90_days_and_the_future(client, session, pool):
    secret = secret_for(session, pool["me"])
    response = client.get(f"/calendar/{secret}.ics")
    calendar = parse(response)

    assert str(calendar["version"]) == "2.0"
    assert "prodid" in calendar
    assert str(calendar["method"]) == "PUBLISH"
    assert "Commonpool" in unescape_text(str(calendar["x-wr-calname"]))

    since = datetime.now(timezone.utc) - timedelta(days=90)
    expected = session.scalars(select(Booking).where(Booking.member_id == pool["me"].id,
                                                     Booking.end_at > since)).all()
    assert {b.id for b in expected} == {b.id for b in pool["mine"].values()}
    found = events(calendar)
    assert set(found) == {f"booking-{b.id}@commonpool" for b in expected}
    for booking in expected:
        assert_event_matches_booking(found[f"booking-{booking.id}@commonpool"], booking)


def test_times_are_utc_without_timezone_definitions(client, session, pool):
    raw = client.get(f"/calendar/{secret_for(session, pool['me'])}.ics").data
    lines = unfolded_lines(raw)
    stamps = [line for line in lines if line.startswith(("DTSTART", "DTEND", "DTSTAMP"))]
    assert stamps and all(re.fullmatch(r"(DTSTART|DTEND|DTSTAMP):\d{8}T\d{6}Z", line) for line in stamps)
    assert "TZID" not in raw.decode() and "VTIMEZONE" not in raw.decode()


def test_statuses(client, session, pool):
    found = events(parse(client.get(f"/calendar/{secret_for(session, pool['me'])}.ics")))
    status = {name: str(found[f"booking-{b.id}@commonpool"]["status"]) for name, b in pool["mine"].items()}
    assert status == {"future": "CONFIRMED", "pending": "TENTATIVE", "cancelled": "CANCELLED",
                      "rejected": "CANCELLED", "no_show": "CANCELLED", "recent": "CONFIRMED",
                      "running": "CONFIRMED"}


def test_uid_is_stable_and_sequence_grows_when_a_booking_is_cancelled(client, session, pool):
    url = f"/calendar/{secret_for(session, pool['me'])}.ics"
    booking = pool["mine"]["future"]
    uid = f"booking-{booking.id}@commonpool"
    before = events(parse(client.get(url)))[uid]
    assert str(before["status"]) == "CONFIRMED"

    login(client, "me@example.org")
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    after = events(parse(client.get(url)))[uid]
    assert str(after["status"]) == "CANCELLED"
    assert after.decoded("sequence") > before.decoded("sequence")
    assert after.decoded("dtstart") == before.decoded("dtstart")


def test_text_is_escaped_and_round_trips_exactly(client, make, session, pool):
    hub = make.hub(name="Hub, with; specials\\", address="Line one\nLine two, 1; 2")
    asset = make.asset(make.category(name="Bikes"), hub, name=TRICKY)
    booking = make.booking(asset, pool["me"], at(9, 10), at(9, 12))
    booking.note = "Bring the key; and the charger,\nplease \\ thanks"
    session.commit()
    response = client.get(f"/calendar/{secret_for(session, pool['me'])}.ics")
    event = events(parse(response))[f"booking-{booking.id}@commonpool"]
    assert str(event["summary"]) == TRICKY
    assert str(event["location"]) == f"{hub.name}, {hub.address}"
    assert booking.note in str(event["description"])
    summary_line = next(line for line in unfolded_lines(response.data)
                        if line.startswith("SUMMARY:") and "Drill" in line)
    assert summary_line == 'SUMMARY:Drill\\, "big"\\; back\\\\slash\\nsecond line <script>alert(1)</script> café'


def test_fractions_of_a_second_are_rounded_outwards(client, session, pool):
    booking = pool["mine"]["future"]
    booking.start_at = booking.start_at + timedelta(microseconds=500_000)
    booking.end_at = booking.end_at + timedelta(microseconds=200_000)
    session.commit()
    event = events(parse(client.get(f"/calendar/{secret_for(session, pool['me'])}.ics")))[
        f"booking-{booking.id}@commonpool"]
    assert event.decoded("dtstart") == booking.start_at.replace(microsecond=0)
    assert event.decoded("dtend") == booking.end_at.replace(microsecond=0) + timedelta(seconds=1)


def test_another_members_bookings_never_appear(client, session, pool):
    found = events(parse(client.get(f"/calendar/{secret_for(session, pool['me'])}.ics")))
    assert f"booking-{pool['theirs'].id}@commonpool" not in found
    assert f"booking-{pool['too_old'].id}@commonpool" not in found
    theirs = events(parse(client.get(f"/calendar/{secret_for(session, pool['other'])}.ics")))
    assert set(theirs) == {f"booking-{pool['theirs'].id}@commonpool"}


@pytest.mark.parametrize("secret", ["nope", "x" * 64, "x" * 500, "%00", "..", "a.b"])
def test_unknown_secret_is_404(client, session, pool, secret):
    secret_for(session, pool["me"])
    assert client.get(f"/calendar/{secret}.ics").status_code == 404


def test_no_secret_no_feed_and_a_deactivated_member_has_none(client, session, pool):
    assert pool["me"].calendar_secret is None
    secret = secret_for(session, pool["me"])
    pool["me"].active = False
    session.commit()
    assert client.get(f"/calendar/{secret}.ics").status_code == 404


# --- the settings page: create, rotate, revoke ---------------------------------------------------------------

def test_account_page_creates_a_feed_with_an_absolute_url(client, session, pool):
    login(client, "me@example.org")
    page = client.get("/account/calendar")
    assert page.status_code == 200 and 'value="create"' in page.get_data(as_text=True)
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret is None  # looking at the page changes nothing

    assert client.post("/account/calendar", data={"action": "create"}).status_code == 302
    session.refresh(pool["me"])
    secret = pool["me"].calendar_secret
    assert secret and len(secret) >= 43
    html = client.get("/account/calendar").get_data(as_text=True)
    assert f'value="http://localhost/calendar/{secret}.ics"' in html
    assert client.get(f"/calendar/{secret}.ics").status_code == 200

    client.post("/account/calendar", data={"action": "create"})  # a second click keeps the address
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret == secret


def test_rotate_makes_the_old_url_404_and_the_new_one_work(client, session, pool):
    old = secret_for(session, pool["me"])
    login(client, "me@example.org")
    assert client.post("/account/calendar", data={"action": "rotate"}).status_code == 302
    session.refresh(pool["me"])
    new = pool["me"].calendar_secret
    assert new and new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_revoke_makes_the_url_404(client, session, pool):
    secret = secret_for(session, pool["me"])
    login(client, "me@example.org")
    assert client.post("/account/calendar", data={"action": "revoke"}).status_code == 302
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret is None
    assert client.get(f"/calendar/{secret}.ics").status_code == 404
    assert 'value="create"' in client.get("/account/calendar").get_data(as_text=True)


def test_account_page_needs_login_and_a_known_action(client, session, pool):
    assert client.get("/account/calendar").status_code == 302
    assert client.post("/account/calendar", data={"action": "create"}).status_code == 302
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret is None
    login(client, "me@example.org")
    assert client.post("/account/calendar", data={"action": "delete-everything"}).status_code == 400
    assert client.get("/account/calendar", query_string={"action": "create"}).status_code == 200
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret is None


def test_changing_the_feed_needs_the_csrf_token(app, client, session, pool, monkeypatch):
    secret = secret_for(session, pool["me"])
    login(client, "me@example.org")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = client.get("/account/calendar").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert client.post("/account/calendar", data={"action": "rotate"}).status_code == 400
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret == secret
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/account/calendar", data={"action": "rotate", "csrf_token": token}).status_code == 302
    session.refresh(pool["me"])
    assert pool["me"].calendar_secret != secret


# --- the asset feed for coordinators --------------------------------------------------------------------------

def test_asset_feed_has_the_assets_bookings_and_maintenance(client, session, pool):
    login(client, "coord@example.org")
    car = pool["car"]
    calendar = parse(client.get(f"/manage/assets/{car.id}/calendar.ics"))
    assert car.name in unescape_text(str(calendar["x-wr-calname"]))
    found = events(calendar)

    since = datetime.now(timezone.utc) - timedelta(days=90)
    bookings = session.scalars(select(Booking).where(Booking.asset_id == car.id, Booking.end_at > since)).all()
    windows = session.scalars(select(MaintenanceWindow).where(MaintenanceWindow.asset_id == car.id,
                                                              MaintenanceWindow.end_at > since)).all()
    assert pool["theirs"] in bookings and pool["too_old"] not in bookings
    assert [w.id for w in windows] == [pool["maintenance"].id]
    assert set(found) == ({f"booking-{b.id}@commonpool" for b in bookings}
                          | {f"maintenance-{w.id}@commonpool" for w in windows})
    for booking in bookings:
        event = found[f"booking-{booking.id}@commonpool"]
        assert_event_matches_booking(event, booking)
        assert booking.member.name in str(event["description"])
    event = found[f"maintenance-{pool['maintenance'].id}@commonpool"]
    assert event.decoded("dtstart") == pool["maintenance"].start_at
    assert event.decoded("dtend") == pool["maintenance"].end_at
    assert str(event["description"]) == "Tyres, brakes; MOT"
    assert str(event["summary"]) == f"Maintenance: {car.name}"


def test_asset_feed_escapes_the_calendar_name(client, make, session, pool):
    asset = make.asset(make.category(name="Tools"), pool["hub"], name=TRICKY)
    session.commit()
    login(client, "coord@example.org")
    response = client.get(f"/manage/assets/{asset.id}/calendar.ics")
    calendar = parse(response)
    assert unescape_text(str(calendar["x-wr-calname"])) == f"Commonpool: {TRICKY}"
    name_line = next(line for line in unfolded_lines(response.data) if line.startswith("X-WR-CALNAME:"))
    assert "\n" not in name_line and "\\;" in name_line and "\\," in name_line


def test_asset_feed_is_for_coordinators_only(client, session, pool):
    url = f"/manage/assets/{pool['car'].id}/calendar.ics"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, "me@example.org")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("path", ["/manage/assets/999999/calendar.ics", "/manage/assets/2147483648/calendar.ics",
                                  "/manage/assets/9223372036854775808/calendar.ics",
                                  "/manage/assets/99999999999999999999999/calendar.ics",
                                  "/manage/assets/abc/calendar.ics", "/manage/assets/-1/calendar.ics",
                                  "/manage/assets/0/calendar.ics"])
def test_asset_feed_bad_ids_are_404(client, session, pool, path):
    login(client, "coord@example.org")
    assert client.get(path).status_code == 404
