"""The catalogue search pages its results (web and API) in the same order as the whole list."""
from __future__ import annotations

from app.web.catalogue import PAGE_SIZE
from fleet.booking.availability import AssetQuery, find_available_assets, search_assets
from tests.helpers import at


def _pool(make, session, n):
    category = make.category()
    hubs = [make.hub(lat=52.09 + i * 0.01, lon=5.12 + i * 0.02) for i in range(4)]
    assets = [make.asset(category, hubs[i % 4], name=f"{'bcaB'[i % 4]}ike {i:03d}") for i in range(n)]
    session.commit()
    return category, hubs, assets


def test_pages_of_the_search_are_slices_of_the_whole_order(make, session):
    _pool(make, session, 23)
    for near in (None, (52.1, 5.15)):
        whole = [h.asset.id for h in find_available_assets(session, AssetQuery(near=near))]
        assert len(whole) == 23
        pages = [search_assets(session, AssetQuery(near=near), offset=o, limit=5) for o in range(0, 25, 5)]
        assert all(p.total == 23 for p in pages)
        assert [h.asset.id for p in pages for h in p.hits] == whole


def test_the_api_pages_with_the_total(make, session, api):
    _pool(make, session, 12)
    first = api.get("/assets", query_string={"per_page": 5, "near": "52.1,5.15"}).get_json()
    third = api.get("/assets", query_string={"per_page": 5, "page": 3, "near": "52.1,5.15"}).get_json()
    assert first["total"] == third["total"] == 12
    assert len(first["items"]) == 5 and len(third["items"]) == 2
    distances = [i["distance_km"] for i in first["items"] + third["items"]]
    assert distances == sorted(distances)


def test_the_search_page_shows_a_page_and_links_the_next(make, session, client):
    _pool(make, session, PAGE_SIZE + 3)
    first = client.get("/assets", query_string={"near": "point", "lat": "52.1", "lon": "5.15"})
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert html.count('class="caps"') == PAGE_SIZE
    assert f"{PAGE_SIZE + 3} in the pool" in html and 'rel="next"' in html and "page=2" in html
    second = client.get("/assets", query_string={"near": "point", "lat": "52.1", "lon": "5.15", "page": "2"})
    assert second.get_data(as_text=True).count('class="caps"') == 3


def test_a_range_keeps_only_hubs_open_at_both_ends_and_a_radius_only_near_ones(make, session):
    category = make.category()
    always = make.hub(opening_hours="24/7", lat=52.09, lon=5.12)
    days = make.hub(opening_hours="Mon-Sun 08:00-18:00", lat=52.09, lon=5.12)
    far = make.hub(opening_hours="24/7", lat=52.5, lon=5.12)
    ids = {hub.id: make.asset(category, hub).id for hub in (always, days, far)}
    session.commit()
    night = AssetQuery(available_from=at(3, 1), available_until=at(3, 2))
    assert {h.asset.id for h in find_available_assets(session, night)} == {ids[always.id], ids[far.id]}
    near = AssetQuery(near=(52.09, 5.12), max_distance_km=10)
    found = search_assets(session, near, limit=1)
    assert found.total == 2 and found.hits[0].distance_km < 0.01
    assert {h.asset.id for h in find_available_assets(session, near)} == {ids[always.id], ids[days.id]}
