"""Realistic synthetic instances, deterministic by seed (``python -m scheduling generate``).

A town of hubs, a fleet in a handful of categories with capability levels, members who mostly book
short trips on evenings and weekends, maintenance blackouts and some bookings already held.
"""
from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from .model import Asset, FixedBooking, Hub, Interval, Location, Problem, Request

TOWN = (52.0907, 5.1214)  # a mid-sized town centre; any place works
HORIZON_DAYS = 14
SLOT_MINUTES = 15


def _car_caps(rng: random.Random) -> dict:
    return {"seats": rng.choices([4, 5, 7], [35, 45, 20])[0], "towbar": rng.random() < 0.3, "electric": rng.random() < 0.5}


def _van_caps(rng: random.Random) -> dict:
    return {"payload_kg": rng.choice([800, 1200]), "seats": 3}


def _bike_caps(rng: random.Random) -> dict:
    return {"payload_kg": rng.choice([80, 100, 150]), "electric": rng.random() < 0.6, "child_seats": rng.choice([0, 2])}


def _trailer_caps(rng: random.Random) -> dict:
    return {"max_load_kg": rng.choice([500, 750, 1300]), "braked": rng.random() < 0.4}


def _drill_caps(rng: random.Random) -> dict:
    return {"kind": rng.choice(["hammer", "cordless"]), "max_bit_mm": rng.choice([13, 28, 40])}


def _mower_caps(rng: random.Random) -> dict:
    return {"cut_width_cm": rng.choice([40, 53, 100]), "ride_on": rng.random() < 0.2}


def _ladder_caps(rng: random.Random) -> dict:
    return {"height_m": rng.choice([3, 6, 9])}


# capability levels a member may ask for (at most what the intended asset has)
LEVELS = {
    "seats": [2, 4, 5, 7],
    "payload_kg": [60, 80, 100, 150, 500, 800, 1200],
    "child_seats": [1, 2],
    "max_load_kg": [300, 500, 750, 1300],
    "max_bit_mm": [10, 13, 28, 40],
    "cut_width_cm": [40, 53, 100],
    "height_m": [3, 6, 9],
}

# category: (share of the fleet, capability sampler)
CATEGORIES = {
    "car": (30, _car_caps),
    "cargo_bike": (20, _bike_caps),
    "van": (10, _van_caps),
    "trailer": (10, _trailer_caps),
    "drill": (10, _drill_caps),
    "lawnmower": (10, _mower_caps),
    "ladder": (10, _ladder_caps),
}


def _around(rng: random.Random, centre: tuple[float, float], radius_km: float) -> tuple[float, float]:
    r = radius_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.32
    dlon = r * math.sin(theta) / (111.32 * math.cos(math.radians(centre[0])))
    return round(centre[0] + dlat, 5), round(centre[1] + dlon, 5)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: plenty for picking a plausible asset inside one town."""
    dx = (a[1] - b[1]) * 111.32 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot((a[0] - b[0]) * 111.32, dx)


def _needs(rng: random.Random, caps: dict) -> dict:
    """Requirements the member's intended asset meets: a level at most its own, a feature it has."""
    need: dict = {}
    for name, value in caps.items():
        if isinstance(value, bool):
            if value and rng.random() < 0.25:
                need[name] = True
        elif isinstance(value, (int, float)):
            if value > 0 and rng.random() < 0.7:
                lower = [v for v in LEVELS.get(name, [value]) if v <= value]
                need[name] = rng.choice(lower or [value])
        elif rng.random() < 0.5:
            need[name] = value
    return need


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


# Opening hours of a staffed hub, as (open hour, close hour) per weekday (Monday first); None: closed.
HUB_HOURS = [(8, 20), (8, 20), (8, 20), (8, 20), (8, 20), (9, 17), None]


def hub_opening_hours(start: datetime, end: datetime, hours=HUB_HOURS) -> tuple[Interval, ...]:
    """Daily opening intervals covering ``[start, end)`` (a closed day simply has none)."""
    out = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        slot = hours[day.weekday()]
        if slot is not None:
            o0, o1 = day + timedelta(hours=slot[0]), day + timedelta(hours=slot[1])
            if o1 > start and o0 < end:
                out.append(Interval(max(o0, start), min(o1, end)))
        day += timedelta(days=1)
    return tuple(out)


def generate(requests: int, assets: int, seed: int = 0, start: datetime | None = None, opening_hours: float = 0.0,
             days: int = HORIZON_DAYS, centre: tuple[float, float] = TOWN) -> Problem:
    """A deterministic synthetic instance with ``requests`` requests over ``assets`` assets and ``days`` days.

    Overload is a matter of the three sizes: ``demand_ratio`` says how many times the fleet's
    asset-hours the requests ask for (``days`` defaults to 14, which gives exactly the old instances).

    ``opening_hours``: the share of hubs (0 to 1) that are staffed, so their assets carry ``open``
    (``HUB_HOURS``); drawn from a separate stream, so 0 (the default) gives exactly the old instances.
    """
    if requests < 0 or assets < 1:
        raise ValueError("need requests >= 0 and assets >= 1")
    if not 0.0 <= opening_hours <= 1.0:
        raise ValueError("opening_hours is a fraction from 0 to 1")
    if days < 1:
        raise ValueError("need days >= 1")
    rng = random.Random(seed)
    start = start or datetime(2026, 12, 7, tzinfo=timezone.utc)  # a Monday
    end = start + timedelta(days=days)
    n_hubs = max(3, min(40, assets // 12))
    hubs = tuple(Hub(f"h{i + 1}", *_around(rng, centre, 6.0)) for i in range(n_hubs))
    names = list(CATEGORIES)
    shares = [CATEGORIES[c][0] for c in names]
    fleet = []
    for i in range(assets):
        cat = names[i % len(names)] if i < len(names) else rng.choices(names, shares)[0]
        blackouts = []
        if rng.random() < 0.3:  # maintenance on a weekday morning
            weekdays = [start + timedelta(days=k) for k in range(days)]
            day = rng.choice([d for d in weekdays if d.weekday() < 5])
            b0 = day.replace(hour=rng.choice([7, 8, 9, 10]))
            blackouts.append(Interval(b0, min(end, b0 + timedelta(hours=rng.choice([2, 4, 6, 8])))))
        fleet.append(Asset(f"a{i + 1}", cat, rng.choice(hubs).id, CATEGORIES[cat][1](rng), tuple(blackouts)))
    bookings = []
    for a in fleet:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            b0 = start + timedelta(days=rng.randrange(days), hours=rng.choice([9, 13, 18]))
            b1 = b0 + timedelta(hours=rng.choice([1, 2, 3, 4]))
            if b1 <= end:
                bookings.append(FixedBooking(f"b{len(bookings) + 1}", a.id, b0, b1))
    by_cat: dict[str, list[Asset]] = {}
    for a in fleet:
        by_cat.setdefault(a.category, []).append(a)
    cat_names = sorted(by_cat)
    hub_at = {h.id: (h.lat, h.lon) for h in hubs}
    members = [(f"m{i + 1}", _around(rng, centre, 7.0)) for i in range(max(1, requests // 3))]
    slots = [start + timedelta(minutes=SLOT_MINUTES * 2 * k) for k in range(days * 48)]
    slot_w = [_start_hour_weight(s) for s in slots]
    reqs = []
    for i in range(requests):
        cat = rng.choices(cat_names, [len(by_cat[c]) for c in cat_names])[0]
        member, home = rng.choice(members)
        # members ask for what exists near them: pick the asset they have in mind, nearer ones likelier
        near = [(_km(home, hub_at[a.hub]), a) for a in by_cat[cat]]
        km, target = rng.choices(near, [1.0 / (1.0 + d) ** 2 for d, _ in near])[0]
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
        if max_km is not None:
            max_km = max(max_km, math.ceil(km + 0.5))
        reqs.append(
            Request(
                id=f"r{i + 1}",
                member=member,
                category=cat,
                earliest_start=w0,
                latest_end=w1,
                duration_minutes=minutes,
                requires=_needs(rng, target.capabilities),
                location=Location(*home),
                max_distance_km=max_km,
                priority=rng.choices([1, 2, 3], [85, 12, 3])[0],
                created_at=start - timedelta(days=14) + timedelta(minutes=rng.randrange(14 * 24 * 60)),
            )
        )
    if opening_hours > 0:
        staffed_rng = random.Random(f"opening-hours-{seed}")
        staffed = set(staffed_rng.sample([h.id for h in hubs], round(opening_hours * len(hubs))))
        hours = hub_opening_hours(start, end)
        fleet = [replace(a, open=hours) if a.hub in staffed else a for a in fleet]
    return Problem(Interval(start, end), SLOT_MINUTES, hubs, tuple(fleet), tuple(reqs), tuple(bookings))


def demand_ratio(problem: Problem) -> float:
    """Requested asset-hours over the fleet's asset-hours in the horizon (3.0: three times what fits)."""
    hours = (problem.horizon.end - problem.horizon.start) / timedelta(hours=1)
    demand = sum(r.duration_minutes for r in problem.requests) / 60
    return demand / (hours * max(1, len(problem.assets)))


# Room tiers of the hotel instance (a higher tier may serve a booking for a lower one: an upgrade)
# and their share of the rooms.
HOTEL_TIERS = {1: 45, 2: 30, 3: 17, 4: 8}


def _season_weight(day: datetime) -> float:
    """Hotel demand: a summer peak, a December bump, weekends busier."""
    doy = day.timetuple().tm_yday
    summer = math.exp(-(((doy - 205) / 30.0) ** 2))
    winter = 0.5 * math.exp(-(((doy - 355) / 8.0) ** 2))
    weekend = 1.35 if day.weekday() in (4, 5) else 1.0
    return (0.55 + summer + winter) * weekend


def generate_hotel(stays: int = 6000, rooms: int = 195, days: int = 182, seed: int = 0,
                   start: datetime | None = None, slack_days: int = 1) -> Problem:
    """A hotel-shaped instance: ``rooms`` rooms in four tiers, ``stays`` requests of whole nights.

    A stay occupies its room from noon of the arrival day to noon of the departure day (turnover at
    noon); it asks for a tier and any higher tier will do (an upgrade). Its arrival may move by up to
    ``slack_days`` either way. Demand follows a season (summer peak, weekends), so peaks far exceed the
    hotel while the shoulder months do not. Some stays are already fixed to rooms; rooms have the odd
    maintenance day. Deterministic by seed.
    """
    if stays < 0 or rooms < 1 or days < 2:
        raise ValueError("need stays >= 0, rooms >= 1 and days >= 2")
    rng = random.Random(f"hotel-{seed}")
    start = start or datetime(2026, 4, 1, 12, tzinfo=timezone.utc)  # noon: every boundary is a whole day from it
    end = start + timedelta(days=days)
    hub = Hub("hotel", *TOWN)
    tiers = list(HOTEL_TIERS)
    fleet = []
    for i in range(rooms):
        tier = tiers[i % len(tiers)] if i < len(tiers) else rng.choices(tiers, [HOTEL_TIERS[t] for t in tiers])[0]
        blackouts = []
        if rng.random() < 0.1:
            b0 = start + timedelta(days=rng.randrange(days - 1))
            blackouts.append(Interval(b0, b0 + timedelta(days=rng.choice([1, 2, 3]))))
        fleet.append(Asset(f"room{i + 1}", "room", hub.id, {"tier": tier}, tuple(blackouts), type=None))
    day_w = [_season_weight(start + timedelta(days=k)) for k in range(days)]
    reqs = []
    for i in range(stays):
        nights = rng.choices([1, 2, 3, 4, 5, 7, 10, 14], [22, 24, 17, 11, 8, 10, 5, 3])[0]
        nights = min(nights, days - 1)
        arrival = rng.choices(range(days - nights), day_w[: days - nights])[0]
        tier = rng.choices(tiers, [HOTEL_TIERS[t] * (1.2 if t == 1 else 1.0) for t in tiers])[0]
        w0 = start + timedelta(days=max(0, arrival - slack_days))
        w1 = start + timedelta(days=min(days, arrival + nights + slack_days))
        reqs.append(Request(
            id=f"s{i + 1}", member=f"g{i + 1}", category="room",
            earliest_start=w0, latest_end=w1, duration_minutes=nights * 24 * 60,
            requires={"tier": tier}, location=None, max_distance_km=None,
            priority=rng.choices([1, 2], [90, 10])[0],
            created_at=start - timedelta(days=60) + timedelta(minutes=rng.randrange(60 * 24 * 60) + arrival * 600),
        ))
    bookings = []
    for a in fleet:
        for _ in range(rng.choice([0, 0, 0, 1])):
            b0 = start + timedelta(days=rng.randrange(days - 3))
            bookings.append(FixedBooking(f"b{len(bookings) + 1}", a.id, b0, b0 + timedelta(days=rng.choice([1, 2, 3]))))
    return Problem(Interval(start, end), 60, (hub,), tuple(fleet), tuple(reqs), tuple(bookings))


# A region's towns sit this far apart (degrees of latitude, about 50 km): members stay in their own pool.
TOWN_SPACING_DEG = 0.45
REGION_MAX_KM = 15.0


TOWNS_PER_COLUMN = 20  # then the next column east, so that a region of 100 towns stays on the globe


def _town_centre(k: int) -> tuple[float, float]:
    """Town k of a region: a column of towns north of TOWN, then the next column east (2.5 times the spacing in
    degrees of longitude, which at these latitudes is still more than the spacing in km)."""
    row, column = k % TOWNS_PER_COLUMN, k // TOWNS_PER_COLUMN
    return TOWN[0] + TOWN_SPACING_DEG * row, TOWN[1] + 2.5 * TOWN_SPACING_DEG * column


def generate_region(requests: int, assets: int, towns: int, seed: int = 0, days: int = 28) -> Problem:
    """A region of ``towns`` pools (one ``generate`` town each, 50 km apart), deterministic by seed.

    Requests and assets are shared out evenly; ids are prefixed by town (``t3-r17``). A member who
    gives no maximum distance still stays within ``REGION_MAX_KM`` of home: nobody fetches a drill from
    the next town.
    """
    if towns < 1:
        raise ValueError("need towns >= 1")
    hubs, fleet, reqs, bookings = [], [], [], []
    start = None
    for k in range(towns):
        n = requests // towns + (1 if k < requests % towns else 0)
        m = assets // towns + (1 if k < assets % towns else 0)
        town = generate(n, max(1, m), seed=seed * 1000 + k, days=days,
                        centre=_town_centre(k))
        start = town.horizon
        tag = f"t{k + 1}-"
        hubs += [replace(h, id=tag + h.id) for h in town.hubs]
        fleet += [replace(a, id=tag + a.id, hub=tag + a.hub) for a in town.assets]
        bookings += [replace(b, id=tag + b.id, asset=tag + b.asset) for b in town.bookings]
        reqs += [replace(r, id=tag + r.id, member=tag + r.member,
                         max_distance_km=REGION_MAX_KM if r.max_distance_km is None else r.max_distance_km)
                 for r in town.requests]
    return Problem(start, SLOT_MINUTES, tuple(hubs), tuple(fleet), tuple(reqs), tuple(bookings))
