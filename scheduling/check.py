"""An independent feasibility checker for a solution against its instance.

On purpose it shares no code with the solver's eligibility or overlap logic: it reads the raw JSON
objects, parses times itself, calls geopy itself and compares raw datetimes (no slot grid).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from geopy.distance import geodesic


class CheckError(ValueError):
    """The instance or solution cannot even be read."""


def _when(text: Any) -> datetime:
    if not isinstance(text, str):
        raise CheckError(f"not a datetime string: {text!r}")
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise CheckError(f"not a datetime: {text!r}") from None
    if value.tzinfo is None:
        raise CheckError(f"datetime without offset: {text!r}")
    return value.astimezone(timezone.utc)


def _capability_ok(required: Any, offered: Any) -> bool:
    if required is True:
        return offered is True
    if required is False:
        return True  # "false" asks for nothing
    if type(required) in (int, float):
        return type(offered) in (int, float) and offered >= required
    # text: the same rule as scheduling/capabilities.py, re-derived here on purpose
    return type(offered) is str and type(required) is str and offered.strip().casefold() == required.strip().casefold()


def _type_ok(allowed: Any, offered: Any) -> bool:
    # the type rule of scheduling/capabilities.py, re-derived here on purpose: no allowed types means any
    wanted = [t.strip().casefold() for t in (allowed or [])]
    if not wanted:
        return True
    return type(offered) is str and offered.strip().casefold() in wanted


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end  # half-open: touching is fine


def _open_at(hours: list[tuple[datetime, datetime]], when: datetime) -> bool:
    """Opening hours are closed intervals: opening and closing instants both count as open."""
    return any(o_start <= when <= o_end for o_start, o_end in hours)


def check_solution(instance: dict, solution: dict) -> str | None:
    """The first reason ``solution`` is infeasible for ``instance``, or None when it is feasible.

    Raises CheckError when either cannot be read at all.
    """
    try:
        return _first_violation(instance, solution)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, CheckError):
            raise
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise CheckError(f"malformed instance or solution: {detail}") from None


def first_violation(instance: dict, solution: dict) -> str | None:
    """Like ``check_solution`` but reports an unreadable solution as its violation."""
    try:
        return check_solution(instance, solution)
    except CheckError as exc:
        return str(exc)


def _first_violation(instance: dict, solution: dict) -> str | None:
    hubs = {h["id"]: h for h in instance["hubs"]}
    assets = {a["id"]: a for a in instance["assets"]}
    requests = {r["id"]: r for r in instance["requests"]}
    busy: dict[str, list[tuple[datetime, datetime, str]]] = {aid: [] for aid in assets}
    for a in instance["assets"]:
        for b in a.get("blackouts") or []:
            busy[a["id"]].append((_when(b["start"]), _when(b["end"]), "a blackout"))
    # absent or null: always open; a list (even empty): open only inside its intervals
    opening: dict[str, list[tuple[datetime, datetime]] | None] = {
        a["id"]: None if a.get("open") is None else [(_when(o["start"]), _when(o["end"])) for o in a["open"]]
        for a in instance["assets"]
    }
    for b in instance.get("bookings") or []:
        busy[b["asset"]].append((_when(b["start"]), _when(b["end"]), f"fixed booking {b['id']}"))
    if solution.get("status") not in ("optimal", "feasible", "unknown"):
        raise CheckError(f"status {solution.get('status')!r} is not optimal, feasible or unknown")
    seen: set[str] = set()
    placed: dict[str, list[tuple[datetime, datetime, str]]] = {aid: [] for aid in assets}
    total_hours = 0.0
    weighted_hours = 0.0
    for item in solution["assignments"]:
        rid, aid = item["request"], item["asset"]
        if rid not in requests:
            return f"assignment names unknown request {rid!r}"
        if rid in seen:
            return f"request {rid} is assigned twice"
        seen.add(rid)
        if aid not in assets:
            return f"request {rid} is assigned to unknown asset {aid!r}"
        req, asset = requests[rid], assets[aid]
        start, end = _when(item["start"]), _when(item["end"])
        if asset["category"] != req["category"]:
            return f"request {rid}: asset {aid} is a {asset['category']}, not a {req['category']}"
        if not _type_ok(req.get("types"), asset.get("type")):
            return f"request {rid}: asset {aid} is of type {asset.get('type')!r}, not one of {req.get('types')!r}"
        offered = asset.get("capabilities") or {}
        for name, need in (req.get("requires") or {}).items():
            if not _capability_ok(need, offered.get(name)):
                return f"request {rid}: asset {aid} lacks {name}={need!r} (has {offered.get(name)!r})"
        if end - start != timedelta(minutes=req["duration_minutes"]):
            return f"request {rid}: assigned {end - start} but asks for {req['duration_minutes']} minutes"
        if start < _when(req["earliest_start"]) or end > _when(req["latest_end"]):
            return f"request {rid}: {item['start']}..{item['end']} is outside its window"
        if start < _when(instance["horizon"]["start"]) or end > _when(instance["horizon"]["end"]):
            return f"request {rid}: {item['start']}..{item['end']} is outside the horizon"
        limit = req.get("max_distance_km")
        if limit is not None and req.get("location") is not None:
            hub = hubs[asset["hub"]]
            km = geodesic((req["location"]["lat"], req["location"]["lon"]), (hub["lat"], hub["lon"])).km
            if km > limit:
                return f"request {rid}: hub of asset {aid} is {km:.3f} km away, more than {limit} km"
        if opening[aid] is not None:
            if not _open_at(opening[aid], start):
                return f"request {rid}: pick-up {item['start']} is outside the opening hours of asset {aid}"
            if not _open_at(opening[aid], end):
                return f"request {rid}: return {item['end']} is outside the opening hours of asset {aid}"
        for b_start, b_end, what in busy[aid]:
            if _overlaps(start, end, b_start, b_end):
                return f"request {rid}: asset {aid} is taken by {what} at that time"
        for o_start, o_end, other in placed[aid]:
            if _overlaps(start, end, o_start, o_end):
                return f"requests {other} and {rid} overlap on asset {aid}"
        placed[aid].append((start, end, rid))
        hours = req["duration_minutes"] / 60
        total_hours += hours
        weighted_hours += hours * req.get("priority", 1)
    unserved = list(solution["unserved"])
    if len(set(unserved)) != len(unserved):
        return "a request is listed as unserved twice"
    for rid in unserved:
        if rid in seen:
            return f"request {rid} is both assigned and unserved"
        if rid not in requests:
            return f"unserved names unknown request {rid!r}"
    missing = set(requests) - seen - set(unserved)
    if missing:
        return f"request {sorted(missing)[0]} is neither assigned nor unserved"
    metrics = solution["metrics"]
    if metrics["served"] != len(seen) or metrics["requests"] != len(requests):
        return "metrics: requests/served do not match the assignments"
    if abs(metrics["weighted_served_hours"] - weighted_hours) > 1e-3:
        return f"metrics: weighted_served_hours {metrics['weighted_served_hours']} but assignments give {weighted_hours:.4f}"
    if abs(metrics["served_hours"] - total_hours) > 1e-3:
        return f"metrics: served_hours {metrics['served_hours']} but assignments give {total_hours:.4f}"
    bound = metrics.get("upper_bound_weighted_hours")
    if bound is not None and bound < weighted_hours - 1e-3:
        return f"metrics: upper bound {bound} is below the served {weighted_hours:.4f}"
    return None
