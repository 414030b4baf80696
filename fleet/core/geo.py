"""Distances on the ellipsoid (offline) and optional geocoding (an outside call, off by default).

Sorting many places by distance needs the exact (geodesic) distance only for the ones shown: `nearest_first`
orders by a cheap spherical distance with a conservative error bound first, and computes the geodesic only
where the bound leaves the order (or a radius) in doubt, so the result is exactly the geodesic order.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from geographiclib.geodesic import Geodesic
from geopy.distance import ELLIPSOIDS, geodesic

from fleet.core.errors import ValidationFailed
from fleet.core.text import single_line


# geopy's geodesic on WGS-84 is geographiclib's Inverse on an ellipsoid given in km; calling that directly gives the
# same float (tests/fleet/test_nearest_first.py) without geopy's Point and Distance objects, in less than half the time.
_MAJOR_KM, _MINOR_KM, _FLATTENING = ELLIPSOIDS["WGS-84"]
_WGS84_KM = Geodesic(_MAJOR_KM, _FLATTENING)
_DISTANCE = Geodesic.DISTANCE


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in km between two (lat, lon) points, computed locally (geopy's `geodesic(a, b).km`)."""
    lat1, lon1, lat2, lon2 = float(a[0]), float(a[1]), float(b[0]), float(b[1])
    if not (-90 <= lat1 <= 90 and -90 <= lat2 <= 90 and -180 <= lon1 <= 180 and -180 <= lon2 <= 180):
        return geodesic(a, b).km  # geopy normalises (or refuses) such points
    return _WGS84_KM.Inverse(lat1, lon1, lat2, lon2, _DISTANCE)["s12"]


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
    The work is done once per distinct location (the items at one hub share it): its bounds, and its geodesic
    only when it is kept."""
    places: dict[Hashable, list[tuple[int, T]]] = {}  # location: its items, with their place in `items`
    for n, item in enumerate(items):
        where = location(item)
        at = places.get(where)
        if at is None:
            places[where] = [(n, item)]
        else:
            at.append((n, item))
    exact: dict[Hashable, float] = {}
    bounded = []  # (low, high, where)
    total = 0
    for where, at in places.items():
        low, high = _bounds(approx_km(point, where))
        if max_km is not None and low > max_km:
            continue
        if max_km is not None and high > max_km:
            exact[where] = distance_km(point, where)
            if exact[where] > max_km:
                continue
        bounded.append((low, high, where))
        total += len(at)
    if count is not None and count < total:
        threshold = -math.inf
        if count > 0:  # the count-th smallest upper bound of an item
            seen = 0
            for _low, high, where in sorted(bounded, key=lambda b: b[1]):
                seen += len(places[where])
                if seen >= count:
                    threshold = high
                    break
        bounded = [b for b in bounded if b[0] <= threshold]
    rows = []
    for _low, _high, where in bounded:
        km = exact.get(where)
        if km is None:
            km = exact[where] = distance_km(point, where)
        rows += [(km, tiebreak(item), n, item) for n, item in places[where]]
    rows.sort(key=lambda r: r[:3])
    shown = rows if count is None else rows[:count]
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
