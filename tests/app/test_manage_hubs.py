"""Coordinator pages for hubs: create, edit, retire; bad input re-renders the form and writes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.models import Hub, Role
from tests.helpers import login

GOOD = {"name": "Station hub", "address": "Stationsplein 1", "lat": "52.0894", "lon": "5.1100",
        "timezone": "Europe/Amsterdam", "opening_hours": "Mon-Fri 08:00-18:00; Sat 09:00-13:00"}


def hubs(session) -> int:
    return session.scalar(select(func.count()).select_from(Hub))


@pytest.fixture
def coordinator(client, make, session):
    member = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    session.commit()
    login(client, "coord@example.org")
    return member


def test_create_edit_retire_and_bring_back(client, session, coordinator):
    form = client.get("/manage/hubs/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.get_data(as_text=True)
    r = client.post("/manage/hubs/new", data=GOOD)
    assert r.status_code == 302 and r.headers["Location"].endswith("/manage/hubs")
    hub = session.scalar(select(Hub).where(Hub.name == "Station hub"))
    assert (hub.lat, hub.lon, hub.timezone, hub.retired) == (52.0894, 5.11, "Europe/Amsterdam", False)
    assert hub.opening_hours == GOOD["opening_hours"]
    page = client.get("/manage/hubs", follow_redirects=True).get_data(as_text=True)
    assert "Station hub" in page and "Mon-Fri 08:00-18:00" in page

    edit = client.get(f"/manage/hubs/{hub.id}/edit").get_data(as_text=True)
    assert 'value="Station hub"' in edit and "Mon-Fri 08:00-18:00; Sat 09:00-13:00" in edit
    r = client.post(f"/manage/hubs/{hub.id}/edit", data={**GOOD, "name": "Central hub", "lat": "52,1",
                                                         "timezone": "Europe/Lisbon", "opening_hours": "24/7"})
    assert r.status_code == 302
    session.refresh(hub)
    assert (hub.name, hub.lat, hub.timezone, hub.opening_hours) == ("Central hub", 52.1, "Europe/Lisbon", "24/7")

    r = client.post(f"/manage/hubs/{hub.id}/retire", follow_redirects=True)
    assert r.status_code == 200 and "retired" in r.get_data(as_text=True)
    session.refresh(hub)
    assert hub.retired is True
    assert "Central hub" in client.get("/manage/hubs").get_data(as_text=True)  # retired hubs stay listed
    client.post(f"/manage/hubs/{hub.id}/unretire")
    session.refresh(hub)
    assert hub.retired is False


@pytest.mark.parametrize("change,field,message", [
    ({"lat": "95"}, "lat", "Latitude must be between -90 and 90"),
    ({"lon": "-181"}, "lon", "Longitude must be between -180 and 180"),
    ({"lat": "north"}, "lat", "is not a number"),
    ({"lon": ""}, "lat", "Enter both latitude and longitude"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone", "is not an IANA time zone"),
    ({"opening_hours": "Mon-Fri 8-18"}, "opening_hours", "Cannot read the hours"),
    ({"opening_hours": "Funday 08:00-18:00"}, "opening_hours", "Unknown day"),
    ({"name": "  "}, "name", "Enter a name"),
])
def test_bad_input_is_refused_and_nothing_is_written(client, session, coordinator, change, field, message):
    r = client.post("/manage/hubs/new", data={**GOOD, **change})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'value="Stationsplein 1"' in html  # what was typed is kept
    assert hubs(session) == 0


def test_bad_edit_changes_nothing(client, make, session, coordinator):
    hub = make.hub(name="Old hub", lat=52.0)
    session.commit()
    r = client.post(f"/manage/hubs/{hub.id}/edit", data={**GOOD, "name": "New name", "lat": "95"})
    assert r.status_code == 422 and 'value="New name"' in r.get_data(as_text=True)
    session.refresh(hub)
    assert (hub.name, hub.lat) == ("Old hub", 52.0)


def test_duplicate_name_is_a_conflict(client, make, session, coordinator):
    make.hub(name="Station hub")
    session.commit()
    r = client.post("/manage/hubs/new", data=GOOD)
    assert r.status_code == 409 and "exists already" in r.get_data(as_text=True)
    assert hubs(session) == 1


def test_unknown_hub_is_404_and_retire_is_post_only(client, make, session, coordinator):
    hub = make.hub()
    session.commit()
    assert client.get("/manage/hubs/999999/edit").status_code == 404
    assert client.post("/manage/hubs/999999/retire").status_code == 404
    assert client.post("/manage/hubs/99999999999999/retire").status_code == 404
    assert client.get(f"/manage/hubs/{hub.id}/retire").status_code == 405
    session.refresh(hub)
    assert hub.retired is False


def test_a_name_taken_meanwhile_is_a_conflict_not_a_500(client, make, session, coordinator, monkeypatch):
    from fleet.catalogue import hubs as hub_service

    make.hub(name="Station hub")
    session.commit()

    def create_without_the_check(db_session, actor, pool_id=None, **fields):  # as if the other insert landed after our check
        hub = Hub(pool_id=pool_id or make.pool().id, **fields)
        db_session.add(hub)
        db_session.flush()
        return hub

    monkeypatch.setattr(hub_service, "create_hub", create_without_the_check)
    r = client.post("/manage/hubs/new", data=GOOD)
    assert r.status_code == 409 and "exists already" in r.get_data(as_text=True)
    assert hubs(session) == 1
