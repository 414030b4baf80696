"""Semantic checks on a Problem; every failure is one ``InstanceError`` with a one-line message."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from .model import Interval, Problem


class InstanceError(ValueError):
    """The instance is malformed; the message is one line, fit for a user."""


def _aware(value: datetime, what: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InstanceError(f"{what}: datetime without a UTC offset")


def _check_lat_lon(lat: float, lon: float, what: str) -> None:
    for name, v, lim in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or abs(v) > lim:
            raise InstanceError(f"{what}: {name} must be a number within +-{lim:g}")


def validate_problem(problem: Problem, *, strict: bool = True) -> None:
    """Raise InstanceError on the first problem found.

    ``strict`` (the JSON contract) also refuses an empty fleet and a request whose category no asset
    has; the Python API passes ``strict=False`` so such requests simply end up unserved.
    """
    _aware(problem.horizon.start, "horizon.start")
    _aware(problem.horizon.end, "horizon.end")
    if problem.horizon.end <= problem.horizon.start:
        raise InstanceError("horizon: end must be after start")
    if isinstance(problem.slot_minutes, bool) or not isinstance(problem.slot_minutes, int) or not 1 <= problem.slot_minutes <= 1440:
        raise InstanceError("slot_minutes must be an integer from 1 to 1440")
    hubs: set[str] = set()
    for hub in problem.hubs:
        if hub.id in hubs:
            raise InstanceError(f"hub {hub.id!r}: duplicate id")
        hubs.add(hub.id)
        _check_lat_lon(hub.lat, hub.lon, f"hub {hub.id!r}")
    if strict and not problem.assets:
        raise InstanceError("empty fleet: the instance has no assets")
    assets: set[str] = set()
    categories: set[str] = set()
    for asset in problem.assets:
        if asset.id in assets:
            raise InstanceError(f"asset {asset.id!r}: duplicate id")
        assets.add(asset.id)
        categories.add(asset.category)
        if asset.hub not in hubs:
            raise InstanceError(f"asset {asset.id!r}: unknown hub {asset.hub!r}")
        for b in asset.blackouts:
            _aware(b.start, f"asset {asset.id!r} blackout start")
            _aware(b.end, f"asset {asset.id!r} blackout end")
            if b.end <= b.start:
                raise InstanceError(f"asset {asset.id!r}: blackout ends before it starts")
        if asset.type is not None and (not isinstance(asset.type, str) or not asset.type.strip()):
            raise InstanceError(f"asset {asset.id!r}: type must be a non-empty string or None")
        if asset.open is not None:
            for k, o in enumerate(asset.open):
                if not isinstance(o, Interval):
                    raise InstanceError(f"asset {asset.id!r}: open[{k}] must be an interval")
                _aware(o.start, f"asset {asset.id!r} open[{k}] start")
                _aware(o.end, f"asset {asset.id!r} open[{k}] end")
                if o.end < o.start:
                    raise InstanceError(f"asset {asset.id!r}: open[{k}] ends before it starts")
    booking_ids: set[str] = set()
    for booking in problem.bookings:
        if booking.id in booking_ids:
            raise InstanceError(f"booking {booking.id!r}: duplicate id")
        booking_ids.add(booking.id)
        if booking.asset not in assets:
            raise InstanceError(f"booking {booking.id!r}: unknown asset {booking.asset!r}")
        _aware(booking.start, f"booking {booking.id!r} start")
        _aware(booking.end, f"booking {booking.id!r} end")
        if booking.end <= booking.start:
            raise InstanceError(f"booking {booking.id!r}: ends before it starts")
    request_ids: set[str] = set()
    for r in problem.requests:
        what = f"request {r.id!r}"
        if r.id in request_ids:
            raise InstanceError(f"{what}: duplicate id")
        request_ids.add(r.id)
        if strict and r.category not in categories:
            raise InstanceError(f"{what}: unknown category {r.category!r} (no asset has it)")
        _aware(r.earliest_start, f"{what} earliest_start")
        _aware(r.latest_end, f"{what} latest_end")
        if r.created_at is not None:
            _aware(r.created_at, f"{what} created_at")
        if isinstance(r.duration_minutes, bool) or not isinstance(r.duration_minutes, int) or r.duration_minutes <= 0:
            raise InstanceError(f"{what}: duration_minutes must be a positive integer")
        if r.latest_end - r.earliest_start < timedelta(minutes=r.duration_minutes):
            raise InstanceError(f"{what}: window is shorter than the duration")
        if isinstance(r.priority, bool) or not isinstance(r.priority, int) or r.priority < 1:
            raise InstanceError(f"{what}: priority must be an integer >= 1")
        if r.max_distance_km is not None and (
            isinstance(r.max_distance_km, bool)
            or not isinstance(r.max_distance_km, (int, float))
            or not math.isfinite(r.max_distance_km)
            or r.max_distance_km < 0
        ):
            raise InstanceError(f"{what}: max_distance_km must be a number >= 0")
        if not isinstance(r.types, tuple) or not all(isinstance(t, str) and t.strip() for t in r.types):
            raise InstanceError(f"{what}: types must be a tuple of non-empty strings")
        if r.max_distance_km is not None and r.location is None:
            raise InstanceError(f"{what}: max_distance_km needs a location")
        if r.location is not None:
            _check_lat_lon(r.location.lat, r.location.lon, what)
