"""The JSON API: tokens, reading, booking, coordinators' actions, and every kind of bad input a client can send."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.models import Booking, Hub, MaintenanceWindow
from tests.helpers import PASSWORD, at


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def fleet_(make, session):
    hub = make.hub(name="Station", lat=52.09, lon=5.12)
    far = make.hub(name="Far", lat=52.30, lon=5.12)
    cars = make.category(name="Cars")
    car = make.asset(cars, hub, name="Near car", capabilities={"seats": 5, "towbar": True})
    far_car = make.asset(cars, far, name="Far car", capabilities={"seats": 7, "towbar": True})
    small = make.asset(cars, hub, name="Small car", capabilities={"seats": 4, "towbar": False})
    session.commit()
    return dict(hub=hub, far=far, cars=cars, car=car, far_car=far_car, small=small)


def count_bookings(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Booking))


# --- tokens and authentication ---------------------------------------------------------------------------------

def test_token_from_credentials_and_me(anon_api, people):
    r = anon_api.post("/tokens", json={"email": "member@example.org", "password": PASSWORD, "name": "laptop"})
    assert r.status_code == 201 and r.json["token"].startswith("cp_")
    anon_api.token = r.json["token"]
    me = anon_api.get("/me")
    assert me.status_code == 200 and me.json["email"] == "member@example.org" and me.json["role"] == "member"


def test_wrong_credentials_are_401(anon_api, people):
    r = anon_api.post("/tokens", json={"email": "member@example.org", "password": "wrong"})
    assert r.status_code == 401 and r.headers["Content-Type"] == "application/problem+json"


def test_no_token_unknown_token_and_revoked_token_are_401(api, anon_api, people, app):
    assert anon_api.get("/me").status_code == 401
    anon_api.token = "cp_not-a-token"
    assert anon_api.get("/me").status_code == 401
    tokens = api.get("/tokens").json["items"]
    assert api.delete(f"/tokens/{tokens[0]['id']}").status_code == 204
    r = api.get("/me")
    assert r.status_code == 401 and r.json["status"] == 401


def test_session_cookie_is_not_accepted(client, people):
    from tests.helpers import login

    login(client, "member@example.org")
    assert client.get("/bookings").status_code == 200  # the web session works...
    assert client.get("/api/v1/me").status_code == 401  # ...but not on the API


def test_token_stored_hashed(session, people):
    from fleet.models import ApiToken

    stored = {t.token_hash for t in session.scalars(select(ApiToken))}
    assert people["tokens"]["member"] not in stored and all(len(h) == 64 for h in stored)


# --- reading ---------------------------------------------------------------------------------------------------

def test_assets_nearest_first_with_filters(api, fleet_):
    r = api.get("/assets", query_string={"near": "52.09,5.12", "cap_seats": "5"})
    assert r.status_code == 200
    assert [a["name"] for a in r.json["items"]] == ["Near car", "Far car"]
    assert r.json["items"][0]["distance_km"] < r.json["items"][1]["distance_km"]
    r = api.get("/assets", query_string={"near": "52.09,5.12", "radius_km": "5"})
    assert {a["name"] for a in r.json["items"]} == {"Near car", "Small car"}


def test_assets_date_range_first(api, make, session, fleet_, people):
    make.booking(fleet_["car"], people["other"], at(3, 9), at(3, 12))
    session.commit()
    r = api.get("/assets", query_string={"available_from": z(at(3, 10)), "available_until": z(at(3, 11))})
    assert "Near car" not in {a["name"] for a in r.json["items"]} and r.json["total"] == 2


def test_pagination(api, fleet_):
    r = api.get("/assets", query_string={"per_page": 2, "page": 2})
    assert r.json["page"] == 2 and r.json["per_page"] == 2 and r.json["total"] == 3 and len(r.json["items"]) == 1


def test_availability_lists_free_intervals(api, make, session, fleet_, people):
    make.booking(fleet_["car"], people["other"], at(3, 9), at(3, 12))
    session.commit()
    r = api.get(f"/assets/{fleet_['car'].id}/availability", query_string={"from": z(at(3, 8)), "until": z(at(3, 14))})
    assert r.json["free"] == [{"start": z(at(3, 8)), "end": z(at(3, 9))}, {"start": z(at(3, 12)), "end": z(at(3, 14))}]


# --- booking ---------------------------------------------------------------------------------------------------

def test_book_read_list_cancel(api, session, fleet_):
    r = api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(2, 9)), "end": z(at(2, 12))})
    assert r.status_code == 201, r.json
    booking = r.json
    assert booking["status"] == "confirmed" and booking["start"] == z(at(2, 9))
    assert r.headers["Location"].endswith(f"/api/v1/bookings/{booking['id']}")
    assert api.get(f"/bookings/{booking['id']}").json == booking
    assert [b["id"] for b in api.get("/bookings").json["items"]] == [booking["id"]]
    r = api.post(f"/bookings/{booking['id']}/cancel")
    assert r.status_code == 200 and r.json["status"] == "cancelled"


def test_offsets_other_than_utc_are_understood(api, fleet_):
    start = at(2, 9).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
    r = api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": start.isoformat(), "end": z(at(2, 12))})
    assert r.status_code == 201 and r.json["start"] == z(at(2, 9))


def test_taken_slot_is_409_and_rule_is_422(api, other_api, session, fleet_):
    assert other_api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(2, 9)),
                                             "end": z(at(2, 12))}).status_code == 201
    r = api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(2, 10)), "end": z(at(2, 13))})
    assert r.status_code == 409 and r.headers["Content-Type"] == "application/problem+json"
    assert "already booked" in r.json["detail"] and "other@" not in r.json["detail"]
    r = api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(-1, 9)), "end": z(at(-1, 12))})
    assert r.status_code == 422 and "past" in r.json["detail"]
    assert count_bookings(session) == 1


@pytest.mark.parametrize("body,status", [
    ({"asset_id": 1, "start": "2030-01-01T10:00:00", "end": "2030-01-01T12:00:00Z"}, 422),   # naive datetime
    ({"asset_id": 1, "start": "tomorrow", "end": "2030-01-01T12:00:00Z"}, 422),
    ({"asset_id": "one", "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z"}, 422),
    ({"asset_id": 9223372036854775808, "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z"}, 422),
    ({"asset_id": 999999, "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z"}, 422),
    ({"asset_id": 1, "start": "2030-01-01T10:00:00Z"}, 422),                                   # missing end
    ({"asset_id": 1, "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z", "status": "confirmed"}, 422),
    ({"asset_id": 1, "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z", "member_id": 2}, 422),
    ([1, 2, 3], 422),
])
def test_bad_booking_bodies(api, session, fleet_, body, status):
    r = api.post("/bookings", json=body)
    assert r.status_code == status and r.headers["Content-Type"] == "application/problem+json"
    assert r.json["detail"]
    assert count_bookings(session) == 0


def test_malformed_json_is_400(api, session, fleet_):
    r = api.post("/bookings", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["detail"] == "The body is not valid JSON."
    r = api.post("/bookings", data="asset_id=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


@pytest.mark.parametrize("path", ["/bookings/9223372036854775808", "/assets/9223372036854775808",
                                  "/bookings/0", "/hubs/99999999999999999999999", "/assets/abc"])
def test_huge_or_bad_ids_are_404(api, fleet_, path):
    r = api.get(path)
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"


def test_another_members_booking_is_404(api, other_api, fleet_, session):
    created = other_api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(2, 9)),
                                                "end": z(at(2, 12))}).json
    assert api.get(f"/bookings/{created['id']}").status_code == 404
    assert api.post(f"/bookings/{created['id']}/cancel").status_code == 404
    assert api.get("/bookings", query_string={"member_id": created["member_id"]}).status_code == 403
    assert other_api.get(f"/bookings/{created['id']}").json["status"] == "confirmed"


def test_member_on_coordinator_endpoints_is_403(api, fleet_, session):
    assert api.post("/hubs", json={"name": "X", "lat": 1, "lon": 1, "timezone": "UTC"}).status_code == 403
    assert api.patch(f"/assets/{fleet_['car'].id}", json={"status": "retired"}).status_code == 403
    assert api.post(f"/assets/{fleet_['car'].id}/retire").status_code == 403
    assert api.post(f"/assets/{fleet_['car'].id}/maintenance",
                    json={"start": z(at(2, 9)), "end": z(at(2, 10))}).status_code == 403
    assert api.post("/bookings/1/approve").status_code == 403
    assert session.scalar(select(func.count()).select_from(Hub)) == 2


def test_idempotency_key_replays_the_first_response(api, session, fleet_):
    body = {"asset_id": fleet_["car"].id, "start": z(at(2, 9)), "end": z(at(2, 12))}
    first = api.post("/bookings", json=body, headers={"Idempotency-Key": "abc-1"})
    again = api.post("/bookings", json=body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers.get("Idempotent-Replayed") == "true"
    assert count_bookings(session) == 1
    other = api.post("/bookings", json={**body, "start": z(at(2, 13)), "end": z(at(2, 14))},
                     headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 422 and "different request" in other.json["detail"]
    assert count_bookings(session) == 1


# --- coordinators ----------------------------------------------------------------------------------------------

def test_coordinator_manages_the_fleet(coord_api, session, fleet_):
    hub = coord_api.post("/hubs", json={"name": "Barn", "lat": 52.0, "lon": 5.0, "timezone": "Europe/Amsterdam",
                                        "opening_hours": "Mon-Sat 07:00-19:00"})
    assert hub.status_code == 201, hub.json
    category = coord_api.post("/categories", json={"name": "Tractors", "kind": "machine", "approval_required": True,
                                                   "capability_schema": {"power_kw": "number"}})
    assert category.status_code == 201, category.json
    asset = coord_api.post("/assets", json={"name": "Open tractor", "category_id": category.json["id"],
                                            "hub_id": hub.json["id"], "capabilities": {"power_kw": 40},
                                            "purchase_cost_minor": 1200000, "purchase_date": "2024-03-01"})
    assert asset.status_code == 201, asset.json
    assert asset.json["capabilities"] == {"power_kw": 40}
    r = coord_api.patch(f"/assets/{asset.json['id']}", json={"name": "Open tractor 2"})
    assert r.status_code == 200 and r.json["name"] == "Open tractor 2" and r.json["capabilities"] == {"power_kw": 40}
    r = coord_api.patch(f"/assets/{asset.json['id']}", json={"capabilities": {"power_kw": "strong"}})
    assert r.status_code == 422
    r = coord_api.patch(f"/hubs/{hub.json['id']}", json={"timezone": "Mars/Base"})
    assert r.status_code == 422
    r = coord_api.patch(f"/categories/{category.json['id']}", json={"min_duration_minutes": 600,
                                                                    "max_duration_minutes": 60})
    assert r.status_code == 422
    assert coord_api.post(f"/assets/{asset.json['id']}/retire").json["status"] == "retired"
    assert coord_api.post(f"/hubs/{hub.json['id']}/retire").json["retired"] is True


def test_maintenance_lists_hit_bookings_and_deletes_nothing(coord_api, api, session, fleet_):
    booking = api.post("/bookings", json={"asset_id": fleet_["car"].id, "start": z(at(2, 9)),
                                          "end": z(at(2, 12))}).json
    r = coord_api.post(f"/assets/{fleet_['car'].id}/maintenance",
                       json={"start": z(at(2, 10)), "end": z(at(2, 16)), "reason": "brakes"})
    assert r.status_code == 201
    assert [b["id"] for b in r.json["bookings_hit"]] == [booking["id"]]
    assert api.get(f"/bookings/{booking['id']}").json["status"] == "confirmed"
    assert coord_api.delete(f"/maintenance/{r.json['id']}").status_code == 204
    assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
    r = coord_api.post(f"/assets/{fleet_['car'].id}/maintenance", json={"start": z(at(2, 16)), "end": z(at(2, 10))})
    assert r.status_code == 422


def test_coordinator_approves_and_filters(coord_api, api, make, session, fleet_, people):
    tractors = make.category(name="Tractors", approval_required=True)
    tractor = make.asset(tractors, fleet_["hub"])
    session.commit()
    booking = api.post("/bookings", json={"asset_id": tractor.id, "start": z(at(2, 9)), "end": z(at(2, 12))}).json
    assert booking["status"] == "pending"
    listed = coord_api.get("/bookings", query_string={"member_id": people["member"].id, "asset_id": tractor.id})
    assert [b["id"] for b in listed.json["items"]] == [booking["id"]]
    r = coord_api.post(f"/bookings/{booking['id']}/approve", json={"reason": "ok"})
    assert r.status_code == 200 and r.json["status"] == "confirmed"
    assert coord_api.post(f"/bookings/{booking['id']}/reject").status_code == 409


def test_role_is_never_mass_assigned(anon_api, session, people):
    r = anon_api.post("/tokens", json={"email": "member@example.org", "password": PASSWORD, "role": "admin"})
    assert r.status_code == 422
    session.refresh(people["member"])
    assert people["member"].role.value == "member"


def test_unknown_api_path_is_problem_json(api):
    r = api.get("/nope")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"
