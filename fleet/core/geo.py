"""Distances on the ellipsoid (offline) and optional geocoding (an outside call, off by default)."""
from __future__ import annotations

from geopy.distance import geodesic

from fleet.core.errors import ValidationFailed
from fleet.core.text import single_line


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in km between two (lat, lon) points; geopy computes it locally."""
    return geodesic(a, b).km


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
