"""Category names are data that coordinators give per language: the category form and the API take them, and
each reader sees the name in their language, else the default name."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from fleet.catalogue.categories import create_category
from fleet.core.errors import ValidationFailed
from fleet.models import Category, Role
from tests.api.conftest import Api
from tests.app.test_manage_categories import GOOD
from tests.helpers import login


def test_a_category_names_itself_in_the_readers_language():
    bikes = Category(name="Cargo bikes", name_translations={"fr": "Vélos cargo", "de": "Lastenräder"})
    assert [bikes.name_in(code) for code in ("fr", "de-CH", "en", None, "nl")] == \
        ["Vélos cargo", "Lastenräder", "Cargo bikes", "Cargo bikes", "Cargo bikes"]


def test_the_service_keeps_names_per_language_and_refuses_bad_ones(make, session):
    coordinator = make.member(Role.coordinator)
    fields = dict(name="Cargo bikes", kind="vehicle", description="", min_duration_minutes=30,
                  max_duration_minutes=600, min_notice_minutes=0, max_advance_days=30, approval_required=False,
                  capability_schema="")
    made = create_category(session, coordinator, **fields, names={"fr": " Vélos cargo ", "de": "", "en": ""})
    assert made.name_translations == {"fr": "Vélos cargo"}
    with pytest.raises(ValidationFailed) as refused:
        create_category(session, coordinator, **{**fields, "name": "Vans"}, names={"french": "Camionnettes"})
    assert refused.value.field == "names"
    with pytest.raises(ValidationFailed) as refused:
        create_category(session, coordinator, **{**fields, "name": "Vans"}, names={"de": "x" * 121})
    assert refused.value.field == "name_de"


def test_coordinators_give_names_in_the_form_and_members_read_them_in_their_language(client, make, session):
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()
    login(client, "coord@example.org")
    form = client.get("/manage/categories/new").get_data(as_text=True)
    for code in ("en", "fr", "de"):
        assert f'id="name_{code}" name="name_{code}"' in form
    r = client.post("/manage/categories/new", data={**GOOD, "name_fr": "Vélos cargo", "name_de": "Lastenräder"})
    assert r.status_code == 302
    bikes = session.scalar(select(Category).where(Category.name == "Cargo bikes"))
    assert bikes.name_translations == {"fr": "Vélos cargo", "de": "Lastenräder"}
    edit = client.get(f"/manage/categories/{bikes.id}/edit").get_data(as_text=True)
    assert 'value="Vélos cargo"' in edit and 'value="Lastenräder"' in edit
    make.asset(bikes, make.hub(name="Barn"), name="Bakfiets")
    session.commit()
    for lang, shown in (("fr", "Vélos cargo"), ("de", "Lastenräder"), ("en", "Cargo bikes")):
        client.set_cookie("lang", lang)
        search = client.get("/assets").get_data(as_text=True)
        assert f'<option value="{bikes.id}" >{shown}</option>' in search and f"<td>{shown}</td>" in search
    r = client.post(f"/manage/categories/{bikes.id}/edit", data={**GOOD, "name_fr": "Vélos cargo", "name_de": ""})
    assert r.status_code == 302
    client.set_cookie("lang", "de")
    assert "<td>Cargo bikes</td>" in client.get("/assets").get_data(as_text=True)  # none in German: the default


def test_the_api_takes_and_gives_the_names(client, make, session):
    from fleet.core.db import utcnow
    from fleet.members.tokens import issue_token

    coordinator = make.member(Role.coordinator)
    token, _ = issue_token(session, coordinator, "script", utcnow())
    session.commit()
    api = Api(client, token)
    r = api.post("/categories", json={"name": "Cargo bikes", "kind": "vehicle"}, headers={"Idempotency-Key": "n-1"})
    assert r.status_code == 201 and r.json["names"] == {}
    bikes = r.json["id"]
    r = api.client.put(f"/api/v1/categories/{bikes}/names", json={"fr": "Vélos cargo", "de": "Lastenräder"},
                       headers=api._headers())
    assert r.status_code == 200 and r.json["names"] == {"fr": "Vélos cargo", "de": "Lastenräder"}
    r = api.patch(f"/categories/{bikes}", json={"description": "Two wheels"})
    assert r.json["names"] == {"fr": "Vélos cargo", "de": "Lastenräder"}  # left alone by other changes
    r = api.client.put(f"/api/v1/categories/{bikes}/names", json={"fr": "Biporteurs"}, headers=api._headers())
    assert r.json["names"] == {"fr": "Biporteurs"}  # replaces all given before
    assert api.client.put(f"/api/v1/categories/{bikes}/names", json={"french": "Vélos"},
                          headers=api._headers()).status_code == 422
    member = make.member()
    session.commit()
    other = Api(client, issue_token(session, member, "script", utcnow())[0])
    session.commit()
    assert other.client.put(f"/api/v1/categories/{bikes}/names", json={"fr": "x"},
                            headers=other._headers()).status_code == 403


def test_the_stats_pages_name_categories_in_the_readers_language(client, make, session):
    from datetime import timedelta

    from fleet.core.db import utcnow
    from fleet.models import BookingStatus

    now = utcnow().replace(minute=0, second=0, microsecond=0)
    bikes = make.category(name="Cargo bikes", name_translations={"fr": "Vélos cargo"})
    mia = make.member(email="mia@example.org")
    bike = make.asset(bikes, make.hub(name="Barn", opening_hours="24/7"), name="Bakfiets")
    make.booking(bike, mia, now - timedelta(days=5, hours=3), now - timedelta(days=5), BookingStatus.completed)
    session.commit()
    login(client, "mia@example.org")
    client.set_cookie("lang", "fr")
    assert '<th scope="row">Vélos cargo</th>' in client.get("/pool").get_data(as_text=True)
    assert '<th scope="row">Vélos cargo</th>' in client.get("/my/share").get_data(as_text=True)
    assert "Vélos cargo" in client.get("/my/share.csv").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert '<th scope="row">Cargo bikes</th>' in client.get("/pool").get_data(as_text=True)


def test_the_demo_names_its_categories_in_french_and_german(make, session):
    from fleet.demo import DEMO_CATEGORY_NAMES, name_demo_categories

    bikes = make.category(name="Cargo bikes")
    name_demo_categories(session)
    assert bikes.name_in("de") == "Lastenräder" and bikes.name_in("fr") == "Vélos cargo"
    assert all(set(names) == {"fr", "de"} for names in DEMO_CATEGORY_NAMES.values())
