"""A CSV import a coordinator can fix: a long name neither widens the page nor passes, an unknown capability
column names the valid ones, a template to download, and no purchase date in the future."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fleet.catalogue.capabilities import coerce_capabilities
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models import Asset, Category, Hub, Role
from tests.helpers import login

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "app.css"


@pytest.fixture
def pool(make, session):
    make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"})
    make.category(name="Ladders", capability_schema={})
    make.hub(name="Central")
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()


def _preview(client, text: str):
    r = client.post("/manage/assets/import", data={"action": "preview", "csv": text})
    return r.status_code, r.get_data(as_text=True)


def test_a_very_long_name_is_refused_and_cut_in_the_result_table(client, pool):
    login(client, "coord@example.org")
    name = "Van" + "x" * 4997
    status, html = _preview(client, f"name,category,hub\n{name},Cars,Central\nShort van,Cars,Central\n")
    assert status == 422 and "1 with errors" in html
    result = html[html.index('<table class="import-result">'):html.index("</table>")]
    assert "Enter a name of at most 120 characters." in result
    assert name not in result and name[:80] + "… " in result and "(5000 characters)" in result
    assert "table.import-result { table-layout: fixed; }" in CSS.read_text()
    assert "table.import-result td { overflow-wrap: anywhere; }" in CSS.read_text()


def test_an_unknown_capability_column_lists_the_valid_ones(client, pool):
    login(client, "coord@example.org")
    status, html = _preview(client, "name,category,hub,cap_payload\nVan,Cars,Central,500\nSteps,Ladders,Central,2\n")
    assert status == 422
    assert "Unknown column &#39;cap_payload&#39; for Cars; its capability columns are cap_seats, cap_towbar." in html
    assert "Unknown column &#39;cap_payload&#39;: Ladders has no capabilities." in html


def test_the_capability_service_lists_the_valid_keys():
    with pytest.raises(ValidationFailed) as refused:
        coerce_capabilities({"seats": "number", "towbar": "bool"}, {"payload": "5"})
    assert refused.value.message == "Unknown capability 'payload' for this category; its capabilities are seats, towbar."
    with pytest.raises(ValidationFailed) as refused:
        coerce_capabilities({}, {"payload": "5"})
    assert refused.value.message == "Unknown capability 'payload': this category has no capabilities."


def test_a_template_to_download_reads_back_in(client, pool, session):
    login(client, "coord@example.org")
    page = client.get("/manage/assets/import").get_data(as_text=True)
    assert 'href="/manage/assets/import/template.csv" download' in page
    r = client.get("/manage/assets/import/template.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["name", "category", "hub", "type", "status", "description", "design_url", "design_licence",
                       "purchase_cost", "currency", "purchase_date", "meter_unit", "cap_seats", "cap_towbar"]
    assert [row[1] for row in rows[1:]] == ["Cars", "Ladders"] and rows[1][2] == "Central"
    status, html = _preview(client, r.get_data(as_text=True).lstrip("\ufeff").replace("Example asset", "Van", 1))
    assert status == 200 and "all can be imported" in html


def test_members_get_no_template(client, pool, make, session):
    make.member(email="mia@example.org")
    session.commit()
    login(client, "mia@example.org")
    assert client.get("/manage/assets/import/template.csv").status_code == 403


def test_a_purchase_date_in_the_future_is_refused(client, pool, session):
    login(client, "coord@example.org")
    status, html = _preview(client, "name,category,hub,purchase_date\nVan,Cars,Central,2099-01-01\n"
                                    f"Old van,Cars,Central,{(utcnow() - timedelta(days=1)).date()}\n")
    assert status == 422 and "1 with errors" in html and "The purchase date 2099-01-01 is in the future." in html
    form = {"name": "Blue van", "category_id": session.scalar(select(Category.id).where(Category.name == "Cars")),
            "hub_id": session.scalar(select(Hub.id)), "status": "active", "purchase_date": "2099-01-01",
            "currency": "EUR"}
    r = client.post("/manage/assets/new", data=form)
    assert r.status_code == 422 and "The purchase date 2099-01-01 is in the future." in r.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Asset)) == 0
