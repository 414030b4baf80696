"""Capability names and values as people read them, in their language (app/capability_labels.py)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from app import capability_labels as caps
from tests.helpers import login


@pytest.mark.parametrize("name,english,french", [
    ("power_w", "Power (W)", "Puissance (W)"),
    ("weight_kg", "Weight (kg)", "Poids (kg)"),
    ("seats", "Seats", "Places"),
    ("pto_required", "PTO required", "Prise de force requise"),
    ("colour", "Colour", "Colour"),  # a coordinator's own word: shown as written
    ("reach_m", "Reach (m)", "Reach (m)"),
])
def test_labels(app, name, english, french):
    with app.test_request_context():
        assert caps.label(name) == english
        with force_locale("fr"):
            assert caps.label(name) == french


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_a_rows_capabilities_are_shown_as_label_and_value_give_them(app, language):
    row = {"power_w": 900, "weight_kg": 2.2, "cordless": False, "seats": 5, "colour": "red", "pto_required": True}
    with app.test_request_context(), force_locale(language):
        assert caps.shown(row) == [(caps.label(k, with_unit=False), caps.value(k, v)) for k, v in row.items()]


def test_values_carry_units_and_locale(app):
    with app.test_request_context():
        assert caps.value("power_w", 900) == "900 W"
        assert caps.value("weight_kg", 2.2) == "2.2 kg"
        assert caps.value("cordless", False) == "no"
        assert caps.value("fuel", "petrol") == "petrol"
        with force_locale("de"):
            assert caps.value("weight_kg", 1234.5) == "1.234,5 kg"
            assert caps.value("cordless", True) == "ja"


@pytest.mark.db
def test_search_and_asset_pages_show_readable_capabilities(client, make, session):
    drills = make.category(name="Drills", capability_schema={"power_w": "number", "cordless": "bool"})
    asset = make.asset(drills, name="Drill", capabilities={"power_w": 800, "cordless": True})
    make.member(email="ann@example.org")
    session.commit()
    login(client, "ann@example.org")
    search = client.get(f"/assets?category={drills.id}").get_data(as_text=True)
    assert "Power (W), at least" in search and "Power: 800 W" in search and "Cordless: yes" in search
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "<dt>Power</dt><dd>800 W</dd>" in page
