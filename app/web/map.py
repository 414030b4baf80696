"""The map of hubs and what is free there now. Without a tile server (the default: no outside calls) the
hubs are drawn as SVG over an offline base layer (Natural Earth land and borders, app/web/offline_map.py),
which works without JavaScript; with MAP_TILE_URL set, a Leaflet map (vendored) puts them on real tiles.
The member's home is marked on both. With `pick=1` the map picks the point a search measures distance
from (js/map-pick.js; without JavaScript, the hubs' links do it)."""
from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app.extensions import db
from app.templating import km
from app.web.catalogue import bp
from app.web.search_params import SEARCH_KEYS
from app.web.offline_map import Projection, border_path, land_path, scale_bar
from fleet.booking.availability import availability_now
from fleet.core.db import utcnow

WIDTH, HEIGHT, MARGIN = 640, 420, 40
LOCATOR_WIDTH, LOCATOR_HEIGHT, LOCATOR_SPAN_DEG = 200, 150, 6.0


def svg_positions(hubs, projection: Projection | None = None) -> dict[int, tuple[float, float]]:
    """Hub positions in a WIDTH x HEIGHT box, north up, east right, distances true to scale."""
    projection = projection or Projection.fitting([(h.hub.lat, h.hub.lon) for h in hubs], WIDTH, HEIGHT, MARGIN)
    return {h.hub.id: projection.xy(h.hub.lat, h.hub.lon) for h in hubs}


def label_anchor(x: float, width: float = WIDTH) -> str:
    """Labels near the left or right edge grow inwards, so they are never cut off."""
    if x < width * 0.3:
        return "start"
    if x > width * 0.7:
        return "end"
    return "middle"


CHAR_WIDTH, LABEL_HEIGHT = 7.6, 16  # a 14 px label, roughly, for placing labels apart


def place_labels(hubs, positions: dict[int, tuple[float, float]], width: int = WIDTH,
                 height: int = HEIGHT) -> dict[int, tuple[float, float, str]]:
    """(x, y, text-anchor) of each hub's label: above its circle, else below, else a line further out,
    wherever it neither leaves the map nor covers a label placed before or another hub's circle; near an edge
    a label grows inwards."""
    def radius(h) -> float:
        return 8 + (h.total ** 0.5) * 2

    circles = {h.hub.id: (positions[h.hub.id][0] - radius(h), positions[h.hub.id][1] - radius(h),
                          positions[h.hub.id][0] + radius(h), positions[h.hub.id][1] + radius(h)) for h in hubs}
    placed: list[tuple[float, float, float, float]] = []
    result = {}
    for h in sorted(hubs, key=lambda h: positions[h.hub.id][1]):
        x, y = positions[h.hub.id]
        r = radius(h)
        others = placed + [box for hub_id, box in circles.items() if hub_id != h.hub.id]
        text_width = CHAR_WIDTH * len(f"{h.hub.name} ({h.free}/{h.total})")
        anchor = label_anchor(x, width)
        candidates = [(x, y - r - 6), (x, y + r + 16), (x, y - r - 6 - LABEL_HEIGHT), (x, y + r + 16 + LABEL_HEIGHT)]
        choice = None
        for cx, cy in candidates:
            left = {"start": cx - r, "end": cx + r - text_width, "middle": cx - text_width / 2}[anchor]
            box = (max(left, 0), cy - LABEL_HEIGHT + 4, min(left + text_width, width), cy + 4)
            if box[1] < 0 or box[3] > height:
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others):
                choice = (cx - r if anchor == "start" else cx + r if anchor == "end" else cx, cy, box)
                break
        if choice is None:
            cy = y - r - 6 if y - r - 6 > LABEL_HEIGHT else y + r + 16
            left = {"start": x - r, "end": x + r - text_width, "middle": x - text_width / 2}[anchor]
            choice = (x - r if anchor == "start" else x + r if anchor == "end" else x, cy,
                      (left, cy - LABEL_HEIGHT + 4, left + text_width, cy + 4))
        placed.append(choice[2])
        result[h.hub.id] = (choice[0], choice[1], anchor)
    return result


def _home():
    if current_user.is_authenticated and current_user.home is not None:
        return current_user.home
    return None


def _pick_url() -> str | None:
    """Where a picked point goes: the search, with the values it came with."""
    if request.args.get("pick") != "1":
        return None
    kept = {key: request.args.getlist(key) for key in SEARCH_KEYS if request.args.get(key)}
    return url_for("catalogue.search", **kept, near="map")


def _hub_link(hub_id: int, pick_url: str | None) -> str:
    if pick_url is None:
        return url_for("catalogue.search", hub=hub_id, near="none")
    kept = {key: request.args.getlist(key) for key in SEARCH_KEYS if request.args.get(key)}
    return url_for("catalogue.search", **kept, near="hub", near_hub=hub_id)


@bp.route("/map")
def hub_map():
    hubs = availability_now(db.session, utcnow())
    tiles = current_app.config.get("MAP_TILE_URL")
    home = _home()
    pick_url = _pick_url()
    data = {"tiles": tiles, "attribution": current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
            "home": {"lat": home[0], "lon": home[1], "label": gettext("Your home")} if home else None,
            "pick_url": pick_url,
            "hubs": [{"id": h.hub.id, "name": h.hub.name, "lat": h.hub.lat, "lon": h.hub.lon, "free": h.free,
                      "total": h.total,
                      # the marker's text, in the page's language (map.js shows it as text, never as HTML)
                      "popup": gettext("%(hub)s: %(free)s of %(total)s free now", hub=h.hub.name, free=h.free,
                                       total=h.total)} for h in hubs]}
    points = [(h.hub.lat, h.hub.lon) for h in hubs] + ([home] if home else [])
    projection = Projection.fitting(points, WIDTH, HEIGHT, MARGIN)
    base = None
    if not tiles:
        locator = Projection.fitting([(projection.centre_lat, projection.centre_lon)], LOCATOR_WIDTH,
                                     LOCATOR_HEIGHT, 0, min_span=LOCATOR_SPAN_DEG)
        (x0, y0), (x1, y1) = (locator.xy(*projection.lat_lon(0, 0)), locator.xy(*projection.lat_lon(WIDTH, HEIGHT)))
        bar_length, bar_km = scale_bar(projection, WIDTH / 4)
        bar_label = km(bar_km, 0 if bar_km >= 1 else (1 if bar_km >= 0.1 else 2))
        base = {"land": land_path(projection), "borders": border_path(projection),
                "bar_length": bar_length, "bar_label": bar_label,
                "locator": {"land": land_path(locator), "borders": border_path(locator),
                            "view": (x0, y0, max(x1 - x0, 3), max(y1 - y0, 3))}}
    return render_template("map.html", hubs=hubs, positions=svg_positions(hubs, projection), width=WIDTH,
                           height=HEIGHT, data=data, tiles=tiles, base=base, projection=projection,
                           home=projection.xy(*home) if home else None, anchor=label_anchor, pick_url=pick_url,
                           labels=place_labels(hubs, svg_positions(hubs, projection)),
                           hub_link=lambda hub_id: _hub_link(hub_id, pick_url),
                           locator_size=(LOCATOR_WIDTH, LOCATOR_HEIGHT))
