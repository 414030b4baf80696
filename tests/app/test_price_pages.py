"""Members see prices before booking (search, asset page, booking form with and without its script, the
booking's page), and what they were charged."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fleet.booking.handover import check_in, check_out
from fleet.catalogue.tariffs import set_tariff
from fleet.models import Booking, LedgerEntry, MeterUnit, Role
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def shop(make, session):
    hub = make.hub(name="Hub", opening_hours="24/7")
    cars = make.category(name="Cars", capability_schema={})
    car = make.asset(cars, hub, name="Blue car", capabilities={}, meter_unit=MeterUnit.km)
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    set_tariff(session, coordinator, {"currency": "EUR", "per_hour_minor": 250, "per_km_minor": 18,
                                      "deposit_minor": 5000}, at(0, 9), category_id=cars.id)
    member = make.member(email="me@example.org")
    session.commit()
    return dict(hub=hub, cars=cars, car=car, member=member, coordinator=coordinator)


def test_asset_page_shows_the_tariff_and_the_estimate_for_the_range(client, shop):
    login(client, "me@example.org")
    html = client.get(f"/assets/{shop['car'].id}").get_data(as_text=True)
    assert "EUR 2.50 per hour" in html and "EUR 0.18 per km" in html and "price-estimate.js" in html
    html = client.get(f"/assets/{shop['car'].id}", query_string={
        "start": local_input(at(2, 9)), "end": local_input(at(2, 12, 30))}).get_data(as_text=True)
    assert "Estimated price:" in html and "EUR 8.75" in html and "3.5 h x 2.50 = 8.75 EUR" in html
    assert "plus EUR 0.18 per km" in html and "deposit EUR 50.00" in html


def test_the_estimate_endpoint_answers_the_forms_script(client, shop):
    r = client.get(f"/assets/{shop['car'].id}/price", query_string={
        "start": local_input(at(2, 9)), "end": local_input(at(2, 11))})
    assert r.status_code == 200 and r.json["amount_minor"] == 500 and r.json["currency"] == "EUR"
    bad = client.get(f"/assets/{shop['car'].id}/price", query_string={"start": "tomorrow", "end": "x"})
    assert bad.status_code == 422 and bad.json["error"]
    assert client.get("/assets/999999/price").status_code == 404


def test_show_the_price_without_script_books_nothing(client, session, shop):
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": shop["car"].id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 11)), "action": "price"})
    assert r.status_code == 200 and "EUR 5.00" in r.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_search_results_and_the_confirmation_show_the_price(client, session, shop):
    login(client, "me@example.org")
    html = client.get("/assets", query_string={"from": local_input(at(2, 9)), "until": local_input(at(2, 11))}
                      ).get_data(as_text=True)
    assert "Estimated price" in html and "EUR 5.00" in html
    r = client.post("/bookings", data={"asset_id": shop["car"].id, "start": local_input(at(2, 9)),
                                       "end": local_input(at(2, 11))})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "EUR 5.00" in page and "2 h x 2.50 = 5.00 EUR" in page


def test_the_member_sees_the_charge_with_its_computation(client, session, shop):
    booking = Booking(asset_id=shop["car"].id, member_id=shop["member"].id, start_at=at(2, 9),
                      end_at=at(2, 12, 30), status="confirmed")
    session.add(booking)
    session.flush()
    check_out(session, shop["member"], booking.id, at(2, 9), meter_reading=100)
    check_in(session, shop["member"], booking.id, at(2, 12, 30), meter_reading=142)
    session.commit()
    login(client, "me@example.org")
    html = client.get("/my/ledger").get_data(as_text=True)
    assert "3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR" in html


def test_coordinators_set_and_remove_tariffs_from_the_web(client, session, shop):
    from fleet.models import Tariff

    login(client, "me@example.org")
    assert client.get("/manage/tariffs").status_code == 403
    login(client, "coord@example.org")
    page = client.get("/manage/tariffs").get_data(as_text=True)
    assert "Category Cars" in page and "EUR 2.50 per hour" in page
    bad = client.post("/manage/tariffs", data={"scope": f"asset:{shop['car'].id}", "per_hour": "2.555",
                                               "currency": "EUR"})
    assert bad.status_code == 422 and 'id="per_hour-error"' in bad.get_data(as_text=True)
    assert client.post("/manage/tariffs", data={"scope": "planet:1", "currency": "EUR"}).status_code == 422
    assert session.scalar(select(func.count(Tariff.id))) == 1
    r = client.post("/manage/tariffs", data={"scope": f"asset:{shop['car'].id}", "per_hour": "3,00",
                                             "per_day": "20", "late_grace_minutes": "15", "currency": "EUR"})
    assert r.status_code == 302
    own = session.scalar(select(Tariff).where(Tariff.asset_id == shop["car"].id))
    assert (own.per_hour_minor, own.per_day_minor, own.late_grace_minutes) == (300, 2000, 15)
    assert "3.00" in client.get("/manage/tariffs", query_string={"edit": own.id}).get_data(as_text=True)
    assert client.post(f"/manage/tariffs/{own.id}/delete").status_code == 302
    assert session.scalar(select(func.count(Tariff.id))) == 1


def _charged(session, shop):
    booking = Booking(asset_id=shop["car"].id, member_id=shop["member"].id, start_at=at(2, 9),
                      end_at=at(2, 11), status="confirmed")
    session.add(booking)
    session.flush()
    check_out(session, shop["member"], booking.id, at(2, 9), meter_reading=0)
    charge = check_in(session, shop["member"], booking.id, at(2, 11), meter_reading=10).charge
    session.commit()
    return charge


def test_a_coordinator_adjusts_a_charge_with_a_reason(client, session, shop):
    charge = _charged(session, shop)
    login(client, "me@example.org")
    page = client.get(f"/my/charges/{charge.id}").get_data(as_text=True)
    assert "2 h x 2.50 + 10 km x 0.18 = 6.80 EUR" in page and "Adjust</button>" not in page
    assert client.post(f"/manage/charges/{charge.id}/adjust", data={"amount": "-1", "reason": "x"}).status_code == 403
    login(client, "coord@example.org")
    refused = client.post(f"/manage/charges/{charge.id}/adjust", data={"amount": "-1.00", "reason": ""})
    assert refused.status_code == 302
    r = client.post(f"/manage/charges/{charge.id}/adjust", data={"amount": "-1.80", "reason": "Dirty on pick-up"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Dirty on pick-up" in html and "-EUR 1.80" in html
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.booking_id == charge.booking_id)).all()
    assert sorted(e.amount_minor for e in entries) == [-180, 680]


def test_monthly_statement_as_page_and_csv(client, session, shop):
    charge = _charged(session, shop)
    month = charge.entry_date.strftime("%Y-%m")
    login(client, "me@example.org")
    page = client.get("/my/statement", query_string={"month": month}).get_data(as_text=True)
    assert f"Statement {month}" in page and "6.80 EUR" in page and "Download as CSV" in page
    csv_text = client.get("/my/statement", query_string={"month": month, "format": "csv"}).get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0] == "date,kind,booking,category,description,amount,currency"
    assert any(",charge," in line and ",6.80,EUR" in line for line in lines)
    assert lines[-1].split(",")[1:] == ["closing_balance", "", "", "", "6.80", "EUR"]
    assert client.get("/my/statement", query_string={"month": "2026-99"}).status_code == 400
    assert client.get(f"/manage/members/{shop['member'].id}/statement").status_code == 403
    login(client, "coord@example.org")
    assert "6.80" in client.get(f"/manage/members/{shop['member'].id}/statement",
                                query_string={"month": month}).get_data(as_text=True)


def test_checking_in_on_the_page_shows_the_charge(client, session, shop):
    booking = Booking(asset_id=shop["car"].id, member_id=shop["member"].id, start_at=at(0, 9),
                      end_at=at(2, 9), status="confirmed")
    session.add(booking)
    session.flush()
    check_out(session, shop["member"], booking.id, at(0, 9), meter_reading=100)
    session.commit()
    login(client, "me@example.org")
    r = client.post(f"/bookings/{booking.id}/check-in", data={"meter_reading": "142"}, follow_redirects=True)
    assert "Charge posted to the ledger: EUR" in r.get_data(as_text=True)
    assert "42 km x 0.18" in r.get_data(as_text=True)
