"""Property tests on random small instances, against an independent brute force."""
from datetime import datetime, timedelta, timezone

from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import first_violation, problem_from_dict, solution_to_dict, solve

START = datetime(2026, 12, 1, tzinfo=timezone.utc)
SLOT = 30  # minutes
N_SLOTS = 16


def iso(slot: int, extra_minutes: int = 0) -> str:
    return (START + timedelta(minutes=slot * SLOT + extra_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


HUBS = [{"id": "h1", "lat": 52.37, "lon": 4.90}, {"id": "h2", "lat": 52.40, "lon": 4.95}]
PLACES = [{"lat": 52.371, "lon": 4.901}, {"lat": 52.41, "lon": 4.96}, {"lat": 52.385, "lon": 4.925}]


@st.composite
def instances(draw, max_requests=5):
    n_assets = draw(st.integers(1, 3))
    assets = []
    for i in range(n_assets):
        blackouts = []
        if draw(st.booleans()):
            s = draw(st.integers(0, N_SLOTS - 2))
            blackouts.append({"start": iso(s), "end": iso(s + draw(st.integers(1, 3)), draw(st.sampled_from([0, 0, 10])))})
        item = {
            "id": f"a{i}", "category": draw(st.sampled_from(["car", "car", "bike"])), "hub": draw(st.sampled_from(["h1", "h2"])),
            "capabilities": {"seats": draw(st.sampled_from([4, 5, 7])), "towbar": draw(st.booleans())},
            "blackouts": blackouts,
        }
        kind = draw(st.sampled_from(["absent", "absent", "null", "hours", "hours", "hours"]))
        if kind == "null":
            item["open"] = None
        elif kind == "hours":
            # 0-3 intervals, possibly off the grid (rounded inward), zero-length, overlapping or past the horizon
            hours = []
            for _ in range(draw(st.integers(0, 3))):
                s = draw(st.integers(-2, N_SLOTS))
                hours.append({"start": iso(s, draw(st.sampled_from([0, 0, 0, 10, -10]))),
                              "end": iso(s + draw(st.integers(0, 8)), draw(st.sampled_from([0, 0, 0, 10, -10])))})
            hours = [h for h in hours if _t(h["end"]) >= _t(h["start"])]
            item["open"] = hours
        assets.append(item)
    bookings = []
    for k in range(draw(st.integers(0, 2))):
        s = draw(st.integers(0, N_SLOTS - 2))
        bookings.append({"id": f"b{k}", "asset": draw(st.sampled_from([a["id"] for a in assets])),
                         "start": iso(s, draw(st.sampled_from([0, 5]))), "end": iso(s + draw(st.integers(1, 3)))})
    categories = sorted({a["category"] for a in assets})
    requests = []
    for r in range(draw(st.integers(0, max_requests))):
        dur_slots = draw(st.integers(1, 4))
        minutes = dur_slots * SLOT - draw(st.sampled_from([0, 0, 0, 10]))  # some off-grid durations
        es = draw(st.integers(0, N_SLOTS - dur_slots))
        le = min(N_SLOTS, es + dur_slots + draw(st.integers(0, 5)))
        req = {
            "id": f"r{r}", "member": f"m{r}", "category": draw(st.sampled_from(categories)),
            "earliest_start": iso(es), "latest_end": iso(le), "duration_minutes": minutes,
            "priority": draw(st.integers(1, 3)), "created_at": iso(0, -draw(st.integers(1, 500))),
        }
        need = draw(st.sampled_from([{}, {}, {"seats": 5}, {"seats": 7}, {"towbar": True}]))
        if need:
            req["requires"] = need
        if draw(st.booleans()):
            req["location"] = draw(st.sampled_from(PLACES))
            if draw(st.booleans()):
                req["max_distance_km"] = draw(st.sampled_from([1.0, 3.0, 6.0]))
        requests.append(req)
    return {"version": 1, "horizon": {"start": iso(0), "end": iso(N_SLOTS)}, "slot_minutes": SLOT,
            "hubs": HUBS, "assets": assets, "bookings": bookings, "requests": requests}


def _t(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def brute_force_optimum(data) -> float:
    """Max weighted hours by exhaustive search over (asset, grid start) per request; written from scratch."""
    hubs = {h["id"]: h for h in data["hubs"]}
    busy = {a["id"]: [(_t(b["start"]), _t(b["end"])) for b in a["blackouts"]] for a in data["assets"]}
    for b in data["bookings"]:
        busy[b["asset"]].append((_t(b["start"]), _t(b["end"])))
    candidates = []
    for r in data["requests"]:
        opts = []
        for a in data["assets"]:
            if a["category"] != r["category"]:
                continue
            caps = a["capabilities"]
            if any((caps.get(k) is not True) if v is True else caps.get(k, -1) < v for k, v in r.get("requires", {}).items()):
                continue
            if "max_distance_km" in r:
                hub = hubs[a["hub"]]
                if geodesic((r["location"]["lat"], r["location"]["lon"]), (hub["lat"], hub["lon"])).km > r["max_distance_km"]:
                    continue
            for s in range(N_SLOTS + 1):
                start = START + timedelta(minutes=s * SLOT)
                end = start + timedelta(minutes=r["duration_minutes"])
                if start < _t(r["earliest_start"]) or end > _t(r["latest_end"]):
                    continue
                if any(start < be and bs < end for bs, be in busy[a["id"]]):
                    continue
                if a.get("open") is not None:
                    hours = [(_t(o["start"]), _t(o["end"])) for o in a["open"]]
                    if not any(os <= start <= oe for os, oe in hours) or not any(os <= end <= oe for os, oe in hours):
                        continue
                opts.append((a["id"], start, end))
        candidates.append((r["priority"] * r["duration_minutes"] / 60, opts))
    best = 0.0

    def dfs(i, taken, value):
        nonlocal best
        if value + sum(w for w, _ in candidates[i:]) <= best:
            return
        if i == len(candidates):
            best = max(best, value)
            return
        w, opts = candidates[i]
        for aid, s, e in opts:
            if not any(aid == ta and s < te and ts < e for ta, ts, te in taken):
                dfs(i + 1, taken + [(aid, s, e)], value + w)
        dfs(i + 1, taken, value)

    dfs(0, [], 0.0)
    return best


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_method_is_feasible_and_cpsat_beats_greedy_and_bounds_hold(data):
    problem = problem_from_dict(data)
    greedy = solve(problem, time_limit=2, method="greedy")
    cpsat = solve(problem, time_limit=2, workers=1)
    for sol in (greedy, cpsat):
        assert first_violation(data, solution_to_dict(sol)) is None
    g, c = greedy.metrics.weighted_served_hours, cpsat.metrics.weighted_served_hours
    optimum = brute_force_optimum(data)
    assert c >= g
    assert c <= optimum + 1e-3
    assert cpsat.metrics.upper_bound_weighted_hours >= optimum - 1e-3
    assert greedy.metrics.upper_bound_weighted_hours >= optimum - 1e-3
    if cpsat.status == "optimal":
        assert abs(c - optimum) < 1e-3
    # tiny instances are always solved to optimality well within 2 s
    assert cpsat.status == "optimal"
