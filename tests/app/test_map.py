"""The map: free-now counts per hub, a coordinate view without tiles, Leaflet only with a tile server."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from app.security import tile_origin
from app.web.map import svg_positions
from fleet.booking.availability import availability_now
from fleet.models import AssetStatus, MaintenanceWindow


def test_free_now_counts(session, make):
    hub = make.hub(name="North", lat=52.10, lon=5.10)
    cars = make.category(name="Cars")
    free, booked, maintained = (make.asset(cars, hub) for _ in range(3))
    make.asset(cars, hub, status=AssetStatus.retired)
    now = datetime.now(timezone.utc)
    make.booking(booked, make.member(), now - timedelta(hours=1), now + timedelta(hours=1))
    session.add(MaintenanceWindow(asset_id=maintained.id, start_at=now - timedelta(hours=1), end_at=now + timedelta(hours=1)))
    make.booking(free, make.member(), now + timedelta(hours=2), now + timedelta(hours=3))  # later: free now
    session.flush()
    [north] = availability_now(session, now)
    assert north.by_category == {"Cars": (1, 3)} and (north.free, north.total) == (1, 3)


def test_coordinate_view_without_tiles(client, make, session):
    make.asset(make.category(name="Drills"), make.hub(name="West <b>", lat=52.09, lon=5.05))
    make.asset(make.category(name="Bikes"), make.hub(name="East", lat=52.09, lon=5.15))
    session.commit()
    html = client.get("/map").get_data(as_text=True)
    assert "<svg" in html and "leaflet.js" not in html
    assert "West &lt;b&gt; (1/1)" in html


def test_positions_keep_north_up_and_scale():
    class H:
        def __init__(self, i, lat, lon):
            self.hub = type("Hub", (), {"id": i, "lat": lat, "lon": lon})

    pos = svg_positions([H(1, 52.0, 5.0), H(2, 52.1, 5.0), H(3, 52.0, 5.1)])
    assert pos[2][1] < pos[1][1]  # north is up
    assert pos[3][0] > pos[1][0]  # east is right
    # 0.1 degree of longitude at 52 N is about 0.62 of 0.1 degree of latitude
    ratio = (pos[3][0] - pos[1][0]) / (pos[1][1] - pos[2][1])
    assert 0.6 < ratio < 0.64


def test_leaflet_and_csp_only_with_a_tile_server(database_url, session, make):
    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"})
    make.asset(make.category(), make.hub())
    session.commit()
    r = app.test_client().get("/map")
    assert "vendor/leaflet/leaflet.js" in r.get_data(as_text=True)
    assert "img-src 'self' data: https://tiles.example.org" in r.headers["Content-Security-Policy"]
    assert tile_origin(None) is None and tile_origin("javascript:alert(1)") is None


def test_offline_base_layer_home_marker_and_labels_inside(client, make, session):
    """Without tiles: Natural Earth land and borders from the vendored world-atlas (with its licence), the
    member's home marked, and labels of hubs at the edges growing inwards."""
    from pathlib import Path

    from tests.helpers import login

    make.asset(make.category(), make.hub(name="Westmost hub", lat=52.09, lon=5.05))
    make.asset(make.category(), make.hub(name="Eastmost hub", lat=52.09, lon=5.20))
    make.member(email="home@example.org", home_lat=52.10, home_lon=5.12)
    session.commit()
    vendor = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor" / "world-atlas"
    assert (vendor / "LICENSE").is_file() and (vendor / "land-50m.json").is_file()
    html = client.get("/map").get_data(as_text=True)
    assert 'class="land"' in html and "Natural Earth" in html and "Your home" not in html
    land = re.search(r'<path class="land" d="([^"]+)"', html).group(1)
    assert land.startswith("M") and land.count("L") >= 3
    assert re.search(r'class="hub-label" text-anchor="start">Westmost hub', html)
    assert re.search(r'class="hub-label" text-anchor="end">Eastmost hub', html)
    assert 'class="card locator"' in html and 'class="view-box"' in html
    login(client, "home@example.org")
    html = client.get("/map").get_data(as_text=True)
    assert 'class="home-marker"' in html and ">Your home</text>" in html


def test_offline_land_follows_the_coast():
    """A view on the coast (Scheveningen) is part land, part sea; one far out at sea has no land."""
    from app.web.offline_map import Projection, land_path

    inland = land_path(Projection.fitting([(52.09, 5.10), (52.08, 5.16)], 640, 420, 40))  # Utrecht
    coast = land_path(Projection.fitting([(52.11, 4.20), (52.11, 4.40)], 640, 420, 40))
    assert inland.count("L") == 3  # all land: the (padded) box itself
    assert coast and coast != inland  # the coast crosses the view
    assert land_path(Projection.fitting([(45.0, -30.0)], 640, 420, 40)) == ""


def test_a_picked_point_goes_back_to_the_search(client, make, session):
    make.asset(make.category(), make.hub(name="Only hub"))
    session.commit()
    html = client.get("/map", query_string={"pick": "1", "q": "drill", "bogus": "x"}).get_data(as_text=True)
    assert 'data-pick-url="/assets?q=drill&amp;near=map"' in html and "js/map-pick.js" in html
    assert "near=hub&amp;near_hub=" in html  # without JavaScript, a hub is the point


def test_labels_of_neighbouring_hubs_do_not_overlap():
    """Two hubs side by side: the second label moves below its circle instead of covering the first."""
    from app.web.map import CHAR_WIDTH, LABEL_HEIGHT, place_labels

    class H:
        def __init__(self, i, name):
            self.hub = type("Hub", (), {"id": i, "name": name})
            self.free, self.total = 1, 4

    hubs = [H(1, "Lombok Neighbourhood Workshop"), H(2, "Neude Library Hub")]
    labels = place_labels(hubs, {1: (60.0, 150.0), 2: (200.0, 140.0)})
    (x1, y1, a1), (x2, y2, _a2) = labels[1], labels[2]
    assert a1 == "start" and x1 >= 0 and x1 + CHAR_WIDTH * 35 > x2  # they would share a line...
    assert abs(y1 - y2) >= LABEL_HEIGHT and y1 > 150  # ...so the lower hub's label goes below its circle


def test_leaflet_map_marks_home_too(app, database_url, session, make):
    import json

    from app import create_app
    from tests.helpers import login

    tiled = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                                   "MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"})
    tiled.test_client_class = app.test_client_class  # forgets the user between requests, as real ones do
    make.asset(make.category(), make.hub())
    make.member(email="home@example.org", home_lat=52.1, home_lon=5.1)
    session.commit()
    client = tiled.test_client()
    login(client, "home@example.org")
    html = client.get("/map").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1))
    assert data["home"] == {"lat": 52.1, "lon": 5.1, "label": "Your home"} and 'class="land"' not in html
