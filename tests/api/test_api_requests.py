"""Flexible requests through the API: assigned or waitlisted with a reason; every bad input is a 422."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.models import FlexibleRequest
from tests.helpers import at


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def cars(make, session):
    hub = make.hub(opening_hours="24/7", lat=52.09, lon=5.12)
    cars = make.category(name="Cars", capability_schema={"seats": "number"})
    van = make.asset(cars, hub, name="Van", capabilities={"seats": 7})
    session.commit()
    return dict(category=cars, van=van, hub=hub)


def rows(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(FlexibleRequest))


def test_assigned_then_waitlisted_then_promoted(api, other_api, cars, session):
    body = {"category_id": cars["category"].id, "earliest_start": z(at(2, 8)), "latest_end": z(at(2, 12)),
            "duration_minutes": 240, "requires": {"seats": 5}, "location": {"lat": 52.1, "lon": 5.1}}
    first = api.post("/requests", json=body)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "assigned" and first.json["assignment"]["asset_name"] == "Van"
    assert first.json["assignment"]["distance_km"] > 0 and first.json["booking"]["status"] == "confirmed"
    second = other_api.post("/requests", json=body)
    assert second.json["status"] == "waitlisted" and second.json["queue_position"] == 1
    assert "busy" in second.json["waitlist_reason"]
    assert api.post(f"/requests/{first.json['id']}/cancel").json["status"] == "cancelled"
    promoted = other_api.get(f"/requests/{second.json['id']}").json
    assert promoted["status"] == "assigned" and promoted["queue_position"] is None
    assert [r["id"] for r in api.get("/requests").json["items"]] == [first.json["id"]]
    assert api.get(f"/requests/{second.json['id']}").status_code == 404


@pytest.mark.parametrize("change", [
    {"latest_end": "WINDOW_TOO_SHORT"},
    {"category_id": 999999},
    {"requires": {"seats": "many"}},
    {"earliest_start": "2030-01-01T08:00:00"},
    {"duration_minutes": 0},
    {"status": "assigned"},
    {"member_id": 1},
])
def test_bad_requests_are_422_and_write_nothing(api, cars, session, change):
    body = {"category_id": cars["category"].id, "earliest_start": z(at(2, 8)), "latest_end": z(at(2, 12)),
            "duration_minutes": 120}
    if change.get("latest_end") == "WINDOW_TOO_SHORT":
        change = {"latest_end": z(at(2, 9))}
    r = api.post("/requests", json={**body, **change})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json", r.json
    assert rows(session) == 0
