"""Coordinator pages for categories and their booking rules."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.models import Category, CategoryKind, Role
from tests.helpers import login

GOOD = {"name": "Cargo bikes", "kind": "vehicle", "description": "Two wheels, one big box.",
        "min_duration_minutes": "60", "max_duration_minutes": "2880", "min_notice_minutes": "30",
        "max_advance_days": "60", "approval_required": "on", "capability_schema": "payload_kg:number, electric:bool"}


def categories(session) -> int:
    return session.scalar(select(func.count()).select_from(Category))


@pytest.fixture
def coordinator(client, make, session):
    member = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    session.commit()
    login(client, "coord@example.org")
    return member


def test_create_edit_retire_and_bring_back(client, session, coordinator):
    assert client.get("/manage/categories/new").status_code == 200
    r = client.post("/manage/categories/new", data=GOOD)
    assert r.status_code == 302 and r.headers["Location"].endswith("/manage/categories")
    c = session.scalar(select(Category).where(Category.name == "Cargo bikes"))
    assert c.kind == CategoryKind.vehicle and c.approval_required is True
    rules = (c.min_duration_minutes, c.max_duration_minutes, c.min_notice_minutes, c.max_advance_days)
    assert rules == (60, 2880, 30, 60)
    assert c.capability_schema == {"payload_kg": "number", "electric": "bool"}
    page = client.get("/manage/categories").get_data(as_text=True)
    assert "Cargo bikes" in page and "needs approval" in page and "payload_kg: number" in page

    edit = client.get(f"/manage/categories/{c.id}/edit").get_data(as_text=True)
    assert 'value="payload_kg:number, electric:bool"' in edit and "checked" in edit
    data = {**GOOD, "kind": "machine", "capability_schema": "payload_kg:number", "max_advance_days": "10"}
    del data["approval_required"]  # an unticked checkbox is not sent
    assert client.post(f"/manage/categories/{c.id}/edit", data=data).status_code == 302
    session.refresh(c)
    assert (c.kind, c.approval_required, c.max_advance_days) == (CategoryKind.machine, False, 10)
    assert c.capability_schema == {"payload_kg": "number"}

    client.post(f"/manage/categories/{c.id}/retire")
    session.refresh(c)
    assert c.retired is True
    assert "retired" in client.get("/manage/categories").get_data(as_text=True)
    client.post(f"/manage/categories/{c.id}/unretire")
    session.refresh(c)
    assert c.retired is False


@pytest.mark.parametrize("change,field,message", [
    ({"max_duration_minutes": "30"}, "max_duration_minutes", "maximum duration must be at least the minimum"),
    ({"min_notice_minutes": "-5"}, "min_notice_minutes", "must be between 0 and"),
    ({"min_duration_minutes": ""}, "min_duration_minutes", "Enter the minimum duration"),
    ({"max_advance_days": "soon"}, "max_advance_days", "is not a whole number"),
    ({"max_advance_days": "0"}, "max_advance_days", "must be between 1 and"),
    ({"capability_schema": "seats:integer"}, "capability_schema", "use number, bool or text"),
    ({"capability_schema": "Seats!:number"}, "capability_schema", "is not a capability name"),
    ({"kind": "boat"}, "kind", "Kind must be tool, machine or vehicle"),
])
def test_bad_input_is_refused_and_nothing_is_written(client, session, coordinator, change, field, message):
    r = client.post("/manage/categories/new", data={**GOOD, **change})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'value="Cargo bikes"' in html and "Two wheels, one big box." in html
    assert categories(session) == 0


def test_bad_edit_changes_nothing(client, make, session, coordinator):
    c = make.category(name="Drills", min_duration_minutes=30, max_duration_minutes=600)
    session.commit()
    r = client.post(f"/manage/categories/{c.id}/edit", data={**GOOD, "name": "Renamed", "max_duration_minutes": "10"})
    assert r.status_code == 422
    session.refresh(c)
    assert (c.name, c.max_duration_minutes) == ("Drills", 600)


def test_duplicate_name_is_a_conflict(client, make, session, coordinator):
    make.category(name="Cargo bikes")
    session.commit()
    r = client.post("/manage/categories/new", data=GOOD)
    assert r.status_code == 409 and "exists already" in r.get_data(as_text=True)
    assert categories(session) == 1


def test_unknown_category_is_404(client, session, coordinator):
    assert client.get("/manage/categories/424242/edit").status_code == 404
    assert client.post("/manage/categories/424242/edit", data=GOOD).status_code == 404
    assert client.post("/manage/categories/424242/retire").status_code == 404
    assert categories(session) == 0
