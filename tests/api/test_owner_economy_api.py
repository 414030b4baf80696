"""Issue 16's whole story through the API, with bearer tokens and Idempotency-Keys: a member lists their own
cargo bike with weekly windows and an owner share, a coordinator sets its category's tariff, another member is
refused outside the windows and books inside them, the owner approves, both confirm check-out and check-in
(with the km meter), the borrower's ledger shows the charge with its computation, the owner's ledger the
reimbursement, and the public open book the income and what owners were reimbursed, without member names.

Time is real: the booking starts just after now (check-out opens 15 minutes before the start) and the bike
comes back at once (an early return; the booked time is charged)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fleet.core.db import utcnow
from tests.api.conftest import Api


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def key(name: str) -> dict:
    return {"Idempotency-Key": f"economy-{name}"}


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", timezone="UTC", opening_hours="24/7")
    bikes = make.category(name="Cargo bikes", capability_schema={"seats": "number"}, max_advance_days=30)
    session.commit()
    return dict(hub=hub, bikes=bikes)


def test_an_owner_lends_a_cargo_bike_is_reimbursed_and_the_open_book_shows_it(api, other_api, coord_api, client,
                                                                               people, pool):
    owner, borrower, anon = api, other_api, Api(client, None)
    now = utcnow().replace(second=0, microsecond=0)
    closed_day = now + timedelta(days=3)  # the one weekday the owner keeps the bike for themself
    windows = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7) if d != closed_day.weekday()]

    # A puts their own cargo bike into the pool (a retry with the same key lists it once)
    listing = {"name": "Bakfiets of A", "category_id": pool["bikes"].id, "hub_id": pool["hub"].id,
               "timezone": "UTC", "capabilities": {"seats": 2}, "approval_mode": "first_time",
               "owner_share_percent": 60, "meter_unit": "km", "windows": windows}
    listed = owner.post("/owned-items", json=listing, headers=key("list"))
    assert listed.status_code == 201, listed.json
    assert owner.post("/owned-items", json=listing, headers=key("list")).json["id"] == listed.json["id"]
    item = listed.json
    assert len(item["windows"]) == 6 and item["owner_share_percent"] == 60

    # a coordinator sets the category's tariff: per hour and per km
    terms = {"category_id": pool["bikes"].id, "currency": "EUR", "per_hour_minor": 300, "per_km_minor": 20}
    assert owner.post("/tariffs", json=terms, headers=key("tariff-by-member")).status_code == 403
    tariff = coord_api.post("/tariffs", json=terms, headers=key("tariff"))
    assert tariff.status_code == 201, tariff.json
    price = borrower.get(f"/assets/{item['asset_id']}/price?start={z(now)}&end={z(now + timedelta(hours=2))}").json
    assert price["price"]["amount_minor"] == 600 and price["price"]["metered_rate_minor"] == 20

    # B is refused outside the windows, and books inside them: pending, as a first-time borrower
    outside_start = closed_day.replace(hour=10, minute=0)
    outside = borrower.post("/bookings", json={"asset_id": item["asset_id"], "start": z(outside_start),
                                               "end": z(outside_start + timedelta(hours=2))}, headers=key("outside"))
    assert outside.status_code == 409 and "not offered by its owner" in outside.json["detail"]
    start, end = now + timedelta(minutes=2), now + timedelta(hours=2, minutes=2)
    booked = borrower.post("/bookings", json={"asset_id": item["asset_id"], "start": z(start), "end": z(end)},
                           headers=key("book"))
    assert booked.status_code == 201, booked.json
    booking = booked.json
    assert booking["status"] == "pending"
    assert borrower.post("/bookings", json={"asset_id": item["asset_id"], "start": z(start), "end": z(end)},
                         headers=key("book")).json["id"] == booking["id"]

    # A approves
    assert [b["id"] for b in owner.get("/owned-items/approvals").json["items"]] == [booking["id"]]
    approved = owner.post(f"/owned-items/bookings/{booking['id']}/approve", json={"reason": "welcome"},
                          headers=key("approve"))
    assert approved.status_code == 200 and approved.json["status"] == "confirmed"

    # check-out: the borrower confirms with the meter reading, then the owner; only then it is out
    first = borrower.post(f"/bookings/{booking['id']}/check-out", json={"meter_reading": 120},
                          headers=key("out-borrower"))
    assert first.status_code == 200 and first.json["status"] == "confirmed", first.json
    retried = borrower.post(f"/bookings/{booking['id']}/check-out", json={"meter_reading": 120},
                            headers=key("out-borrower"))  # the answer was lost: the same answer, nothing more
    assert retried.status_code == 200 and retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json == first.json
    assert borrower.post(f"/bookings/{booking['id']}/check-out", json={"meter_reading": 120},
                         headers=key("out-borrower-again")).status_code == 409  # a new key: confirmed already
    second = owner.post(f"/bookings/{booking['id']}/check-out", json={}, headers=key("out-owner"))
    assert second.status_code == 200 and second.json["status"] == "checked_out", second.json

    # check-in: the owner confirms with the meter reading, then the borrower; the charge is posted then
    first = owner.post(f"/bookings/{booking['id']}/check-in", json={"meter_reading": 132}, headers=key("in-owner"))
    assert first.status_code == 200 and first.json["booking"]["status"] == "checked_out", first.json
    assert first.json["charge"] is None
    second = borrower.post(f"/bookings/{booking['id']}/check-in", json={}, headers=key("in-borrower"))
    assert second.status_code == 200 and second.json["booking"]["status"] == "completed", second.json
    charge = second.json["charge"]
    assert charge["kind"] == "charge" and charge["amount_minor"] == 2 * 300 + 12 * 20
    assert charge["computation"] == "2 h x 3.00 + 12 km x 0.20 = 8.40 EUR"
    retried = borrower.post(f"/bookings/{booking['id']}/check-in", json={}, headers=key("in-borrower"))
    assert retried.headers.get("Idempotent-Replayed") == "true" and retried.json["charge"]["id"] == charge["id"]
    assert owner.get(f"/owned-items/{item['id']}/borrowings").json["items"][0]["meter_in"] == 132

    # B's ledger shows the charge with its computation
    mine = borrower.get("/me/ledger").json
    charges = [e for e in mine["entries"] if e["kind"] == "charge"]
    assert [(e["booking_id"], e["amount_minor"], e["computation"]) for e in charges] == [
        (booking["id"], 840, "2 h x 3.00 + 12 km x 0.20 = 8.40 EUR")]
    assert mine["balances"] == [{"currency": "EUR", "amount_minor": 840}]
    assert borrower.get(f"/charges/{charge['id']}").json["total_minor"] == 840

    # A's ledger shows the owner's share of that charge (60 %), in credit
    theirs = owner.get("/me/ledger").json
    credits = [e for e in theirs["entries"] if e["kind"] == "owner_reimbursement"]
    assert [(e["booking_id"], e["amount_minor"], e["currency"]) for e in credits] == [(booking["id"], 504, "EUR")]
    assert 840 * 60 // 100 == 504

    # the open book, public: the income from charges and what owners were reimbursed, with no member names
    book = anon.get("/costs")
    assert book.status_code == 200
    summary = book.json
    assert summary["pool"]["income_from_charges"] == [{"currency": "EUR", "amount_minor": 840}]
    assert summary["pool"]["reimbursed_to_owners"] == [{"currency": "EUR", "amount_minor": 504}]
    bikes = next(c for c in summary["categories"] if c["category_id"] == pool["bikes"].id)
    assert bikes["income_from_charges"] == [{"currency": "EUR", "amount_minor": 840}]
    assert {k: bikes["fee"][k] for k in ("currency", "per_hour_minor", "per_km_minor")} == {
        "currency": "EUR", "per_hour_minor": 300, "per_km_minor": 20}
    text = book.get_data(as_text=True)
    for person in (people["member"], people["other"], people["coordinator"]):
        assert person.name not in text and person.email not in text
    assert "@" not in text
