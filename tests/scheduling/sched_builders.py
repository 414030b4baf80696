"""Builders for small hand-made instances (JSON dicts, the contract's own shape)."""
from __future__ import annotations

import copy

BASE = {
    "version": 1,
    "horizon": {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z"},
    "slot_minutes": 60,
    "hubs": [{"id": "h1", "lat": 52.37, "lon": 4.90}],
    "assets": [],
    "bookings": [],
    "requests": [],
}


def at(hour: float) -> str:
    """An instant on 2026-12-01 (hours may run past 24 into the next day)."""
    day, h = divmod(int(hour * 60), 24 * 60)
    return f"2026-12-0{1 + day}T{h // 60:02d}:{h % 60:02d}:00Z"


def asset(id, category="car", hub="h1", blackouts=(), **caps):
    return {"id": id, "category": category, "hub": hub, "capabilities": caps,
            "blackouts": [{"start": at(s), "end": at(e)} for s, e in blackouts]}


def request(id, start, end, hours, category="car", priority=1, created=0, requires=None, **extra):
    item = {"id": id, "member": "m-" + id, "category": category, "requires": requires or {},
            "earliest_start": at(start), "latest_end": at(end), "duration_minutes": int(hours * 60),
            "priority": priority, "created_at": f"2026-11-30T{created:02d}:00:00Z"}
    item.update(extra)
    return item


def instance(assets, requests, bookings=(), hubs=None, slot_minutes=60):
    data = copy.deepcopy(BASE)
    data["assets"] = list(assets)
    data["requests"] = list(requests)
    data["bookings"] = [{"id": b[0], "asset": b[1], "start": at(b[2]), "end": at(b[3])} for b in bookings]
    if hubs is not None:
        data["hubs"] = hubs
    data["slot_minutes"] = slot_minutes
    return data
