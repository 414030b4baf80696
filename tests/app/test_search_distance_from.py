"""Search: "Distance from" offers my home, a hub, or a point picked on the map; raw coordinates are under
"other place"."""
from __future__ import annotations

import re

import pytest

from tests.helpers import login


@pytest.fixture
def town(make, session):
    north = make.hub(name="North hub", lat=52.20, lon=5.12)
    south = make.hub(name="South hub", lat=52.00, lon=5.12)
    bikes = make.category(name="Bikes")
    make.asset(bikes, north, name="North bike")
    make.asset(bikes, south, name="South bike")
    make.member(email="south@example.org", home_lat=52.01, home_lon=5.12)
    make.member(email="homeless@example.org")
    session.commit()
    return dict(north=north, south=south)


def order(html: str) -> list[str]:
    return re.findall(r">(North bike|South bike)</a>", html)


def test_the_choices_are_offered(client, town):
    html = client.get("/assets").get_data(as_text=True)
    for value in ("home", "hub", "map", "none"):
        assert f'name="near" value="{value}"' in html
    other = html.split('<details class="other-place"', 1)[1].split("</details>", 1)[0]
    assert 'name="near" value="point"' in other and 'id="lat"' in other and 'id="lon"' in other
    assert 'id="lat"' not in html.split('<details class="other-place"', 1)[0]
    assert "/map?pick=1" in html
    assert "log in to use it" in html


def test_my_home(client, town):
    login(client, "south@example.org")
    assert order(client.get("/assets").get_data(as_text=True)) == ["South bike", "North bike"]


def test_a_hub(client, town):
    html = client.get("/assets", query_string={"near": "hub", "near_hub": town["north"].id}).get_data(as_text=True)
    assert order(html) == ["North bike", "South bike"]
    missing = client.get("/assets", query_string={"near": "hub", "near_hub": ""})
    assert missing.status_code == 400 and 'id="near_hub-error"' in missing.get_data(as_text=True)


def test_a_point_picked_on_the_map_keeps_the_search(client, town):
    html = client.get("/assets", query_string={"near": "map", "lat": "52.19", "lon": "5.12", "q": "bike"})
    text = html.get_data(as_text=True)
    assert order(text) == ["North bike", "South bike"]
    assert "a point picked on the map (52.19, 5.12)" in text
    assert "/map?pick=1&amp;q=bike" in text  # picking again keeps the other search values
    assert client.get("/assets", query_string={"near": "map"}).status_code == 400


def test_other_place_and_unknown_choice(client, town):
    html = client.get("/assets", query_string={"near": "point", "lat": "52.0", "lon": "5.1"}).get_data(as_text=True)
    assert order(html) == ["South bike", "North bike"] and "<details class=\"other-place\" open" in html
    bad = client.get("/assets", query_string={"near": "point", "lat": "100", "lon": "5"})
    assert bad.status_code == 400 and "The latitude must be between -90 and 90." in bad.get_data(as_text=True)
    assert client.get("/assets", query_string={"near": "moon"}).status_code == 400
