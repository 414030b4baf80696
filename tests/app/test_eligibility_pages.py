"""The coordinator's "who may book what" pages, and what members see: the refusal that says which qualification
or limit, their qualifications on the account page, and the wait for approval."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, null, select

from fleet.models import (
    AccessSettings, Booking, CategoryLimits, CategoryQualification, Member, Qualification, QualificationGrant, Role,
)
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", opening_hours="24/7")
    tractors = make.category(name="Tractors", min_duration_minutes=60)
    tractor = make.asset(tractors, hub, name="Old Fendt")
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    member = make.member(email="me@example.org", name="Mo Member")
    session.commit()
    return dict(tractors=tractors, tractor=tractor, coordinator=coordinator, member=member)


def book(client, asset, start, end):
    return client.post("/bookings", data={"asset_id": asset.id, "start": local_input(start), "end": local_input(end)})


def test_coordinator_sets_up_a_qualification_and_the_member_is_told_how_to_get_it(client, session, pool):
    login(client, "coord@example.org")
    page = client.get("/manage/eligibility")
    assert page.status_code == 200 and "Who may book what" in page.get_data(as_text=True)
    added = client.post("/manage/eligibility/qualifications",
                        data={"q_name": "Tractor induction", "q_how": "Join the induction on the first Saturday."})
    assert added.status_code == 302
    qualification = session.scalar(select(Qualification))
    saved = client.post(f"/manage/eligibility/categories/{pool['tractors'].id}",
                        data={"qualification_ids": [str(qualification.id)], "max_at_once": "1",
                              "max_hours_per_week": "", "max_bookings_per_week": "3"})
    assert saved.status_code == 302
    assert session.scalar(select(CategoryQualification.qualification_id)) == qualification.id
    limits = session.scalar(select(CategoryLimits))
    assert (limits.max_at_once, limits.max_hours_per_week, limits.max_bookings_per_week) == (1, None, 3)
    listing = client.get("/manage/eligibility").get_data(as_text=True)
    assert "Tractor induction" in listing and "Join the induction" in listing
    client.get("/logout")

    login(client, "me@example.org")
    asset_page = client.get(f"/assets/{pool['tractor'].id}").get_data(as_text=True)
    assert "Needs the qualification Tractor induction. Join the induction" in asset_page
    assert "At most 1 booking(s) of Tractors at the same time per member." in asset_page
    refused = book(client, pool["tractor"], at(2, 9), at(2, 12))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "Tractors needs the qualification Tractor induction" in text and "first Saturday" in text
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    asked = client.post("/requests/new", data={"category_id": pool["tractors"].id,
                                               "earliest_start": local_input(at(2, 8)),
                                               "latest_end": local_input(at(2, 18)), "duration_h": "3",
                                               "duration_m": "0"})
    assert asked.status_code == 403
    assert "Tractors needs the qualification Tractor induction" in asked.get_data(as_text=True)
    assert "You hold no qualifications" in client.get("/account").get_data(as_text=True)
    client.get("/logout")

    login(client, "coord@example.org")
    granted = client.post("/manage/eligibility/grants", data={"member_id": pool["member"].id,
                                                              "qualification_id": qualification.id,
                                                              "expires_on": "2099-12-31"})
    assert granted.status_code == 302
    client.get("/logout")

    login(client, "me@example.org")
    account = client.get("/account").get_data(as_text=True)
    assert "Tractor induction" in account and "valid until" in account
    assert book(client, pool["tractor"], at(2, 9), at(2, 12)).status_code == 302
    over = book(client, pool["tractor"], at(2, 10), at(2, 13))  # the only tractor is busy, but the limit speaks first
    assert over.status_code == 409
    assert "the limit is 1 at once" in over.get_data(as_text=True)
    client.get("/logout")

    login(client, "coord@example.org")
    grant = session.scalar(select(QualificationGrant))
    assert client.post(f"/manage/eligibility/grants/{grant.id}/revoke").status_code == 302
    session.refresh(grant)
    assert grant.revoked_at is not None
    again = client.post(f"/manage/eligibility/grants/{grant.id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_bad_input_is_shown_beside_the_field(client, session, pool):
    login(client, "coord@example.org")
    empty = client.post("/manage/eligibility/qualifications", data={"q_name": "  ", "q_how": "x"})
    assert empty.status_code == 422 and "Give the qualification a name" in empty.get_data(as_text=True)
    bad_limit = client.post(f"/manage/eligibility/categories/{pool['tractors'].id}",
                            data={"max_at_once": "0"})
    assert bad_limit.status_code == 422 and "whole number from 1 to 100" in bad_limit.get_data(as_text=True)
    not_number = client.post(f"/manage/eligibility/categories/{pool['tractors'].id}", data={"max_at_once": "x"})
    assert not_number.status_code == 422
    bad_date = client.post("/manage/eligibility/grants", data={"member_id": pool["member"].id,
                                                               "qualification_id": "1", "expires_on": "soon"})
    assert bad_date.status_code == 422 and "is not a date" in bad_date.get_data(as_text=True)
    no_such = client.post("/manage/eligibility/grants", data={"member_id": pool["member"].id,
                                                              "qualification_id": "999999"})
    assert no_such.status_code == 422 and "No such qualification" in no_such.get_data(as_text=True)
    assert client.get("/manage/eligibility/qualifications/999999").status_code == 404


def test_members_cannot_reach_the_pages(client, session, pool):
    login(client, "me@example.org")
    assert client.get("/manage/eligibility").status_code == 403
    assert client.post("/manage/eligibility/approval", data={"required": "on"}).status_code == 403


def test_account_approval_from_the_members_page(client, session, make, pool):
    login(client, "coord@example.org")  # a pool's coordinator does not set it for every pool
    assert client.post("/manage/eligibility/approval", data={"required": "on"}).status_code == 403
    assert "sets this for every pool" in client.get("/manage/eligibility").get_data(as_text=True)
    client.post("/logout")
    make.member(Role.admin, email="admin@example.org")
    session.commit()
    login(client, "admin@example.org")
    assert client.post("/manage/eligibility/approval", data={"required": "on"}).status_code == 302
    client.post("/logout")
    login(client, "coord@example.org")
    assert session.get(AccessSettings, 1).approve_new_accounts
    newcomer = make.member(email="new@example.org", name="Nia New", approved_at=null())  # not None: the default
    session.commit()
    members = client.get("/manage/members").get_data(as_text=True)
    assert "waiting for approval" in members
    client.get("/logout")

    login(client, "new@example.org")
    assert "waiting for a coordinator" in client.get("/account").get_data(as_text=True)
    assert client.get(f"/assets/{pool['tractor'].id}").status_code == 200  # browsing is fine
    refused = book(client, pool["tractor"], at(2, 9), at(2, 12))
    assert refused.status_code == 403 and "waiting for a coordinator" in refused.get_data(as_text=True)
    client.get("/logout")

    login(client, "coord@example.org")
    approved = client.post(f"/manage/members/{newcomer.id}/approve", data={"back": "members"})
    assert approved.status_code == 302 and approved.headers["Location"].endswith("/manage/members")
    assert session.get(Member, newcomer.id).approved_at is not None
    client.get("/logout")

    login(client, "new@example.org")
    assert book(client, pool["tractor"], at(2, 9), at(2, 12)).status_code == 302


def test_the_grants_list_is_searched_and_paged(client, session, make, pool):
    from fleet.booking.eligibility_rules import create_qualification, grant_qualification
    from fleet.core.db import utcnow

    licence = create_qualification(session, pool["coordinator"], "Driving licence checked", "", utcnow())
    for i in range(55):
        grant_qualification(session, pool["coordinator"], make.member(name=f"Driver {i:02d}").id, licence.id, None,
                            utcnow())
    grant_qualification(session, pool["coordinator"], pool["member"].id, licence.id, None, utcnow())
    session.commit()
    login(client, "coord@example.org")
    first = client.get("/manage/eligibility").get_data(as_text=True)
    assert "56 grants" in first and "page 1 of 2" in first  # by name: Driver 00 to 49 first
    assert "<td>Driver 49</td>" in first and "<td>Driver 50</td>" not in first
    second = client.get("/manage/eligibility", query_string={"page": 2}).get_data(as_text=True)
    assert "<td>Driver 00</td>" not in second and "<td>Driver 50</td>" in second and "<td>Mo Member</td>" in second
    found = client.get("/manage/eligibility", query_string={"q": "me@example"}).get_data(as_text=True)
    assert "1 grant." in found and "<td>Mo Member</td>" in found
    assert client.get("/manage/eligibility", query_string={"page": "x", "qualification": "y"}).status_code == 200
