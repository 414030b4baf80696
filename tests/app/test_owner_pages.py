"""Pages for members' own items: list a cargo bike from the web, another member books it inside its windows,
the owner approves, confirms the handover, sees the borrower; withdrawal asks for a decision per booking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import Booking, BookingStatus, OwnedItem, Role
from tests.helpers import login


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", timezone="UTC")
    bikes = make.category(name="Cargo bikes", capability_schema={"seats": "number"}, min_duration_minutes=60)
    owner = make.member(email="olga@example.org", name="Olga")
    borrower = make.member(email="bea@example.org", name="Bea")
    stranger = make.member(email="sam@example.org", name="Sam")
    session.commit()
    return dict(hub=hub, bikes=bikes, owner=owner, borrower=borrower, stranger=stranger)


def every_day(start: str, end: str) -> dict:
    return {**{f"from_{d}": start for d in range(7)}, **{f"until_{d}": end for d in range(7)}}


def test_list_a_cargo_bike_and_see_its_borrower(client, session, pool):
    login(client, "olga@example.org")
    assert client.get("/my-items").status_code == 200
    assert client.get(f"/my-items/new?category_id={pool['bikes'].id}").status_code == 200
    r = client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "Olga's cargo bike",
                                       "where": "place", "lat": "52.1", "lon": "5.1", "cap_seats": "2",
                                       "approval_mode": "first_time", "owner_share_percent": "70",
                                       **every_day("08:00", "20:00")})
    assert r.status_code == 302, r.get_data(as_text=True)
    item = session.scalar(select(OwnedItem))
    now = utcnow()
    start = (now + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    booking = book_asset(session, pool["borrower"], item.asset_id, start, start + timedelta(hours=2), now)
    session.commit()
    page = client.get("/my-items").get_data(as_text=True)
    assert "Bea" in page and "Olga&#39;s cargo bike" in page
    r = client.post(f"/my-items/bookings/{booking.id}/decide", data={"decision": "approve"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).status == BookingStatus.confirmed
    detail = client.get(f"/my-items/{item.id}").get_data(as_text=True)
    assert "Bea" in detail


def test_bad_listing_shows_the_form_again_with_the_error(client, session, pool):
    login(client, "olga@example.org")
    r = client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "", "where": "hub",
                                       "hub_id": pool["hub"].id, "approval_mode": "none",
                                       "from_0": "12:00", "until_0": "09:00"})
    assert r.status_code == 422 and "aria-invalid" in r.get_data(as_text=True)
    assert session.scalar(select(OwnedItem)) is None


def test_others_cannot_see_the_item_page_nor_decide(client, session, pool, make):
    login(client, "olga@example.org")
    client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "Drill", "where": "hub",
                                   "hub_id": pool["hub"].id, "approval_mode": "every_booking",
                                   **every_day("08:00", "20:00")})
    item = session.scalar(select(OwnedItem))
    client.post("/logout")
    login(client, "sam@example.org")
    assert client.get(f"/my-items/{item.id}").status_code == 404
    assert client.get(f"/my-items/{item.id}/withdraw").status_code == 404


def test_withdrawal_page_needs_a_decision_for_each_booking(client, session, pool):
    login(client, "olga@example.org")
    client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "Trailer", "where": "hub",
                                   "hub_id": pool["hub"].id, "approval_mode": "none",
                                   **every_day("00:00", "00:00")})
    item = session.scalar(select(OwnedItem))
    now = utcnow()
    start = (now + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    booking = book_asset(session, pool["borrower"], item.asset_id, start, start + timedelta(hours=2), now)
    session.commit()
    assert "Bea" in client.get(f"/my-items/{item.id}/withdraw").get_data(as_text=True)
    assert client.post(f"/my-items/{item.id}/withdraw", data={}).status_code == 422
    r = client.post(f"/my-items/{item.id}/withdraw", data={f"decision_{booking.id}": "keep"})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(OwnedItem, item.id).withdrawn_at is not None
    assert session.get(Booking, booking.id).status == BookingStatus.confirmed


def test_the_asset_page_says_it_is_a_members_item_and_when(client, session, pool):
    login(client, "olga@example.org")
    client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "Olga's cargo bike", "where": "hub",
                                   "hub_id": pool["hub"].id, "approval_mode": "first_time",
                                   "from_5": "09:00", "until_5": "12:00"})
    item = session.scalar(select(OwnedItem))
    client.post("/logout")
    login(client, "bea@example.org")
    page = client.get(f"/assets/{item.asset_id}").get_data(as_text=True)
    assert "own item" in page and "Saturday 09:00–12:00" in page
    assert "Olga" not in page.replace("Olga&#39;s cargo bike", "")  # the owner's name is not shown
    taken = page.split('<ul class="busy">', 1)[1].split("</ul>", 1)[0]
    assert "not offered" not in taken  # the grid shades that time; the list names only what is taken


def test_coordinators_see_every_members_items(client, session, pool, make):
    make.member(Role.coordinator, email="cora@example.org", name="Cora")
    session.commit()
    login(client, "olga@example.org")
    client.post("/my-items", data={"category_id": pool["bikes"].id, "name": "Olga's drill", "where": "hub",
                                   "hub_id": pool["hub"].id, "approval_mode": "none"})
    client.post("/logout")
    login(client, "cora@example.org")
    page = client.get("/my-items").get_data(as_text=True)
    assert "Olga&#39;s drill" in page and ">Olga<" in page
    client.post("/logout")
    login(client, "bea@example.org")
    assert "Olga&#39;s drill" not in client.get("/my-items").get_data(as_text=True)


def test_a_listed_item_can_have_a_km_meter_and_a_bad_unit_is_shown_beside_its_field(client, session, pool):
    login(client, "olga@example.org")
    form = client.get(f"/my-items/new?category_id={pool['bikes'].id}").get_data(as_text=True)
    assert 'id="meter_unit"' in form and 'value="km"' in form
    listing = {"category_id": pool["bikes"].id, "name": "Olga's cargo bike", "where": "hub",
               "hub_id": pool["hub"].id, "cap_seats": "2", "approval_mode": "none", **every_day("08:00", "20:00")}
    bad = client.post("/my-items", data={**listing, "meter_unit": "furlongs"})
    assert bad.status_code == 422 and 'id="meter_unit-error"' in bad.get_data(as_text=True)
    assert session.scalar(select(OwnedItem)) is None
    assert client.post("/my-items", data={**listing, "meter_unit": "km"}).status_code == 302
    assert session.scalar(select(OwnedItem)).asset.meter_unit.value == "km"
