"""Which asset can serve which request, where, and at which starts (on the slot grid).

The independent checker (check.py) deliberately re-derives all of this on its own.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from geopy.distance import geodesic

from .capabilities import capabilities_hold, type_matches
from .grid import Grid
from .model import Asset, Interval, Problem, Request

EARTH_RADIUS_KM = 6371.0088
# The sphere and the WGS-84 ellipsoid differ by well under 1%: outside this band the cheap
# haversine decides the max-distance rule, inside it the exact geodesic does.
_BAND = 0.01


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geodesic((lat1, lon1), (lat2, lon2)).km


def within_distance(request: Request, hub_lat: float, hub_lon: float, approx_km: float) -> bool:
    """The max-distance rule, exact (geodesic) wherever the approximation could be wrong."""
    limit = request.max_distance_km
    if limit is None or request.location is None:
        return True
    if approx_km <= limit * (1 - _BAND):
        return True
    if approx_km > limit * (1 + _BAND) + 1e-9:
        return False
    return geodesic_km(request.location.lat, request.location.lon, hub_lat, hub_lon) <= limit


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of half-open slot intervals (touching ones are joined)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(i for i in intervals if i[1] > i[0]):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def blocked_slots(problem: Problem, grid: Grid) -> dict[str, list[tuple[int, int]]]:
    """Per asset, blackouts and fixed bookings rounded outward to the grid and merged."""
    raw: dict[str, list[tuple[int, int]]] = {a.id: [] for a in problem.assets}
    for a in problem.assets:
        for b in a.blackouts:
            raw[a.id].append((grid.slot_down(b.start), grid.slot_up(b.end)))
    for b in problem.bookings:
        raw[b.asset].append((grid.slot_down(b.start), grid.slot_up(b.end)))
    return {k: merge_intervals(v) for k, v in raw.items()}


def feasible_start_ranges(blocked: list[tuple[int, int]], ends: list[int], es: int, le: int, d: int) -> list[tuple[int, int]]:
    """Inclusive ranges ``(lo, hi)`` of starts t with ``[t, t+d)`` inside ``[es, le)`` and off ``blocked``.

    ``ends`` is ``[e for _, e in blocked]``, passed in so callers can cache it.
    """
    ranges: list[tuple[int, int]] = []
    t = es
    i = bisect.bisect_right(ends, es)  # first block that ends after es
    while t + d <= le:
        if i < len(blocked) and blocked[i][0] < le:
            bs, be = blocked[i]
            if bs - d >= t:
                ranges.append((t, bs - d))
            t = max(t, be)
            i += 1
        else:
            ranges.append((t, le - d))
            break
    return ranges


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of inclusive integer ranges ``(lo, hi)`` (adjacent ones are joined)."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[1] >= r[0]):
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def intersect_ranges(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two sorted, disjoint lists of inclusive ranges (``b`` may be long: it is bisected)."""
    out: list[tuple[int, int]] = []
    if not a or not b:
        return out
    j = bisect.bisect_left(b, (a[0][0] + 1,)) - 1  # last range of b starting at or before a's first slot
    j = max(j, 0)
    for lo, hi in a:
        while j < len(b) and b[j][1] < lo:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            low, high = max(lo, b[k][0]), min(hi, b[k][1])
            if low <= high:
                out.append((low, high))
            k += 1
    return out


def open_start_ranges(grid: Grid, open_hours: Sequence[Interval], minutes: int) -> list[tuple[int, int]]:
    """Inclusive ranges of start slots ``s`` with ``at(s)`` in some open interval and the actual end
    ``at(s) + minutes`` in some open interval, endpoints inclusive.

    Both conditions are exact in datetimes and read as conditions on ``s``: ``os <= at(s) <= oe`` is
    ``slot_up(os) <= s <= slot_down(oe)`` (the interval rounded inward), and ``os <= at(s) + minutes <= oe``
    is ``slot_up(os - minutes) <= s <= slot_down(oe - minutes)``. Starts are clipped to the horizon.
    """
    dur = timedelta(minutes=minutes)
    starts = merge_ranges([(max(0, grid.slot_up(o.start)), min(grid.n_slots, grid.slot_down(o.end))) for o in open_hours])
    ends = merge_ranges([(max(0, grid.slot_up(o.start - dur)), min(grid.n_slots, grid.slot_down(o.end - dur))) for o in open_hours])
    return intersect_ranges(starts, ends)


@dataclass(frozen=True)
class Option:
    """One eligible asset for one request."""

    asset: int  # index into Slotted.assets
    distance_km: float
    distance_units: int  # 10 m units, the integer the CP-SAT distance objective uses
    starts: tuple[tuple[int, int], ...]  # inclusive start ranges
    n_starts: int


def eligible_assets_by_category(problem: Problem) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, a in enumerate(problem.assets):
        out.setdefault(a.category, []).append(i)
    return out


def asset_matches(request: Request, asset: Asset) -> bool:
    return (asset.category == request.category and type_matches(request.types, asset.type)
            and capabilities_hold(request.requires, asset.capabilities))
