"""Lending agreements in the web UI: the farm co-op offers its trailers to the village pool on /manage/agreements,
the village's coordinator accepts, a villager finds the trailer ("via agreement") and books it, the co-op's
coordinator approves it from their manage page; without the agreement, or after it ended, the same booking is
refused."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fleet.models import AgreementStatus, Booking, BookingStatus, LendingAgreement
from tests.agreement_world import two_pools
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def w(make, session):
    world = two_pools(make)
    session.commit()
    return world


def client_of(app, member):
    client = app.test_client()
    assert login(client, member.email).status_code == 302
    return client


def book_trailer(client, w, day: int):
    return client.post("/bookings", data={"asset_id": w.trailer.id, "start": local_input(at(day, 9)),
                                          "end": local_input(at(day, 12))})


def test_a_villager_books_the_farms_trailer_through_an_agreement(app, session, w):
    villager = client_of(app, w.villager)
    assert "Farm trailer" not in villager.get("/assets?q=trailer").get_data(as_text=True)
    refused = book_trailer(villager, w, 2)
    assert refused.status_code == 403 and "Farm co-op" in refused.get_data(as_text=True)

    farm = client_of(app, w.farm_coordinator)
    form = farm.get("/manage/agreements/new").get_data(as_text=True)
    assert "Trailers" in form and "Village tool library" in form
    offered = farm.post("/manage/agreements/new", data={"borrower_pool_id": w.village.id,
                                                        "category_ids": [w.trailers.id], "requires_approval": "on",
                                                        "max_hours_per_week": "10"})
    assert offered.status_code == 302
    agreement = session.scalar(select(LendingAgreement))
    assert agreement.status == AgreementStatus.offered and agreement.max_hours_per_week == 10
    assert book_trailer(villager, w, 2).status_code == 403  # not before the village accepts

    village = client_of(app, w.village_coordinator)
    listing = village.get("/manage/agreements").get_data(as_text=True)
    assert "Farm co-op" in listing and "Accept" in listing
    assert village.post(f"/manage/agreements/{agreement.id}/accept").status_code == 302
    session.expire_all()
    assert session.get(LendingAgreement, agreement.id).status == AgreementStatus.active

    found = villager.get("/assets?q=trailer").get_data(as_text=True)
    assert "Farm trailer" in found and "Farm co-op" in found and "via agreement" in found
    assert book_trailer(villager, w, 2).status_code == 302
    booking = session.scalar(select(Booking).where(Booking.member_id == w.villager.id))
    assert booking.status == BookingStatus.pending  # the agreement asks for the co-op's approval

    manage = farm.get("/manage/").get_data(as_text=True)
    assert "Farm trailer" in manage and w.villager.name in manage
    assert farm.post(f"/manage/bookings/{booking.id}/decide", data={"decision": "approve"}).status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).status == BookingStatus.confirmed

    assert village.post(f"/manage/agreements/{agreement.id}/end").status_code == 302
    assert book_trailer(villager, w, 3).status_code == 403
    assert "Farm trailer" not in villager.get("/assets?q=trailer").get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).status == BookingStatus.confirmed  # made before the end: kept


@pytest.mark.parametrize("data, field_text", [
    ({"category_ids": []}, "Choose at least one"),
    ({"borrower_pool_id": "own"}, "does not lend to itself"),
    ({"borrower_pool_id": "999999"}, "no such pool"),
    ({"category_ids": ["village"]}, "own categories"),
    ({"max_at_once": "lots"}, "not a whole number"),
])
def test_a_bad_offer_shows_the_form_again_and_saves_nothing(app, session, make, w, data, field_text):
    drills = make.category(name="Drills", pool=w.village)
    session.commit()
    form = {"borrower_pool_id": str(w.village.id), "category_ids": [str(w.trailers.id)], **data}
    if form["borrower_pool_id"] == "own":
        form["borrower_pool_id"] = str(w.farm.id)
    if form["category_ids"] == ["village"]:
        form["category_ids"] = [str(drills.id)]
    answer = client_of(app, w.farm_coordinator).post("/manage/agreements/new", data=form)
    assert answer.status_code in (409, 422) and field_text.lower() in answer.get_data(as_text=True).lower()
    assert session.scalar(select(func.count()).select_from(LendingAgreement)) == 0


def test_members_cannot_open_the_agreements_pages(app, w):
    assert client_of(app, w.villager).get("/manage/agreements").status_code == 403


def test_the_request_form_and_the_search_offer_the_lent_category_once_accepted(app, session, w):
    from tests.agreement_world import lend_trailers

    villager = client_of(app, w.villager)
    option = f'<option value="{w.trailers.id}" >Trailers</option>'
    assert option not in villager.get("/requests/new").get_data(as_text=True)
    assert option not in villager.get("/assets").get_data(as_text=True)
    lend_trailers(session, w)
    session.commit()
    assert option in villager.get("/requests/new").get_data(as_text=True)
    assert option in villager.get("/assets").get_data(as_text=True)
    assert ">Tractors</option>" not in villager.get("/requests/new").get_data(as_text=True)
