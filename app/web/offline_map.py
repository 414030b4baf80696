"""The map's offline base layer: Natural Earth land and country borders (world-atlas, vendored under
app/static/vendor/world-atlas), projected and clipped on the server into SVG paths, so the map shows where
things are without a tile server, without JavaScript and without any outside call.

The projection is equirectangular around the centre of what is shown (a degree of longitude squeezed by the
cosine of the latitude), true to scale at town size; `Projection` also runs backwards, for a point picked
on the map.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ATLAS = Path(__file__).resolve().parent.parent / "static" / "vendor" / "world-atlas"
MIN_SPAN_DEG = 0.02  # about 2 km: one hub alone is still shown in its surroundings


@dataclass(frozen=True)
class Projection:
    centre_lat: float
    centre_lon: float
    scale: float       # SVG units per degree of latitude
    width: int
    height: int

    @property
    def squeeze(self) -> float:
        return math.cos(math.radians(self.centre_lat))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.width / 2 + (lon - self.centre_lon) * self.squeeze * self.scale,
                self.height / 2 - (lat - self.centre_lat) * self.scale)

    def lat_lon(self, x: float, y: float) -> tuple[float, float]:
        return (self.centre_lat + (self.height / 2 - y) / self.scale,
                self.centre_lon + (x - self.width / 2) / (self.squeeze * self.scale))

    def km_per_unit(self) -> float:
        return 111.32 / self.scale

    @classmethod
    def fitting(cls, points: list[tuple[float, float]], width: int, height: int, margin: float,
                min_span: float = MIN_SPAN_DEG) -> Projection:
        """North up, east right, every (lat, lon) point at least `margin` inside the box."""
        if not points:
            points = [(0.0, 0.0)]
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        centre_lat, centre_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        squeeze = math.cos(math.radians(centre_lat))
        span_y = max(max(lats) - min(lats), min_span)
        span_x = max((max(lons) - min(lons)) * squeeze, min_span * squeeze)
        scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
        return cls(centre_lat, centre_lon, scale, width, height)


@lru_cache(maxsize=4)
def _rings(name: str, kind: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The rings (lon, lat) of a world-atlas TopoJSON file's object (`land` or `countries`)."""
    topology = json.loads((ATLAS / name).read_text())
    (kx, ky), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:  # quantised and delta-encoded
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * kx + tx, y * ky + ty))
        arcs.append(points)

    def ring(indices):
        points: list[tuple[float, float]] = []
        for i in indices:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc[1:] if points else arc)
        return tuple(points)

    rings = []
    for geometry in topology["objects"][kind]["geometries"]:
        polygons = geometry.get("arcs", [])
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            rings.extend(ring(r) for r in polygon)
    return tuple(rings)


def _box(ring) -> tuple[float, float, float, float]:
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


@lru_cache(maxsize=4)
def _ring_boxes(name: str, kind: str):
    return tuple((_box(r), r) for r in _rings(name, kind))


def _clip(points: list[tuple[float, float]], width: float, height: float, pad: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the polygon clipped to the box [-pad, width + pad] x [-pad, height + pad]."""
    edges = ((0, -pad, True), (0, width + pad, False), (1, -pad, True), (1, height + pad, False))
    for axis, limit, is_min in edges:
        if not points:
            break
        clipped = []
        previous = points[-1]
        for current in points:
            if _inside(current, axis, limit, is_min):
                if not _inside(previous, axis, limit, is_min):
                    clipped.append(_crossing(previous, current, axis, limit))
                clipped.append(current)
            elif _inside(previous, axis, limit, is_min):
                clipped.append(_crossing(previous, current, axis, limit))
            previous = current
        points = clipped
    return points


def _inside(point, axis: int, limit: float, is_min: bool) -> bool:
    return point[axis] >= limit if is_min else point[axis] <= limit


def _crossing(a, b, axis: int, limit: float) -> tuple[float, float]:
    t = (limit - a[axis]) / (b[axis] - a[axis])
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def _visible_rings(projection: Projection, name: str, kind: str):
    south, west = projection.lat_lon(0, projection.height)
    north, east = projection.lat_lon(projection.width, 0)
    for (x0, y0, x1, y1), ring in _ring_boxes(name, kind):
        if x1 >= west and x0 <= east and y1 >= south and y0 <= north:
            yield ring


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        if len(ring) >= 3:
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z")
    return "".join(parts)


@lru_cache(maxsize=32)
def land_path(projection: Projection) -> str:
    """SVG path data of the land inside the view (even-odd fill keeps lakes open)."""
    pad = 4.0
    rings = [_clip([projection.xy(lat, lon) for lon, lat in ring], projection.width, projection.height, pad)
             for ring in _visible_rings(projection, "land-50m.json", "land")]
    return _path(rings)


@lru_cache(maxsize=32)
def border_path(projection: Projection) -> str:
    """SVG path data of the country outlines inside the view (stroked, not filled)."""
    pad = 4.0
    rings = [_clip([projection.xy(lat, lon) for lon, lat in ring], projection.width, projection.height, pad)
             for ring in _visible_rings(projection, "countries-50m.json", "countries")]
    return _path(rings)


def scale_bar(projection: Projection, longest: float) -> tuple[float, float]:
    """A round distance whose bar is at most `longest` units: (its length in units, the distance in km)."""
    km = projection.km_per_unit() * longest
    step = 10 ** math.floor(math.log10(km))
    for factor in (5, 2, 1):
        if factor * step <= km:
            step *= factor
            break
    return step / projection.km_per_unit(), step
