"""Frozen dataclasses: the scheduler's whole vocabulary (dataclasses in, dataclasses out).

All datetimes are timezone-aware and in UTC. Intervals are half-open ``[start, end)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

CapabilityValue = bool | int | float | str


@dataclass(frozen=True)
class Interval:
    """A half-open time interval ``[start, end)``."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Hub:
    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Asset:
    id: str
    category: str
    hub: str
    capabilities: Mapping[str, CapabilityValue] = field(default_factory=dict, hash=False)
    blackouts: tuple[Interval, ...] = ()
    # Opening hours of the asset's hub: None means always open. Otherwise an assignment on this asset
    # must start inside some interval AND end inside some interval, endpoints inclusive (a pick-up at
    # closing time, a return at opening time); the booking itself may span closed time. Everything not
    # covered, outside the horizon included, is closed.
    open: tuple[Interval, ...] | None = None
    # What the asset is inside its category ("jigsaw", "band saw", a car model); None: no type given.
    type: str | None = None


@dataclass(frozen=True)
class FixedBooking:
    """A booking that already holds an asset; the solver never moves it."""

    id: str
    asset: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Request:
    """A flexible request: any eligible asset, any start with ``[start, start+duration)`` in the window."""

    id: str
    member: str
    category: str
    earliest_start: datetime
    latest_end: datetime
    duration_minutes: int
    requires: Mapping[str, CapabilityValue] = field(default_factory=dict, hash=False)
    location: Location | None = None
    max_distance_km: float | None = None
    priority: int = 1
    created_at: datetime | None = None
    # The asset types that will do ("a jigsaw", or "a jigsaw or a scroll saw"); empty: any type of the category.
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    horizon: Interval
    slot_minutes: int
    hubs: tuple[Hub, ...]
    assets: tuple[Asset, ...]
    requests: tuple[Request, ...]
    bookings: tuple[FixedBooking, ...] = ()


@dataclass(frozen=True)
class Assignment:
    request: str
    asset: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Metrics:
    requests: int
    served: int
    served_hours: float
    weighted_served_hours: float
    upper_bound_weighted_hours: float | None
    distance_km: float
    wall_seconds: float
    # Which relaxation gave the upper bound, per subproblem: e.g. "flow 5, cpsat 2, servable 40"
    # (cpsat: CP-SAT's own bound on the subproblem's full model; flow: the time-indexed flow bound of
    # scheduling/flow_bound.py; lagrange: the priced time-indexed relaxation of scheduling/lagrange_bound.py; capacity: the fractional knapsack of bounds.py; servable: every job served).
    bound_source: str | None = None


@dataclass(frozen=True)
class Solution:
    """``status`` is ``optimal``, ``feasible`` (a proven bound is in the metrics) or ``unknown``."""

    status: str
    method: str
    assignments: tuple[Assignment, ...]
    unserved: tuple[str, ...]
    metrics: Metrics
