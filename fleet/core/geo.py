"""Distances on the ellipsoid (offline) and optional geocoding (an outside call, off by default).

Sorting many places by distance needs the exact (geodesic) distance only for the ones shown: `nearest_first`
orders by a cheap spherical distance with a conservative error bound first, and computes the geodesic only
where the bound leaves the order (or a radius) in doubt, so the result is exactly the geodesic order.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from geopy.distance import geodesic

from fleet.core.errors import ValidationFailed
from fleet.core.text import single_line


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in km between two (lat, lon) points; geopy computes it locally."""
    return geodesic(a, b).km


MEAN_EARTH_RADIUS_KM = 6371.0088
# On the WGS-84 ellipsoid the radii of curvature lie between 6335.4 km (meridian at the equator) and 6399.6 km
# (at the poles), so a great-circle distance on the mean sphere is within 0.56% of the geodesic; 1% plus a
# metre is a conservative bound that also covers rounding near antipodes.
APPROX_RELATIVE_ERROR = 0.01
APPROX_ABSOLUTE_ERROR_KM = 0.001

T = TypeVar("T")


def approx_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in km on the mean sphere: cheap, and within the bound above."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * MEAN_EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _bounds(km: float) -> tuple[float, float]:
    return (km * (1 - APPROX_RELATIVE_ERROR) - APPROX_ABSOLUTE_ERROR_KM,
            km * (1 + APPROX_RELATIVE_ERROR) + APPROX_ABSOLUTE_ERROR_KM)


def nearest_first(point: tuple[float, float], items: Iterable[T], location: Callable[[T], tuple[float, float]],
                  tiebreak: Callable[[T], tuple], count: int | None = None,
                  max_km: float | None = None) -> tuple[list[tuple[T, float]], int]:
    """The first `count` items (all with None) within `max_km` of `point` as (item, geodesic km), ordered by
    (geodesic km, tiebreak(item)), and how many items are within `max_km` in all.

    Exactly the order of sorting every item by its geodesic distance: an item left without its geodesic has a
    lower bound above the upper bounds of `count` items already kept, so at least `count` items come before it.
    Geodesics are computed once per distinct location."""
    exact_cache: dict[Hashable, float] = {}
    approx_cache: dict[Hashable, float] = {}

    def exact(where: tuple[float, float]) -> float:
        if where not in exact_cache:
            exact_cache[where] = distance_km(point, where)
        return exact_cache[where]

    rows = []  # (low, high, item, where)
    for item in items:
        where = location(item)
        if where not in approx_cache:
            approx_cache[where] = approx_km(point, where)
        low, high = _bounds(approx_cache[where])
        if max_km is not None and (low > max_km or (high > max_km and exact(where) > max_km)):
            continue
        rows.append((low, high, item, where))
    total = len(rows)
    if count is not None and count < total:
        threshold = sorted(high for _, high, _, _ in rows)[max(count, 1) - 1] if count > 0 else -math.inf
        rows = [row for row in rows if row[0] <= threshold]
    ordered = sorted(((exact(where), tiebreak(item), n, item) for n, (_, _, item, where) in enumerate(rows)),
                     key=lambda r: r[:3])
    shown = ordered if count is None else ordered[:count]
    return [(item, km) for km, _, _, item in shown], total


def check_coordinates(lat: float | None, lon: float | None) -> tuple[float, float]:
    if lat is None or lon is None:
        raise ValidationFailed("Enter both latitude and longitude.", field="lat")
    if not -90 <= lat <= 90:
        raise ValidationFailed("Latitude must be between -90 and 90.", field="lat")
    if not -180 <= lon <= 180:
        raise ValidationFailed("Longitude must be between -180 and 180.", field="lon")
    return (lat, lon)


def geocode(address: str, *, enabled: bool, user_agent: str, geocoder=None) -> tuple[float, float]:
    """Look an address up with Nominatim through geopy. Off unless the operator enabled it; offline or
    unknown addresses give a clear message rather than an exception."""
    if not enabled:
        raise ValidationFailed("Address lookup is switched off on this server; enter coordinates or pick a hub.",
                               field="address")
    address = single_line(address, "address")
    from geopy.exc import GeopyError

    if geocoder is None:
        from geopy.geocoders import Nominatim

        geocoder = Nominatim(user_agent=user_agent, timeout=5)
    try:
        location = geocoder.geocode(address)
    except GeopyError as exc:
        raise ValidationFailed("The address lookup service cannot be reached; enter coordinates instead.",
                               field="address") from exc
    if location is None:
        raise ValidationFailed("No place found for '%(address)s'.", field="address", address=address)
    return (location.latitude, location.longitude)
