"""GET /api/v1/stats/utilisation and /stats/impact: public, no member data, the same numbers as the services."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fleet.core.db import utcnow
from fleet.reporting.impact import impact_report
from fleet.models import BookingStatus, MaintenanceWindow
from fleet.reporting.utilisation import heat_map, utilisation_report


@pytest.fixture
def stats_pool(make, session, people):
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    hub = make.hub(name="Library", opening_hours="Mon-Fri 08:00-18:00")
    cars = make.category(name="Cars")
    car = make.asset(cars, hub, name="Car")
    make.asset(cars, hub, name="Spare car")
    make.booking(car, people["member"], now - timedelta(days=30, hours=30), now - timedelta(days=30),
                 BookingStatus.completed)
    make.booking(car, people["other"], now - timedelta(days=12, hours=6), now - timedelta(days=12),
                 BookingStatus.completed)
    make.booking(car, people["other"], now - timedelta(days=5, hours=6), now - timedelta(days=5),
                 BookingStatus.rejected)
    session.add(MaintenanceWindow(asset_id=car.id, start_at=now - timedelta(days=9), end_at=now - timedelta(days=8)))
    session.commit()
    return dict(now=now, cars=cars)


def test_utilisation_equals_the_service(anon_api, stats_pool, session, people):
    start = stats_pool["now"] - timedelta(days=60)
    end = stats_pool["now"]
    response = anon_api.get("/stats/utilisation", query_string={"from": start.isoformat(), "until": end.isoformat()})
    assert response.status_code == 200
    body = response.get_json()
    report = utilisation_report(session, start, end)
    assert body["pool"] == report.pool.as_dict()
    assert body["categories"] == [r.as_dict() for r in report.categories]
    assert body["assets"] == [r.as_dict() for r in report.assets]
    assert body["weeks"] == [w.as_dict() for w in report.weeks]
    assert body["heat_map"] == heat_map(session, start, end).as_dict()
    assert body["pool"]["booked_hours"] > 0
    assert body["unmet_demand"][0]["unmet_requests"] == 1
    assert body["idle_assets"] == [r.as_dict() for r in report.idle_assets(0.05)]
    assert "Spare car" in [a["name"] for a in body["idle_assets"]]
    text = response.get_data(as_text=True)
    for m in (people["member"], people["other"]):
        assert m.email not in text and m.name not in text


def test_impact_equals_the_service(anon_api, stats_pool, session, people):
    response = anon_api.get("/stats/impact")
    assert response.status_code == 200
    body = response.get_json()
    report = impact_report(session, utcnow())
    assert body["pool"]["co2e_kg"] == report.total("co2e_kg").as_dict()
    (cars,) = [c for c in body["categories"] if c["name"] == "Cars"]
    assert cars["factor_key"] == "car_ice" and "MSL10" in cars["sources"]
    assert cars["marks"]["use_per_booked_hour"] == "assume"
    assert cars["co2e_kg"]["low"] <= cars["co2e_kg"]["central"] <= cars["co2e_kg"]["high"]
    assert "MSL10" in body["sources"]
    text = response.get_data(as_text=True)
    for m in (people["member"], people["other"]):
        assert m.email not in text and m.name not in text


def test_bad_periods_are_422(anon_api, stats_pool):
    now = stats_pool["now"]
    assert anon_api.get("/stats/utilisation", query_string={
        "from": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()}).status_code == 422
    assert anon_api.get("/stats/utilisation", query_string={
        "from": (now - timedelta(days=500)).isoformat(), "until": now.isoformat()}).status_code == 422
    assert anon_api.get("/stats/utilisation", query_string={"from": "2026-01-01T00:00:00"}).status_code == 422
    assert anon_api.get("/stats/utilisation", query_string={"until": "0001-01-02T00:00:00Z"}).status_code == 422
    assert anon_api.get("/stats/utilisation", query_string={"member": "1"}).status_code == 422


def test_documented(anon_api):
    doc = anon_api.get("/openapi.json").get_json()
    assert doc["paths"]["/stats/utilisation"]["get"]["security"] == []
    assert "ImpactStats" in doc["components"]["schemas"]


def test_an_empty_pool_id_is_refused_not_taken_as_the_default(anon_api, api):
    """The schema says pool_id is a whole number: an empty one is a client mistake (a form's empty option is not)."""
    for client, path in ((anon_api, "/stats/utilisation"), (anon_api, "/costs"), (api, "/governance/rules")):
        response = client.get(path, query_string={"pool_id": ""})
        assert response.status_code == 422, (path, response.status_code)
        assert response.get_json()["field"] == "pool_id"
