"""CSV import of assets: a preview with row-level errors, then all rows or none."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from fleet.models import Asset, Role
from tests.helpers import login

GOOD = ("name,category,hub,cap_seats,cap_towbar,purchase_cost,currency,purchase_date,meter_unit\n"
        "Blue van,Cars,Central,7,yes,18500.50,eur,2024-05-17,km\n"
        "Green car,Cars,Central,4,no,,,,\n")


def setup(make, session):
    make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"})
    make.hub(name="Central")
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()


def count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Asset))


def test_preview_then_import(client, make, session):
    setup(make, session)
    login(client, "coord@example.org")
    r = client.post("/manage/assets/import", data={"action": "preview", "file": (io.BytesIO(GOOD.encode()), "a.csv")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "all can be imported" in html and count(session) == 0
    r = client.post("/manage/assets/import", data={"action": "apply", "csv": GOOD})
    assert r.status_code == 302 and count(session) == 2
    van = session.scalar(select(Asset).where(Asset.name == "Blue van"))
    assert van.capabilities == {"seats": 7, "towbar": True} and van.purchase_cost_minor == 1850050 \
        and van.currency == "EUR" and van.meter_unit.value == "km"


def test_row_errors_are_listed_and_nothing_is_imported(client, make, session):
    setup(make, session)
    login(client, "coord@example.org")
    bad = GOOD + "Ghost,Boats,Central,,,,,,\nOdd,Cars,Nowhere,,,,,,\nSeats,Cars,Central,many,,,,,\n" \
                 "Cost,Cars,Central,,,12.345,,,\nBlue van,Cars,Central,5,,,,,\n"
    r = client.post("/manage/assets/import", data={"action": "apply", "csv": bad})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "5 with errors" in html
    for message in ("No category named", "No hub named", "seats must be a number", "at most two decimals",
                    "Same name and hub as line 2"):
        assert message in html
    assert count(session) == 0


def test_bad_files(client, make, session):
    setup(make, session)
    login(client, "coord@example.org")
    assert "missing: category, hub" in client.post("/manage/assets/import", data={"csv": "name\nx\n"}).get_data(as_text=True)
    r = client.post("/manage/assets/import", data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "not UTF-8" in r.get_data(as_text=True)
    assert client.post("/manage/assets/import", data={"csv": "  "}).status_code == 422
    assert count(session) == 0


def test_members_cannot_import(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    assert client.post("/manage/assets/import", data={"csv": GOOD}).status_code == 403
