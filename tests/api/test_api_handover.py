"""Check-out, check-in, damage reports and recurring series through the API."""
from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import MeterUnit


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    before = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["PHOTO_DIR"] = before


@pytest.fixture
def van(make, session, people):
    hub = make.hub(name="Depot")
    vans = make.category(name="Vans", condition_checklist="clean", capability_schema={}, max_advance_days=365)
    van = make.asset(vans, hub, name="Van", capabilities={}, meter_unit=MeterUnit.km)
    now = utcnow()
    booking = book_asset(session, people["member"], van.id, now + timedelta(minutes=1), now + timedelta(hours=4),
                         now - timedelta(hours=1))
    session.commit()
    return dict(van=van, booking=booking)


def test_check_out_and_in(api, other_api, van):
    b = van["booking"]
    assert api.post(f"/bookings/{b.id}/check-in", json={"meter_reading": 10}).status_code == 409  # not out yet
    assert other_api.post(f"/bookings/{b.id}/check-out", json={"meter_reading": 10}).status_code == 404
    r = api.post(f"/bookings/{b.id}/check-out", json={"meter_reading": 100, "checklist": {"clean": True}})
    assert r.status_code == 200 and r.get_json()["status"] == "checked_out"
    r = api.post(f"/bookings/{b.id}/check-in", json={"meter_reading": 99})
    assert r.status_code == 422 and r.get_json()["field"] == "meter_reading"
    r = api.post(f"/bookings/{b.id}/check-in", json={"meter_reading": 180, "damage": {"description": "Mirror"}})
    body = r.get_json()
    assert r.status_code == 200 and body["booking"]["status"] == "completed" and body["returned_early"]
    assert body["damage_report"]["description"] == "Mirror" and body["damage_report"]["unusable"] is False


def test_damage_report_with_a_photo_and_a_disguised_one(api, van):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (6, 6)).save(out, format="PNG")
    good = base64.b64encode(out.getvalue()).decode()
    r = api.post(f"/assets/{van['van'].id}/damage", json={"description": "Scratch", "photo_base64": good})
    assert r.status_code == 201 and r.get_json()["photo_url"].endswith("/photo")
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').decode()
    r = api.post(f"/assets/{van['van'].id}/damage", json={"description": "Scratch", "photo_base64": svg})
    assert r.status_code == 422 and r.get_json()["field"] == "photo"


def test_unusable_damage_puts_the_asset_in_maintenance(coord_api, api, van):
    r = coord_api.post(f"/assets/{van['van'].id}/damage", json={"description": "Engine", "unusable": True})
    assert r.status_code == 201
    assert api.get(f"/assets/{van['van'].id}").get_json()["status"] == "maintenance"


def test_series_create_list_get_cancel(api, other_api, van):
    first = (utcnow() + timedelta(days=3)).date().isoformat()
    r = api.post("/series", json={"asset_id": van["van"].id, "first_date": first, "start_time": "09:00",
                                  "end_time": "12:00", "occurrences": 3})
    assert r.status_code == 201, r.get_json()
    series = r.get_json()
    assert len(series["bookings"]) == 3 and series["skipped"] == [] and series["timezone"] == "Europe/Amsterdam"
    assert api.get("/series").get_json()["total"] == 1
    assert other_api.get(f"/series/{series['id']}").status_code == 404
    r = api.post(f"/series/{series['id']}/cancel")
    assert r.status_code == 200 and r.get_json()["cancelled_at"] is not None
    assert {b["status"] for b in r.get_json()["bookings"]} == {"cancelled"}
    assert api.post(f"/series/{series['id']}/cancel").status_code == 409


def test_series_reports_what_could_not_be_booked(api, van):
    from zoneinfo import ZoneInfo

    start = van["booking"].start_at.astimezone(ZoneInfo("Europe/Amsterdam")) + timedelta(minutes=30)
    r = api.post("/series", json={"asset_id": van["van"].id, "first_date": start.date().isoformat(),
                                  "start_time": start.strftime("%H:%M"),
                                  "end_time": (start + timedelta(hours=1)).strftime("%H:%M"), "occurrences": 2})
    assert r.status_code == 201, r.get_json()
    skipped = r.get_json()["skipped"]
    assert len(skipped) == 1 and "already booked" in skipped[0]["reason"] and len(r.get_json()["bookings"]) == 1


def test_series_input_is_validated(api, van):
    assert api.post("/series", json={"asset_id": van["van"].id, "first_date": "2027-02-30", "start_time": "09:00",
                                     "end_time": "10:00", "occurrences": 2}).status_code == 422
    assert api.post("/series", json={"asset_id": van["van"].id, "first_date": "2027-02-03", "start_time": "9am",
                                     "end_time": "10:00", "occurrences": 2}).status_code == 422
