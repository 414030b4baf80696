"""Search answers that don't mislead: a bad point is refused with the error beside its field (page) or in the
problem (API), never answered with "Nothing matches"; a time that has passed is refused, not listed as free."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from tests.helpers import login


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Library", opening_hours="24/7")
    make.asset(make.category(name="Drills"), hub, name="Blue drill")
    member = make.member(email="mia@example.org")
    session.commit()
    return member


@pytest.mark.parametrize("query, field, message", [
    ("lat=999&lon=abc", "lat", "The latitude must be between -90 and 90."),
    ("lat=52&lon=abc", "lon", "is not a number."),
    ("near=point&lat=52&lon=999", "lon", "The longitude must be between -180 and 180."),
    ("lat=52", "lon", "Enter both latitude and longitude for the search point."),
])
def test_a_bad_search_point_is_refused_beside_its_field(client, pool, query, field, message):
    r = client.get(f"/assets?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert f'<span class="error" id="{field}-error" role="alert">' in html and message in html
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in html
    assert "Nothing matches" not in html and "in the pool</h2>" not in html
    assert 'id="search-refused"' in html and "Blue drill" not in html


def test_a_good_point_still_searches(client, pool):
    html = client.get("/assets?lat=52.1&lon=5.1").get_data(as_text=True)
    assert "Blue drill" in html and "1 in the pool" in html


def test_searching_a_time_that_has_passed_is_refused(client, pool):
    login(client, "mia@example.org")
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    r = client.get(f"/assets?from={yesterday}T10:00&until={yesterday}T12:00")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "That time has passed: search from now on." in html
    assert 'id="from-error"' in html and "free for that whole time" not in html and "Blue drill" not in html
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    html = client.get(f"/assets?from={tomorrow}T10:00&until={tomorrow}T12:00").get_data(as_text=True)
    assert "1 free for that whole time" in html and "Blue drill" in html


def _api(client, session, member, query):
    token, _ = issue_token(session, member, "script", utcnow())
    session.commit()
    return client.get(f"/api/v1/assets?{query}", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("query, field", [("lat=999&lon=abc", "lat"), ("lat=52&lon=abc", "lon"), ("lat=52", "lon"),
                                          ("near=52,5&lat=52&lon=5", "near")])
def test_the_api_refuses_a_bad_point_with_a_problem(client, session, pool, query, field):
    r = _api(client, session, pool, query)
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json"
    assert r.get_json()["field"] == field and r.get_json()["detail"]


def test_the_api_searches_by_lat_and_lon(client, session, pool):
    r = _api(client, session, pool, "lat=52.1&lon=5.1")
    assert r.status_code == 200 and r.get_json()["items"][0]["distance_km"] is not None


def test_the_api_refuses_a_range_that_has_passed(client, session, pool):
    start = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    query = f"available_from={start.isoformat().replace('+00:00', 'Z')}" \
            f"&available_until={(start + timedelta(hours=2)).isoformat().replace('+00:00', 'Z')}"
    r = _api(client, session, pool, query)
    assert r.status_code == 422 and r.get_json()["detail"] == "That time has passed: search from now on."
