"""Who may book what through the API: coordinators define qualifications, category rules and grants, approve
accounts; bookings and flexible requests made through the API obey them and say which rule refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.models import Booking, FlexibleRequest, Role
from tests.api.conftest import Api
from tests.helpers import at


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def saws(make, session):
    hub = make.hub(opening_hours="24/7")
    saws = make.category(name="Chainsaws", min_duration_minutes=60)
    first, second = make.asset(saws, hub, name="Stihl"), make.asset(saws, hub, name="Husqvarna")
    session.commit()
    return dict(category=saws, first=first, second=second)


def book(api, asset, start, end):
    return api.post("/bookings", json={"asset_id": asset.id, "start": z(start), "end": z(end)})


def test_qualification_grants_and_limits_through_the_api(api, coord_api, people, saws, session):
    created = coord_api.post("/qualifications", json={"name": "Chainsaw induction",
                                                       "how_to_get": "Book the induction at the Station."},
                             headers={"Idempotency-Key": "q-1"})
    assert created.status_code == 201
    replay = coord_api.post("/qualifications", json={"name": "Chainsaw induction",
                                                      "how_to_get": "Book the induction at the Station."},
                            headers={"Idempotency-Key": "q-1"})
    assert replay.status_code == 201 and replay.json["id"] == created.json["id"]
    assert replay.headers.get("Idempotent-Replayed") == "true"
    qualification_id = created.json["id"]
    rules = coord_api.client.put(f"/api/v1/categories/{saws['category'].id}/eligibility",
                                 json={"qualification_ids": [qualification_id], "max_at_once": 1,
                                       "max_hours_per_week": None, "max_bookings_per_week": None},
                                 headers={"Authorization": f"Bearer {people['tokens']['coordinator']}"})
    assert rules.status_code == 200 and rules.json["max_at_once"] == 1
    seen = api.get(f"/categories/{saws['category'].id}/eligibility")
    assert seen.status_code == 200 and seen.json["qualifications"][0]["name"] == "Chainsaw induction"

    refused = book(api, saws["first"], at(2, 9), at(2, 12))
    assert refused.status_code == 403
    assert "Chainsaw induction" in refused.json["detail"] and "Book the induction" in refused.json["detail"]
    asked = api.post("/requests", json={"category_id": saws["category"].id, "earliest_start": z(at(2, 8)),
                                        "latest_end": z(at(2, 18)), "duration_minutes": 120, "requires": {}})
    assert asked.status_code == 403 and "Chainsaw induction" in asked.json["detail"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(FlexibleRequest)) == 0

    granted = coord_api.post("/qualification-grants", json={"member_id": people["member"].id,
                                                             "qualification_id": qualification_id,
                                                             "expires_on": z(at(30))[:10]},
                             headers={"Idempotency-Key": "g-1"})
    assert granted.status_code == 201 and granted.json["valid_today"] is True
    mine = api.get("/me/eligibility").json
    assert mine == {"awaiting_approval": False, "qualifications": [
        {"name": "Chainsaw induction", "expires_on": z(at(30))[:10], "revoked": False, "valid": True}]}

    assert book(api, saws["first"], at(2, 9), at(2, 12)).status_code == 201
    over = book(api, saws["second"], at(2, 10), at(2, 11))
    assert over.status_code == 409
    assert over.json["detail"] == ("You already hold 1 booking(s) of Chainsaws at that time; the limit is 1 at "
                                   "once.")
    flexible = api.post("/requests", json={"category_id": saws["category"].id, "earliest_start": z(at(2, 9)),
                                           "latest_end": z(at(2, 12)), "duration_minutes": 120, "requires": {}})
    assert flexible.status_code == 201 and flexible.json["status"] == "waitlisted"
    assert "the limit is 1 at once" in flexible.json["waitlist_reason"]

    revoked = coord_api.post(f"/qualification-grants/{granted.json['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None
    assert book(api, saws["second"], at(4, 9), at(4, 12)).status_code == 403
    assert coord_api.post(f"/qualification-grants/{granted.json['id']}/revoke").status_code == 409


def test_bad_input_and_members(api, coord_api, saws, people):
    assert api.post("/qualifications", json={"name": "Mine"}).status_code == 403
    assert coord_api.post("/qualifications", json={"name": ""}).status_code == 422
    assert coord_api.post("/qualifications", json={"name": "x", "colour": "red"}).status_code == 422
    bad_date = coord_api.post("/qualification-grants", json={"member_id": people["member"].id, "qualification_id": 1,
                                                             "expires_on": "soon"})
    assert bad_date.status_code == 422
    no_such = coord_api.post("/qualification-grants", json={"member_id": people["member"].id,
                                                            "qualification_id": 999999})
    assert no_such.status_code == 404
    assert coord_api.get("/qualifications/999999").status_code == 404
    assert api.get("/qualification-grants").status_code == 403
    assert api.get("/access-settings").status_code == 403


def test_account_approval_through_the_api(client, coord_api, make, session, saws):
    from fleet.core.db import utcnow
    from fleet.members.signup import confirm_signup, request_signup
    from fleet.members.tokens import issue_token
    from tests.helpers import PASSWORD

    refused = coord_api.client.put("/api/v1/access-settings", json={"approve_new_accounts": True},
                                   headers={"Authorization": f"Bearer {coord_api.token}"})
    assert refused.status_code == 403  # one setting for every pool: the installation's administrator's
    admin_token, _ = issue_token(session, make.member(Role.admin), "admin", utcnow())
    session.commit()
    turned_on = coord_api.client.put("/api/v1/access-settings", json={"approve_new_accounts": True},
                                     headers={"Authorization": f"Bearer {admin_token}"})
    assert turned_on.status_code == 200 and turned_on.json == {"approve_new_accounts": True}
    outcome = request_signup(session, "fresh@example.org", "Fresh Face", PASSWORD, utcnow())
    newcomer = confirm_signup(session, outcome.token, PASSWORD, utcnow())
    token, _ = issue_token(session, newcomer, "mine", utcnow())
    session.commit()
    fresh = Api(client, token)
    assert fresh.get("/me/eligibility").json["awaiting_approval"] is True
    assert fresh.get("/assets").status_code == 200  # browsing is fine
    refused = book(fresh, saws["first"], at(2, 9), at(2, 12))
    assert refused.status_code == 403 and "approval" in refused.json["detail"]
    waiting = coord_api.get("/accounts/waiting").json
    assert [a["email"] for a in waiting["items"]] == ["fresh@example.org"]
    approved = coord_api.post(f"/accounts/{newcomer.id}/approve", headers={"Idempotency-Key": "a-1"})
    assert approved.status_code == 200 and approved.json["approved_at"] is not None
    again = coord_api.post(f"/accounts/{newcomer.id}/approve", headers={"Idempotency-Key": "a-1"})
    assert again.status_code == 200  # the retry replays the first answer
    assert book(fresh, saws["first"], at(2, 9), at(2, 12)).status_code == 201
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    assert coord_api.get("/accounts/waiting").json["items"] == []


def test_a_series_through_the_api_skips_the_occurrences_past_the_limit(api, coord_api, people, saws, session):
    from fleet.booking.eligibility_rules import set_category_rules

    set_category_rules(session, people["coordinator"], saws["category"].id, [], 1, None, None)
    session.commit()
    assert book(api, saws["first"], at(9, 8), at(9, 20)).status_code == 201  # overlaps the second occurrence
    first_day = z(at(2))[:10]
    made = api.post("/series", json={"asset_id": saws["second"].id, "first_date": first_day, "start_time": "10:00",
                                     "end_time": "12:00", "occurrences": 3})
    assert made.status_code == 201
    assert len(made.json["skipped"]) == 1 and "the limit is 1 at once" in made.json["skipped"][0]["reason"]
