"""Realistic synthetic instances, deterministic by seed (``python -m scheduling generate``).

A town of hubs, a fleet in a handful of categories with capability levels, members who mostly book
short trips on evenings and weekends, maintenance blackouts and some bookings already held.
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

from .model import Asset, FixedBooking, Hub, Interval, Location, Problem, Request

TOWN = (52.0907, 5.1214)  # a mid-sized town centre; any place works
HORIZON_DAYS = 14
SLOT_MINUTES = 15

# category: (share of the fleet, capability sampler for assets, requirement sampler for requests)
def _car_caps(rng: random.Random) -> dict:
    return {"seats": rng.choices([4, 5, 7], [35, 45, 20])[0], "towbar": rng.random() < 0.3, "electric": rng.random() < 0.5}


def _car_needs(rng: random.Random) -> dict:
    need: dict = {"seats": rng.choices([4, 5, 7], [55, 30, 15])[0]}
    if rng.random() < 0.12:
        need["towbar"] = True
    return need


def _van_caps(rng: random.Random) -> dict:
    return {"payload_kg": rng.choice([800, 1200]), "seats": 3}


def _van_needs(rng: random.Random) -> dict:
    return {"payload_kg": rng.choices([500, 800, 1200], [50, 30, 20])[0]}


def _bike_caps(rng: random.Random) -> dict:
    return {"payload_kg": rng.choice([80, 100, 150]), "electric": rng.random() < 0.6, "child_seats": rng.choice([0, 2])}


def _bike_needs(rng: random.Random) -> dict:
    need: dict = {"payload_kg": rng.choices([60, 80, 100, 150], [40, 25, 20, 15])[0]}
    if rng.random() < 0.25:
        need["child_seats"] = 2
    return need


def _trailer_caps(rng: random.Random) -> dict:
    return {"max_load_kg": rng.choice([500, 750, 1300]), "braked": rng.random() < 0.4}


def _trailer_needs(rng: random.Random) -> dict:
    return {"max_load_kg": rng.choices([300, 750, 1300], [50, 35, 15])[0]}


def _drill_caps(rng: random.Random) -> dict:
    return {"kind": rng.choice(["hammer", "cordless"]), "max_bit_mm": rng.choice([13, 28, 40])}


def _drill_needs(rng: random.Random) -> dict:
    return {"kind": rng.choice(["hammer", "cordless"])} if rng.random() < 0.6 else {"max_bit_mm": 28}


def _mower_caps(rng: random.Random) -> dict:
    return {"cut_width_cm": rng.choice([40, 53, 100]), "ride_on": rng.random() < 0.2}


def _mower_needs(rng: random.Random) -> dict:
    return {"cut_width_cm": rng.choices([40, 53, 100], [60, 30, 10])[0]}


def _ladder_caps(rng: random.Random) -> dict:
    return {"height_m": rng.choice([3, 6, 9])}


def _ladder_needs(rng: random.Random) -> dict:
    return {"height_m": rng.choices([3, 6, 9], [40, 40, 20])[0]}


CATEGORIES = {
    "car": (30, _car_caps, _car_needs),
    "cargo_bike": (20, _bike_caps, _bike_needs),
    "van": (10, _van_caps, _van_needs),
    "trailer": (10, _trailer_caps, _trailer_needs),
    "drill": (10, _drill_caps, _drill_needs),
    "lawnmower": (10, _mower_caps, _mower_needs),
    "ladder": (10, _ladder_caps, _ladder_needs),
}


def _around(rng: random.Random, centre: tuple[float, float], radius_km: float) -> tuple[float, float]:
    r = radius_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.32
    dlon = r * math.sin(theta) / (111.32 * math.cos(math.radians(centre[0])))
    return round(centre[0] + dlat, 5), round(centre[1] + dlon, 5)


def _start_hour_weight(when: datetime) -> float:
    """Demand profile: evenings and weekends peak, nights are quiet."""
    weekend = when.weekday() >= 5
    h = when.hour
    if h < 7 or h >= 23:
        w = 0.05
    elif 17 <= h < 21:
        w = 2.5
    elif 8 <= h < 17:
        w = 1.0
    else:
        w = 0.6
    return w * (2.2 if weekend else 1.0)


def _duration_minutes(rng: random.Random, category: str) -> int:
    if rng.random() < 0.08:
        return 24 * 60 * rng.choices([1, 2], [80, 20])[0]  # some whole days
    hours = rng.choices([1, 2, 3, 4, 5, 6, 8], [22, 26, 18, 12, 8, 7, 7])[0]
    if category in ("drill", "ladder", "lawnmower") and rng.random() < 0.3:
        hours = min(8, hours + 2)  # DIY jobs run long
    return hours * 60 + rng.choice([0, 0, 0, 30])


def generate(requests: int, assets: int, seed: int = 0, start: datetime | None = None) -> Problem:
    """A deterministic synthetic instance with ``requests`` requests over ``assets`` assets."""
    if requests < 0 or assets < 1:
        raise ValueError("need requests >= 0 and assets >= 1")
    rng = random.Random(seed)
    start = start or datetime(2026, 12, 7, tzinfo=timezone.utc)  # a Monday
    end = start + timedelta(days=HORIZON_DAYS)
    n_hubs = max(3, min(40, assets // 12))
    hubs = tuple(Hub(f"h{i + 1}", *_around(rng, TOWN, 6.0)) for i in range(n_hubs))
    names = list(CATEGORIES)
    shares = [CATEGORIES[c][0] for c in names]
    fleet = []
    for i in range(assets):
        cat = names[i % len(names)] if i < len(names) else rng.choices(names, shares)[0]
        blackouts = []
        if rng.random() < 0.3:  # maintenance on a weekday morning
            weekdays = [start + timedelta(days=k) for k in range(HORIZON_DAYS)]
            day = rng.choice([d for d in weekdays if d.weekday() < 5])
            b0 = day.replace(hour=rng.choice([7, 8, 9, 10]))
            blackouts.append(Interval(b0, min(end, b0 + timedelta(hours=rng.choice([2, 4, 6, 8])))))
        fleet.append(Asset(f"a{i + 1}", cat, rng.choice(hubs).id, CATEGORIES[cat][1](rng), tuple(blackouts)))
    bookings = []
    for a in fleet:
        for k in range(rng.choice([0, 0, 1, 1, 2, 3])):
            b0 = start + timedelta(days=rng.randrange(HORIZON_DAYS), hours=rng.choice([9, 13, 18]))
            b1 = b0 + timedelta(hours=rng.choice([1, 2, 3, 4]))
            if b1 <= end:
                bookings.append(FixedBooking(f"b{len(bookings) + 1}", a.id, b0, b1))
    by_cat: dict[str, int] = {}
    for a in fleet:
        by_cat[a.category] = by_cat.get(a.category, 0) + 1
    cat_names = sorted(by_cat)
    members = [(f"m{i + 1}", _around(rng, TOWN, 7.0)) for i in range(max(1, requests // 3))]
    slots = [start + timedelta(minutes=SLOT_MINUTES * 2 * k) for k in range(HORIZON_DAYS * 48)]
    slot_w = [_start_hour_weight(s) for s in slots]
    reqs = []
    for i in range(requests):
        cat = rng.choices(cat_names, [by_cat[c] for c in cat_names])[0]
        member, home = rng.choice(members)
        minutes = _duration_minutes(rng, cat)
        window = timedelta(minutes=minutes * rng.choices([1, 1.5, 2, 3, 4, 6, 8], [20, 15, 20, 15, 12, 10, 8])[0])
        pref = rng.choices(slots, slot_w)[0]
        # the preferred start sits somewhere inside the window
        w0 = pref - (window - timedelta(minutes=minutes)) * rng.random()
        w0 = start + timedelta(minutes=SLOT_MINUTES * math.floor((w0 - start) / timedelta(minutes=SLOT_MINUTES)))
        w0 = max(start, w0)
        w1 = min(end, w0 + window)
        if w1 - w0 < timedelta(minutes=minutes):
            w0 = w1 - timedelta(minutes=minutes)
        max_km = rng.choices([None, 2.0, 3.0, 5.0, 8.0], [35, 15, 20, 20, 10])[0]
        reqs.append(
            Request(
                id=f"r{i + 1}",
                member=member,
                category=cat,
                earliest_start=w0,
                latest_end=w1,
                duration_minutes=minutes,
                requires=CATEGORIES[cat][2](rng),
                location=Location(*home),
                max_distance_km=max_km,
                priority=rng.choices([1, 2, 3], [85, 12, 3])[0],
                created_at=start - timedelta(days=14) + timedelta(minutes=rng.randrange(14 * 24 * 60)),
            )
        )
    return Problem(Interval(start, end), SLOT_MINUTES, hubs, tuple(fleet), tuple(reqs), tuple(bookings))
