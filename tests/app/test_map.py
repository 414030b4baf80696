"""The map: free-now counts per hub, a coordinate view without tiles, Leaflet only with a tile server."""
from __future__ import annotations

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
