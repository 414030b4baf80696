"""The stats pages: public pool page without personal data, coordinator-only dashboard and factors, the
member's share, CSV exports with formula injection neutralised, and the same numbers as the services."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.web.stats_tables import Table, to_csv
from fleet.core.db import utcnow
from fleet.models import BookingStatus, Role
from fleet.reporting.utilisation import utilisation_report
from tests.helpers import login

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


@pytest.fixture
def pool(make, session):
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    alice = make.member(name="Alice Zwanenburg", email="alice.secret@example.org", home_lat=52.1, home_lon=5.1)
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    hub = make.hub(name="Library", opening_hours="24/7")
    drills = make.category(name="Cordless drills")
    drill = make.asset(drills, hub, name="=HYPERLINK(\"http://evil.example\")")
    make.asset(drills, hub, name="@SUM(A1)")
    make.booking(drill, alice, now - timedelta(days=10, hours=5), now - timedelta(days=10), BookingStatus.completed)
    session.commit()
    return dict(alice=alice, coordinator=coordinator, drills=drills, now=now)


def test_public_page_has_figures_method_and_no_personal_data(client, pool):
    response = client.get("/pool")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Method" in html and "Caveats" in html and "supposedly" in html
    assert "Alice" not in html and "Zwanenburg" not in html and "alice.secret" not in html and "52.1" not in html
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    # only data blocks and files: no inline script for the CSP to refuse
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", html))  # no CDN
    for name in ("categories", "hubs", "weeks", "impact"):
        body = client.get(f"/pool/{name}.csv").get_data(as_text=True)
        assert "Alice" not in body and "alice.secret" not in body


def test_vendored_chart_library_with_licence():
    assert (STATIC / "vendor" / "chartjs" / "chart.umd.min.js").stat().st_size > 100_000
    assert "MIT" in (STATIC / "vendor" / "chartjs" / "LICENSE.md").read_text()
    assert (STATIC / "js" / "stats-charts.js").exists()


def test_coordinator_pages_are_refused_to_members(client, pool):
    assert client.get("/stats").status_code == 302  # to the login page
    login(client, "alice.secret@example.org")
    for path in ("/stats", "/stats/assets.csv", "/stats/factors"):
        assert client.get(path).status_code == 403, path
    assert client.post("/stats/factors", data={"category_id": pool["drills"].id,
                                                "factor_key": "car_ice"}).status_code == 403


def test_csv_neutralises_formulas(client, pool):
    login(client, "coord@example.org")
    response = client.get("/stats/assets.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = {r[2] for r in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://evil.example\")", "'@SUM(A1)"}
    text = to_csv(Table("t", "t", ["a"], [["+1"], ["-2"], ["\tx"], ["\rx"], ["plain"], [-3.5]]))
    assert text == "a\r\n'+1\r\n'-2\r\n'\tx\r\n\"'\rx\"\r\nplain\r\n-3.5\r\n"  # numbers stay numbers


def test_dashboard_numbers_equal_the_service(client, pool, session):
    login(client, "coord@example.org")
    start = (pool["now"] - timedelta(days=20)).date()
    end = pool["now"].date()
    query = f"from={start}&until={end}"
    response = client.get(f"/stats?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="chart-data"' in html and "Idle assets" in html and "Unmet demand" in html
    from datetime import datetime, time, timezone

    report = utilisation_report(session, datetime.combine(start, time(0), tzinfo=timezone.utc),
                                datetime.combine(end, time(0), tzinfo=timezone.utc))
    rows = list(csv.reader(io.StringIO(client.get(f"/stats/pool.csv?{query}").get_data(as_text=True))))
    assert float(rows[1][2]) == round(report.pool.figures.booked_hours, 2) == 5
    assert float(rows[1][3]) == round(report.pool.figures.bookable_hours, 2) == 2 * 20 * 24
    # drill down to the drill
    drill_id = report.assets[0].id
    assert client.get(f"/stats?{query}&asset={drill_id}").status_code == 200
    assert client.get("/stats?from=nonsense").status_code == 400


def test_factor_override_shows_on_the_public_page(client, pool):
    login(client, "coord@example.org")
    response = client.post("/stats/factors", data={
        "category_id": pool["drills"].id, "factor_key": "cordless_drill", "energy_mj_low": "100",
        "energy_mj_central": "200", "energy_mj_high": "300", "note": "Our own drills", "action": "save"})
    assert response.status_code == 302
    assert "override" in client.get("/stats/factors").get_data(as_text=True)
    body = client.get("/pool/impact.csv").get_data(as_text=True)
    assert "Embodied energy (MJ per unit): override" in body
    bad = client.post("/stats/factors", data={"category_id": pool["drills"].id, "factor_key": "cordless_drill",
                                               "energy_mj_low": "300", "energy_mj_central": "200",
                                               "energy_mj_high": "100"})
    assert bad.status_code == 400


def test_member_share(client, pool):
    login(client, "alice.secret@example.org")
    response = client.get("/my/share")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "5.0 hours" in html and "Cordless drills" in html
    assert client.get("/my/share.csv").status_code == 200


def test_dashboard_shows_recorded_meter_use_beside_booked_hours(client, pool, session, make):
    from fleet.models import Handover, HandoverKind, MeterUnit

    now = pool["now"]
    hub = make.hub(name="Farm", opening_hours="24/7")
    tractors, vans = make.category(name="Tractors"), make.category(name="Vans")
    tractor = make.asset(tractors, hub, name="Tractor", meter_unit=MeterUnit.hours)
    make.asset(vans, hub, name="Van", meter_unit=MeterUnit.km)  # a meter, never read
    start = now - timedelta(days=5)
    b = make.booking(tractor, pool["alice"], start, start + timedelta(hours=4), BookingStatus.completed)
    for kind, at, reading in ((HandoverKind.check_out, b.start_at, 100.0), (HandoverKind.check_in, b.end_at, 103.0)):
        session.add(Handover(booking_id=b.id, asset_id=tractor.id, kind=kind, by_id=pool["alice"].id, at=at,
                             meter_reading=reading, checklist={}, note=""))
    session.commit()
    login(client, "coord@example.org")
    html = client.get("/stats").get_data(as_text=True)
    assert "Recorded engine h" in html and "Engine h / booked h" in html and "no readings" in html
    assert "75.0" in html  # 3 engine hours of 4 booked

    rows = list(csv.reader(io.StringIO(client.get("/stats/categories.csv").get_data(as_text=True))))
    header, by_name = rows[0], {r[0]: r for r in rows[1:]}
    assert header[-3:] == ["Recorded km", "Recorded engine h", "Engine h / booked h"]
    assert header[:6] == ["Category", "Assets", "Booked h", "Bookable h", "Maintenance h", "Utilisation"]
    assert by_name["Tractors"][-3:] == ["–", "3.0", "75.0 %"] and float(by_name["Tractors"][2]) == 4
    assert by_name["Vans"][-3:] == ["no readings", "–", "–"]
    assert by_name["Cordless drills"][-3:] == ["–", "–", "–"]
    assets = list(csv.reader(io.StringIO(client.get("/stats/assets.csv").get_data(as_text=True))))
    assert {r[2]: r[-3:] for r in assets[1:]}["Tractor"] == ["–", "3.0", "75.0 %"]
    # the public page keeps its columns
    public = list(csv.reader(io.StringIO(client.get("/pool/categories.csv").get_data(as_text=True))))
    assert "Recorded km" not in public[0]


def test_table_cells_show_as_many_decimals_as_a_reader_can_use(app):
    from flask_babel import force_locale

    from app.web.stats_tables import cell_text

    with app.test_request_context():
        assert [cell_text(v) for v in (11297.16, 38.84, 2.346, 0.0)] == ["11,297", "38.8", "2.35", "0"]
        with force_locale("de"):
            assert cell_text(11297.16) == "11.297" and cell_text(38.84) == "38,8"
