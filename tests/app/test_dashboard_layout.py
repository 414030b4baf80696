"""Dashboards readable at 1280 px and on a phone: the stats pages load their own stylesheet (no inline style),
every figure in a table carries its column's name for the phone's card layout, the heat map scrolls visibly
under a held first column, and a member's share has a total and a chart."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from fleet.core.db import utcnow
from fleet.models import BookingStatus, Role
from tests.helpers import login

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "dashboards.css"


@pytest.fixture
def pool(make, session):
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    alice = make.member(email="alice@example.org")
    make.member(Role.coordinator, email="coord@example.org")
    hub = make.hub(name="Library", opening_hours="24/7")
    drills, bikes = make.category(name="Cordless drills"), make.category(name="Cargo bikes")
    drill, bike = make.asset(drills, hub, name="Drill"), make.asset(bikes, hub, name="Bakfiets")
    make.booking(drill, alice, now - timedelta(days=10, hours=5), now - timedelta(days=10), BookingStatus.completed)
    make.booking(bike, alice, now - timedelta(days=5, hours=3), now - timedelta(days=5), BookingStatus.completed)
    session.commit()


def _cells_without_label(html: str) -> list[str]:
    return [td for td in re.findall(r"<td[^>]*>", html) if "data-label=" not in td and "colspan" not in td]


@pytest.mark.parametrize("path, who", [("/pool", None), ("/stats", "coord@example.org"),
                                       ("/my/share", "alice@example.org")])
def test_stats_pages_use_the_dashboard_stylesheet_and_label_every_figure(client, pool, path, who):
    if who:
        login(client, who)
    html = client.get(path).get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/dashboards.css">' in html
    assert " style=" not in html  # the CSP forbids inline styles: the layout is in the file
    tables = html.count('class="stats-table')
    assert tables and html.count('role="region" tabindex="0"') == tables  # a table that scrolls takes the keyboard
    assert not _cells_without_label(html)


def test_the_heat_map_scrolls_visibly_under_its_held_first_column(client, pool):
    login(client, "coord@example.org")
    html = client.get("/stats").get_data(as_text=True)
    assert html.count('class="stats-table stats-scroll"') == 1
    heat = html[html.index('class="stats-table stats-scroll"'):]
    assert 'data-label="23"' in heat[:heat.index("</table>")]  # hours 16-23 are in the grid, labelled
    css = CSS.read_text()
    assert "position: sticky; left: 0" in css and "overflow-x: auto" in css and "scrollbar-color" in css
    assert ".chart-pair { display: flex; flex-wrap: wrap" in css  # a wide table wraps below its chart
    assert re.search(r"@media \(max-width: 600px\).*content: attr\(data-label\)", css, re.S)


def test_your_share_has_a_total_and_a_chart(client, pool):
    login(client, "alice@example.org")
    html = client.get("/my/share").get_data(as_text=True)
    assert '<tr class="total"><th scope="row">Total</th><td data-label="Hours">8</td>' \
           '<td data-label="Bookings">2</td>' in html
    charts = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)[1])
    assert charts["share"]["labels"] == ["Cargo bikes", "Cordless drills"]
    assert charts["share"]["datasets"][0]["data"] == [3.0, 5.0]
    assert '<canvas data-chart="share"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert 'data-label="CO2e kg/yr central"' in html  # on a phone, "central" alone would not say of what
    csv_total = client.get("/my/share.csv").get_data(as_text=True).strip().splitlines()[-1]
    assert csv_total.startswith("Total,8.0,2")
