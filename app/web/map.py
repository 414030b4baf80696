"""The map of hubs and what is free there now. Without a tile server (the default: no outside calls) the
hubs are drawn by their coordinates as SVG, which works without JavaScript; with MAP_TILE_URL set, a
Leaflet map (vendored) puts them on real tiles."""
from __future__ import annotations

import math

from flask import current_app, render_template
from flask_babel import gettext

from app.extensions import db
from app.web.catalogue import bp
from fleet.booking.availability import availability_now
from fleet.core.db import utcnow

WIDTH, HEIGHT, MARGIN = 640, 420, 40


def svg_positions(hubs) -> dict[int, tuple[float, float]]:
    """Hub positions in a WIDTH x HEIGHT box, north up, east right, distances true to scale."""
    if not hubs:
        return {}
    lats = [h.hub.lat for h in hubs]
    lons = [h.hub.lon for h in hubs]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))  # a degree of longitude is shorter away from the equator
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    return {h.hub.id: (MARGIN + (h.hub.lon - min(lons)) * squeeze * scale,
                       HEIGHT - MARGIN - (h.hub.lat - min(lats)) * scale) for h in hubs}


@bp.route("/map")
def hub_map():
    hubs = availability_now(db.session, utcnow())
    tiles = current_app.config.get("MAP_TILE_URL")
    data = {"tiles": tiles, "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
            "hubs": [{"id": h.hub.id, "name": h.hub.name, "lat": h.hub.lat, "lon": h.hub.lon, "free": h.free,
                      "total": h.total,
                      # the marker's text, in the page's language (map.js shows it as text, never as HTML)
                      "popup": gettext("%(hub)s: %(free)s of %(total)s free now", hub=h.hub.name, free=h.free,
                                       total=h.total)} for h in hubs]}
    return render_template("map.html", hubs=hubs, positions=svg_positions(hubs), width=WIDTH, height=HEIGHT,
                           data=data, tiles=tiles)
