"""The version-1 JSON contract (scheduling/README.md): parse instances, write and read solutions."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .model import (
    Asset,
    Assignment,
    FixedBooking,
    Hub,
    Interval,
    Location,
    Metrics,
    Problem,
    Request,
    Solution,
)
from .validation import InstanceError, validate_problem

_MISSING = object()


def _get(obj: Any, key: str, what: str, default: Any = _MISSING) -> Any:
    if not isinstance(obj, dict):
        raise InstanceError(f"{what}: expected a JSON object")
    if key not in obj or obj[key] is None:
        if default is _MISSING:
            raise InstanceError(f"{what}: missing field {key!r}")
        return default
    return obj[key]


def _list(obj: Any, key: str, what: str, default: Any = _MISSING) -> list:
    value = _get(obj, key, what, default)
    if not isinstance(value, list):
        raise InstanceError(f"{what}: {key!r} must be a list")
    return value


def _str(obj: Any, key: str, what: str) -> str:
    value = _get(obj, key, what)
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{what}: {key!r} must be a non-empty string")
    return value


def _number(obj: Any, key: str, what: str, default: Any = _MISSING) -> Any:
    value = _get(obj, key, what, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InstanceError(f"{what}: {key!r} must be a number")
    return value


def _int(obj: Any, key: str, what: str, default: Any = _MISSING) -> int:
    value = _number(obj, key, what, default)
    if isinstance(value, float):
        if not value.is_integer():
            raise InstanceError(f"{what}: {key!r} must be an integer")
        value = int(value)
    return value


def parse_datetime(text: Any, what: str) -> datetime:
    """ISO 8601 with an offset (``Z`` accepted), returned in UTC; naive datetimes are refused."""
    if not isinstance(text, str):
        raise InstanceError(f"{what}: expected an ISO 8601 datetime string")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InstanceError(f"{what}: not an ISO 8601 datetime: {text!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InstanceError(f"{what}: datetime without a UTC offset: {text!r}")
    return value.astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dt(obj: Any, key: str, what: str) -> datetime:
    return parse_datetime(_get(obj, key, what), f"{what} {key}")


def _capabilities(obj: Any, key: str, what: str) -> dict:
    caps = _get(obj, key, what, {})
    if not isinstance(caps, dict):
        raise InstanceError(f"{what}: {key!r} must be an object")
    for name, value in caps.items():
        if not isinstance(value, (bool, int, float, str)):
            raise InstanceError(f"{what}: {key}.{name} must be a number, boolean or string")
    return dict(caps)


def _optional_str(obj: Any, key: str, what: str) -> str | None:
    value = _get(obj, key, what, None)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InstanceError(f"{what}: {key!r} must be a non-empty string or null")
    return value


def _types(obj: Any, key: str, what: str) -> tuple[str, ...]:
    values = _list(obj, key, what, [])
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise InstanceError(f"{what}: {key!r} must be a list of non-empty strings")
    return tuple(values)


def problem_from_dict(data: Any) -> Problem:
    """Build a validated Problem from the parsed JSON; raise InstanceError on the first fault."""
    if not isinstance(data, dict):
        raise InstanceError("instance: expected a JSON object at the top level")
    version = _get(data, "version", "instance")
    if version != 1:
        raise InstanceError(f"instance: unsupported version {version!r} (expected 1)")
    horizon_obj = _get(data, "horizon", "instance")
    horizon = Interval(_dt(horizon_obj, "start", "horizon"), _dt(horizon_obj, "end", "horizon"))
    slot_minutes = _int(data, "slot_minutes", "instance")
    hubs = []
    for i, h in enumerate(_list(data, "hubs", "instance")):
        what = f"hubs[{i}]"
        hubs.append(Hub(_str(h, "id", what), _number(h, "lat", what), _number(h, "lon", what)))
    assets = []
    for i, a in enumerate(_list(data, "assets", "instance")):
        what = f"assets[{i}]"
        blackouts = tuple(
            Interval(_dt(b, "start", f"{what} blackout"), _dt(b, "end", f"{what} blackout"))
            for b in _list(a, "blackouts", what, [])
        )
        open_hours = None
        if _get(a, "open", what, None) is not None:
            open_hours = tuple(
                Interval(_dt(o, "start", f"{what} open[{k}]"), _dt(o, "end", f"{what} open[{k}]"))
                for k, o in enumerate(_list(a, "open", what))
            )
        assets.append(
            Asset(
                id=_str(a, "id", what),
                category=_str(a, "category", what),
                hub=_str(a, "hub", what),
                capabilities=_capabilities(a, "capabilities", what),
                blackouts=blackouts,
                open=open_hours,
                type=_optional_str(a, "type", what),
            )
        )
    bookings = []
    for i, b in enumerate(_list(data, "bookings", "instance", [])):
        what = f"bookings[{i}]"
        bookings.append(FixedBooking(_str(b, "id", what), _str(b, "asset", what), _dt(b, "start", what), _dt(b, "end", what)))
    requests = []
    for i, r in enumerate(_list(data, "requests", "instance")):
        what = f"requests[{i}]"
        loc = _get(r, "location", what, None)
        location = None
        if loc is not None:
            location = Location(_number(loc, "lat", f"{what} location"), _number(loc, "lon", f"{what} location"))
        created = _get(r, "created_at", what, None)
        requests.append(
            Request(
                id=_str(r, "id", what),
                member=_str(r, "member", what),
                category=_str(r, "category", what),
                requires=_capabilities(r, "requires", what),
                earliest_start=_dt(r, "earliest_start", what),
                latest_end=_dt(r, "latest_end", what),
                duration_minutes=_int(r, "duration_minutes", what),
                location=location,
                max_distance_km=_number(r, "max_distance_km", what, None),
                priority=_int(r, "priority", what, 1),
                created_at=None if created is None else parse_datetime(created, f"{what} created_at"),
                types=_types(r, "types", what),
            )
        )
    problem = Problem(horizon, slot_minutes, tuple(hubs), tuple(assets), tuple(requests), tuple(bookings))
    validate_problem(problem, strict=True)
    return problem


def loads_problem(text: str) -> Problem:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return problem_from_dict(data)


def load_problem(path: str) -> Problem:
    """Read an instance file; any fault (unreadable file included) is an InstanceError."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"cannot read {path}: {exc.__class__.__name__}: {getattr(exc, 'strerror', None) or exc}") from None
    return loads_problem(text)


def _interval_dict(i: Interval) -> dict:
    return {"start": format_datetime(i.start), "end": format_datetime(i.end)}


def _asset_dict(a: Asset) -> dict:
    item: dict[str, Any] = {
        "id": a.id,
        "category": a.category,
        "hub": a.hub,
        "capabilities": dict(a.capabilities),
        "blackouts": [_interval_dict(b) for b in a.blackouts],
    }
    if a.open is not None:  # absent means always open: older readers see the same object as before
        item["open"] = [_interval_dict(o) for o in a.open]
    if a.type is not None:
        item["type"] = a.type
    return item


def problem_to_dict(problem: Problem) -> dict:
    """The version-1 JSON object for a Problem (round-trips through ``problem_from_dict``)."""
    requests = []
    for r in problem.requests:
        item: dict[str, Any] = {
            "id": r.id,
            "member": r.member,
            "category": r.category,
            "requires": dict(r.requires),
            "earliest_start": format_datetime(r.earliest_start),
            "latest_end": format_datetime(r.latest_end),
            "duration_minutes": r.duration_minutes,
            "priority": r.priority,
        }
        if r.location is not None:
            item["location"] = {"lat": r.location.lat, "lon": r.location.lon}
        if r.max_distance_km is not None:
            item["max_distance_km"] = r.max_distance_km
        if r.created_at is not None:
            item["created_at"] = format_datetime(r.created_at)
        if r.types:
            item["types"] = list(r.types)
        requests.append(item)
    return {
        "version": 1,
        "horizon": _interval_dict(problem.horizon),
        "slot_minutes": problem.slot_minutes,
        "hubs": [{"id": h.id, "lat": h.lat, "lon": h.lon} for h in problem.hubs],
        "assets": [_asset_dict(a) for a in problem.assets],
        "bookings": [
            {"id": b.id, "asset": b.asset, "start": format_datetime(b.start), "end": format_datetime(b.end)}
            for b in problem.bookings
        ],
        "requests": requests,
    }


def dumps_problem(problem: Problem) -> str:
    return json.dumps(problem_to_dict(problem), indent=1)


def solution_to_dict(solution: Solution) -> dict:
    m = solution.metrics
    return {
        "status": solution.status,
        "method": solution.method,
        "assignments": [
            {"request": a.request, "asset": a.asset, "start": format_datetime(a.start), "end": format_datetime(a.end)}
            for a in solution.assignments
        ],
        "unserved": list(solution.unserved),
        "metrics": {
            "requests": m.requests,
            "served": m.served,
            "served_hours": m.served_hours,
            "weighted_served_hours": m.weighted_served_hours,
            "upper_bound_weighted_hours": m.upper_bound_weighted_hours,
            "distance_km": m.distance_km,
            "wall_seconds": m.wall_seconds,
            **({"bound_source": m.bound_source} if m.bound_source is not None else {}),
        },
    }


def dump_solution(solution: Solution) -> str:
    return json.dumps(solution_to_dict(solution), indent=1)


def solution_from_dict(data: Any) -> Solution:
    """Read a solution JSON object back (for tools and the app); structure only, not feasibility."""
    what = "solution"
    status = _str(data, "status", what)
    if status not in ("optimal", "feasible", "unknown"):
        raise InstanceError(f"solution: unknown status {status!r}")
    assignments = tuple(
        Assignment(_str(a, "request", f"assignments[{i}]"), _str(a, "asset", f"assignments[{i}]"),
                   _dt(a, "start", f"assignments[{i}]"), _dt(a, "end", f"assignments[{i}]"))
        for i, a in enumerate(_list(data, "assignments", what))
    )
    unserved = _list(data, "unserved", what)
    m = _get(data, "metrics", what)
    metrics = Metrics(
        requests=_int(m, "requests", "metrics"),
        served=_int(m, "served", "metrics"),
        served_hours=_number(m, "served_hours", "metrics"),
        weighted_served_hours=_number(m, "weighted_served_hours", "metrics"),
        upper_bound_weighted_hours=_number(m, "upper_bound_weighted_hours", "metrics", None),
        distance_km=_number(m, "distance_km", "metrics"),
        wall_seconds=_number(m, "wall_seconds", "metrics"),
        bound_source=str(m["bound_source"]) if m.get("bound_source") is not None else None,
    )
    return Solution(status, _str(data, "method", what), assignments, tuple(str(u) for u in unserved), metrics)
