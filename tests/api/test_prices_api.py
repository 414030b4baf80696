"""Tariffs, price estimates, charges, adjustments and statements through the API."""
from __future__ import annotations

from sqlalchemy import func, select

from fleet.booking.handover import check_in, check_out
from fleet.models import Booking, LedgerEntry, MeterUnit, Tariff
from tests.helpers import at


def _iso(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_tariff_crud_and_the_price_estimate(api, coord_api, make, session):
    cars = make.category(name="Cars")
    car = make.asset(cars, name="Car", meter_unit=MeterUnit.km)
    session.commit()
    body = {"category_id": cars.id, "currency": "EUR", "per_hour_minor": 250, "per_km_minor": 18}
    assert api.post("/tariffs", json=body).status_code == 403
    for bad in ({**body, "per_hour_minor": 2.5}, {**body, "currency": "eu"}, {**body, "per_day_minor": -1},
                {"currency": "EUR"}, {**body, "asset_id": car.id}, {**body, "category_id": 999999}):
        assert coord_api.post("/tariffs", json=bad).status_code == 422, bad
    assert session.scalar(select(func.count(Tariff.id))) == 0
    r = coord_api.post("/tariffs", json=body, headers={"Idempotency-Key": "t-1"})
    assert r.status_code == 201
    again = coord_api.post("/tariffs", json=body, headers={"Idempotency-Key": "t-1"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == r.get_json()
    tariff_id = r.get_json()["id"]
    assert api.get("/tariffs").get_json()["items"][0]["per_hour_minor"] == 250
    q = {"start": _iso(at(2, 9)), "end": _iso(at(2, 12, 30)), "use": "42"}
    price = api.get(f"/assets/{car.id}/price", query_string=q).get_json()
    assert price["price"]["amount_minor"] == 1631
    assert price["price"]["computation"] == "3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR"
    assert api.get(f"/assets/{car.id}/price", query_string={"start": q["start"]}).status_code == 422
    assert api.get(f"/assets/{car.id}/price", query_string={**q, "end": q["start"]}).status_code == 422
    put = coord_api.client.put(f"/api/v1/tariffs/{tariff_id}", json={"currency": "EUR", "per_day_minor": 2000},
                               headers=coord_api._headers())
    assert put.status_code == 200 and put.get_json()["per_hour_minor"] is None
    assert api.delete(f"/tariffs/{tariff_id}").status_code == 403
    assert coord_api.delete(f"/tariffs/{tariff_id}").status_code == 204
    assert api.get(f"/assets/{car.id}/price", query_string=q).get_json()["free"] is True


def test_charges_adjustments_and_statements(api, other_api, coord_api, people, make, session):
    cars = make.category(name="Cars")
    car = make.asset(cars, name="Car", meter_unit=MeterUnit.km)
    session.commit()
    coord_api.post("/tariffs", json={"category_id": cars.id, "currency": "EUR", "per_hour_minor": 200})
    session.expire_all()
    r = api.post("/bookings", json={"asset_id": car.id, "start": _iso(at(2, 9)), "end": _iso(at(2, 11))})
    assert r.status_code == 201 and r.get_json()["price"]["amount_minor"] == 400
    booking = session.get(Booking, r.get_json()["id"])
    check_out(session, people["member"], booking.id, at(2, 9), meter_reading=5)
    check_in(session, people["member"], booking.id, at(2, 11), meter_reading=15)
    session.commit()
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.charged_booking_id == booking.id))
    got = api.get(f"/charges/{entry.id}").get_json()
    assert got["amount_minor"] == 400 and got["computation"] == "2 h x 2.00 = 4.00 EUR"
    assert other_api.get(f"/charges/{entry.id}").status_code == 404
    adj = {"amount_minor": -150, "reason": "Late key handover by us"}
    assert api.post(f"/charges/{entry.id}/adjustments", json=adj).status_code == 403
    assert coord_api.post(f"/charges/{entry.id}/adjustments", json={**adj, "amount_minor": 0}).status_code == 422
    assert coord_api.post(f"/charges/{entry.id}/adjustments", json={**adj, "amount_minor": -401}).status_code == 409
    made = coord_api.post(f"/charges/{entry.id}/adjustments", json=adj, headers={"Idempotency-Key": "a-1"})
    assert made.status_code == 201 and made.get_json()["kind"] == "adjustment"
    coord_api.post(f"/charges/{entry.id}/adjustments", json=adj, headers={"Idempotency-Key": "a-1"})
    assert api.get(f"/charges/{entry.id}").get_json()["total_minor"] == 250
    month = at(2, 11).strftime("%Y-%m")
    statement = api.get("/statements", query_string={"month": month}).get_json()
    assert statement["closing"] == [{"currency": "EUR", "amount_minor": 250}] and len(statement["entries"]) == 2
    csv_text = api.get("/statements", query_string={"month": month, "format": "csv"}).get_data(as_text=True)
    assert "2 h x 2.00 = 4.00 EUR" in csv_text and "closing_balance" in csv_text
    assert other_api.get("/statements", query_string={"member_id": people["member"].id}).status_code == 404
    assert coord_api.get("/statements", query_string={"member_id": people["member"].id, "month": month}
                         ).get_json()["closing"][0]["amount_minor"] == 250
    assert api.get("/statements", query_string={"month": "2026-13"}).status_code == 422
    for bad in ({"month": ""}, {"format": ""}, {"format": "pdf"}):  # a parameter given empty is not the default
        assert api.get("/statements", query_string=bad).status_code == 422, bad
