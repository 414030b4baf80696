"""Members' own items through the API: list a cargo bike, book it inside its windows only, approve, see the
borrowers (owner only), withdraw with a decision per booking, idempotent POSTs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import Member
from tests.helpers import at


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", timezone="UTC")
    bikes = make.category(name="Cargo bikes", capability_schema={"seats": "number"}, min_duration_minutes=60)
    session.commit()
    return dict(hub=hub, bikes=bikes)


def listing(pool, **kw) -> dict:
    return {"name": "My cargo bike", "category_id": pool["bikes"].id, "hub_id": pool["hub"].id,
            "timezone": "UTC", "capabilities": {"seats": 2}, "approval_mode": "first_time",
            "owner_share_percent": 60,
            "windows": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)], **kw}


def test_a_member_lists_a_cargo_bike_and_another_books_it_inside_its_windows(api, other_api, coord_api, pool):
    r = api.post("/owned-items", json=listing(pool), headers={"Idempotency-Key": "list-1"})
    assert r.status_code == 201, r.json
    again = api.post("/owned-items", json=listing(pool), headers={"Idempotency-Key": "list-1"})
    assert again.json["id"] == r.json["id"] and len(api.get("/owned-items").json["items"]) == 1
    item = r.json
    assert item["windows"][0] == {"weekday": 0, "start": "09:00", "end": "12:00"}
    outside = other_api.post("/bookings", json={"asset_id": item["asset_id"], "start": z(at(2, 11)),
                                                "end": z(at(2, 13))})
    assert outside.status_code == 409
    booked = other_api.post("/bookings", json={"asset_id": item["asset_id"], "start": z(at(2, 9)),
                                               "end": z(at(2, 11))})
    assert booked.status_code == 201 and booked.json["status"] == "pending"  # a first-time borrower
    waiting = api.get("/owned-items/approvals").json["items"]
    assert [b["id"] for b in waiting] == [booked.json["id"]]
    assert other_api.post(f"/owned-items/bookings/{booked.json['id']}/approve").status_code == 404
    approved = api.post(f"/owned-items/bookings/{booked.json['id']}/approve", json={"reason": "welcome"})
    assert approved.status_code == 200 and approved.json["status"] == "confirmed"
    borrowed = api.get(f"/owned-items/{item['id']}/borrowings").json["items"]
    assert borrowed[0]["borrower_name"] and borrowed[0]["booking"]["id"] == booked.json["id"]
    assert other_api.get(f"/owned-items/{item['id']}/borrowings").status_code == 404
    assert coord_api.get(f"/owned-items/{item['id']}/borrowings").status_code == 200
    free = other_api.get(f"/assets/{item['asset_id']}/availability?from={z(at(3, 0))}&until={z(at(4, 0))}")
    assert free.status_code == 200


def test_exceptions_windows_terms_and_withdrawal(api, other_api, pool):
    item = api.post("/owned-items", json=listing(pool, approval_mode="none")).json
    booking = other_api.post("/bookings", json={"asset_id": item["asset_id"], "start": z(at(2, 9)),
                                                "end": z(at(2, 11))}).json
    own = api.post(f"/owned-items/{item['id']}/exceptions",
                   json={"kind": "owner_use", "start": z(at(2, 0)), "end": z(at(3, 0)), "note": "moving house"})
    assert own.status_code == 201 and own.json["released_booking_ids"] == [booking["id"]]
    assert api.delete(f"/owned-items/{item['id']}/exceptions/{own.json['exception']['id']}").status_code == 204
    assert api.client.put(f"/api/v1/owned-items/{item['id']}/windows", json={"windows": []},
                          headers={"Authorization": f"Bearer {api.token}"}).status_code == 200
    assert api.patch(f"/owned-items/{item['id']}", json={"owner_share_percent": 95}).status_code == 422
    assert api.patch(f"/owned-items/{item['id']}", json={"approval_mode": "every_booking"}).json[
        "approval_mode"] == "every_booking"
    assert other_api.get(f"/owned-items/{item['id']}").status_code == 404
    withdrawn = api.post(f"/owned-items/{item['id']}/withdraw", json={"decisions": []})
    assert withdrawn.status_code == 200 and withdrawn.json == {"released_booking_ids": []}
    assert api.get(f"/owned-items/{item['id']}").json["withdrawn_at"] is not None
    assert api.get(f"/assets/{item['asset_id']}").json["status"] == "retired"  # nothing kept: retired at once


def test_withdrawal_refuses_an_undecided_future_booking(api, other_api, pool):
    item = api.post("/owned-items", json=listing(pool, approval_mode="none")).json
    booking = other_api.post("/bookings", json={"asset_id": item["asset_id"], "start": z(at(2, 9)),
                                                "end": z(at(2, 11))}).json
    assert [b["id"] for b in api.get(f"/owned-items/{item['id']}/future-bookings").json["items"]] == [booking["id"]]
    assert api.post(f"/owned-items/{item['id']}/withdraw", json={"decisions": []}).status_code == 422
    released = api.post(f"/owned-items/{item['id']}/withdraw",
                        json={"decisions": [{"booking_id": booking["id"], "decision": "release"}]})
    assert released.json == {"released_booking_ids": [booking["id"]]}


def test_share_bounds_are_set_by_the_administrator(api, coord_api, make, session):
    from fleet.core.db import utcnow
    from fleet.members.tokens import issue_token
    from fleet.models import Role

    assert api.get("/owner-share-bounds").json == {"min_percent": 0, "max_percent": 90}
    for token in (api.token, coord_api.token):  # one range for every pool: no pool's coordinator sets it
        assert api.client.put("/api/v1/owner-share-bounds", json={"min_percent": 10, "max_percent": 50},
                              headers={"Authorization": f"Bearer {token}"}).status_code == 403
    admin_token, _ = issue_token(session, make.member(Role.admin), "admin", utcnow())
    session.commit()
    r = coord_api.client.put("/api/v1/owner-share-bounds", json={"min_percent": 10, "max_percent": 50},
                             headers={"Authorization": f"Bearer {admin_token}"})
    assert r.status_code == 200 and r.json == {"min_percent": 10, "max_percent": 50}


def test_bad_listings_are_422_with_the_field(api, pool):
    r = api.post("/owned-items", json=listing(pool, hub_id=None))
    assert r.status_code == 422
    both = dict(listing(pool), place={"lat": 52.1, "lon": 5.1})
    assert api.post("/owned-items", json=both).status_code == 422
    bad_window = listing(pool, windows=[{"weekday": 1, "start": "12:00", "end": "09:00"}])
    assert api.post("/owned-items", json=bad_window).status_code == 422
    assert api.post("/owned-items", json=listing(pool, timezone="Mars/Olympus")).status_code == 422


def test_owner_and_borrower_both_confirm_the_handover_through_the_api(api, other_api, coord_api, pool, session):
    item = api.post("/owned-items", json=listing(pool, approval_mode="none", windows=[
        {"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)])).json
    now = utcnow()
    borrower = session.scalar(select(Member).where(Member.email == "other@example.org"))
    booking = book_asset(session, borrower, item["asset_id"], now + timedelta(minutes=5), now + timedelta(hours=2),
                         now)
    session.commit()
    first = other_api.post(f"/bookings/{booking.id}/check-out", json={})
    assert first.status_code == 200 and first.json["status"] == "confirmed"  # waits for the owner
    assert coord_api.get(f"/owned-items/{item['id']}/borrowings").json["items"][0]["borrower_name"]
    second = api.post(f"/bookings/{booking.id}/check-out", json={})
    assert second.status_code == 200 and second.json["status"] == "checked_out"
    report = api.post(f"/assets/{item['asset_id']}/damage", json={"description": "Scratched frame",
                                                                  "booking_id": booking.id})
    assert report.status_code in (200, 201), report.json
    disputed = other_api.post(f"/damage-reports/{report.json['id']}/dispute", json={"reason": "It was there before"})
    assert disputed.status_code == 200
    assert coord_api.post(f"/damage-reports/{report.json['id']}/dispute", json={"reason": "x"}).status_code == 404
