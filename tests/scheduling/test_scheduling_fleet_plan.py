"""Fleet planning on instances whose answers are known by construction."""
import json
import subprocess
import sys

import pytest

from sched_builders import asset, instance, request
from scheduling import loads_problem
from scheduling.fleet_plan import demand_problem, peak_concurrency, plan

HUBS = [{"id": "h1", "lat": 52.37, "lon": 4.90}, {"id": "h2", "lat": 52.09, "lon": 5.12}]
NEAR_H2 = {"lat": 52.09, "lon": 5.12}


def problem(data):
    return loads_problem(json.dumps(data))


def cli(*args):
    return subprocess.run([sys.executable, "-m", "scheduling", *args], capture_output=True, text=True, timeout=120)


def test_peak_concurrency_is_half_open():
    assert peak_concurrency([(0, 2), (2, 4)]) == 1  # back to back
    assert peak_concurrency([(0, 3), (1, 4), (2, 5), (4, 6)]) == 3
    assert peak_concurrency([]) == 0


def test_one_surplus_asset_by_the_sweep():
    # fixed-time demand: at most two at once, three identical cars -> one is surplus, exactly
    data = instance([asset("a1"), asset("a2"), asset("a3")],
                    [request("r1", 8, 11, 3), request("r2", 9, 12, 3), request("r3", 11, 14, 3),
                     request("r4", 12, 15, 3)])
    report = plan(problem(data), time_limit=20)
    car = report["categories"][0]
    assert car["base"]["served"] == 4
    fewest = car["fewest"]
    assert fewest["method"] == "sweep" and fewest["exact"] is True
    assert fewest["fleet"] == 3 and fewest["needed"] == 2 and len(fewest["surplus"]) == 1
    # retiring the surplus asset costs nothing; the solver agrees with the sweep
    retire = {r["asset"]: r for r in report["retirements"]}
    assert retire[fewest["surplus"][0]]["loss_weighted_hours"] == 0.0
    assert report["retirements"][0]["loss_weighted_hours"] == 0.0
    assert report["best_acquisition"] is None


def test_one_surplus_asset_by_the_solver_for_flexible_demand():
    # flexible windows: four 3-hour requests inside 08-20 fit on two cars (each car 4 x 3 h = 12 h max);
    # five requests of 4 h in the day need two cars (3 + 2) -> three cars, one surplus
    reqs = [request(f"r{i}", 8, 20, 4) for i in range(5)]
    data = instance([asset("a1"), asset("a2"), asset("a3")], reqs)
    report = plan(problem(data), time_limit=30)
    fewest = report["categories"][0]["fewest"]
    assert fewest["method"] == "solver"
    assert fewest["needed"] == 2 and len(fewest["surplus"]) == 1
    by_assets = {e["assets"]: e["weighted_served_hours"] for e in fewest["evidence"]}
    assert by_assets[3] == 20.0 and by_assets[2] == 20.0
    assert by_assets.get(1, 12.0) < 20.0


def test_next_asset_goes_to_the_hub_with_all_the_unmet_demand():
    # h1's car serves h1's demand; every request near h2 is unserved (max 5 km, only h1 has a car)
    reqs = [request("a", 8, 11, 3, location={"lat": 52.37, "lon": 4.90}, max_distance_km=5)]
    reqs += [request(f"b{i}", 8 + 3 * i, 11 + 3 * i, 3, location=NEAR_H2, max_distance_km=5) for i in range(3)]
    data = instance([asset("c1", hub="h1", seats=5)], reqs, hubs=HUBS)
    report = plan(problem(data), time_limit=30)
    best = report["best_acquisition"]
    assert best is not None and best["category"] == "car" and best["hub"] == "h2"
    assert best["before"]["weighted_served_hours"] == 3.0 and best["after"]["weighted_served_hours"] == 12.0
    assert best["gain_weighted_hours"] == 9.0
    h1 = next(a for a in report["acquisitions"] if a["hub"] == "h1")
    assert h1["gain_weighted_hours"] == 0.0 and h1["evaluated"] == "solve"


def test_moving_the_idle_asset_to_the_busy_hub():
    reqs = [request(f"b{i}", 8 + 3 * i, 11 + 3 * i, 3, location=NEAR_H2, max_distance_km=5) for i in range(2)]
    data = instance([asset("c1", hub="h1"), asset("c2", hub="h2")],
                    reqs + [request("b9", 8, 11, 3, location=NEAR_H2, max_distance_km=5)], hubs=HUBS)
    report = plan(problem(data), time_limit=30)
    assert report["moves"][0]["asset"] == "c1" and report["moves"][0]["to"] == "h2"
    assert report["moves"][0]["gain_weighted_hours"] == 3.0
    retire = {r["asset"]: r for r in report["retirements"]}
    assert retire["c1"]["loss_weighted_hours"] == 0.0 and retire["c1"]["evaluated"] == "idle in the plan"
    assert retire["c2"]["loss_weighted_hours"] == 6.0


def test_bookings_are_demand_pinned_to_their_hub():
    data = instance([asset("c1", hub="h1"), asset("c2", hub="h2")], [], hubs=HUBS,
                    bookings=[("k1", "c1", 8, 10), ("k2", "c1", 9, 11)])
    demand = demand_problem(problem(data))
    assert not demand.bookings and len(demand.requests) == 2
    assert all(r.max_distance_km == 0 for r in demand.requests)
    # only one car at h1 although the bookings overlap? They were recorded on one asset, so they cannot
    # overlap in a real pool; here they do, and the plan says h1 needs two, h2 none
    report = plan(problem(data), time_limit=20)
    fewest = report["categories"][0]["fewest"]
    hubs = {row["hub"]: row for row in fewest["by_hub"]}
    assert hubs["h1"]["fixed_time_peak"] == 2 and hubs["h2"]["fixed_time_peak"] == 0


def test_a_category_already_served_needs_no_candidate_solve():
    data = instance([asset("a1"), asset("t1", category="trailer")],
                    [request("r1", 8, 11, 3), request("r2", 8, 11, 3, category="trailer")])
    report = plan(problem(data), time_limit=20)
    assert all(a["evaluated"] == "no unserved demand" for a in report["acquisitions"])
    assert {c["category"] for c in report["categories"]} == {"car", "trailer"}


def test_the_time_limit_bounds_the_plan():
    reqs = [request(f"r{i}", 0, 24, 2, created=i % 24) for i in range(40)]
    data = instance([asset(f"a{i}", seats=4 + i % 3) for i in range(6)], reqs)
    report = plan(problem(data), time_limit=2)
    assert report["wall_seconds"] < 6  # the bound plus model-building slack, never the sum of full solves


def test_plan_rejects_a_non_positive_time_limit():
    with pytest.raises(ValueError):
        plan(problem(instance([asset("a1")], [])), time_limit=0)


def test_cli_plan_round_trip(tmp_path):
    inst = tmp_path / "i.json"
    inst.write_text(json.dumps(instance([asset("a1"), asset("a2")], [request("r1", 8, 11, 3)])))
    res = cli("plan", str(inst), "--time-limit", "10")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["categories"][0]["fewest"]["needed"] == 1
    assert {"best_acquisition", "acquisitions", "retirements", "moves", "not_evaluated"} <= set(data)


@pytest.mark.parametrize("args, text", [
    (("plan", "/nonexistent.json"), "cannot read"),
    (("plan", "{inst}", "--time-limit", "0"), "positive"),
    (("plan", "{inst}", "--time-limit", "abc"), "not a number"),
    (("plan", "{bad}"), "invalid JSON"),
    (("plan", "{empty}"), "empty fleet"),
    (("plan",), "error"),
])
def test_cli_plan_bad_input_exits_2(tmp_path, args, text):
    inst, bad, empty = tmp_path / "i.json", tmp_path / "bad.json", tmp_path / "empty.json"
    inst.write_text(json.dumps(instance([asset("a1")], [request("r1", 8, 11, 3)])))
    bad.write_text("{not json")
    empty.write_text(json.dumps(instance([], [])))
    res = cli(*(a.format(inst=inst, bad=bad, empty=empty) for a in args))
    assert res.returncode == 2
    assert text in res.stderr and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
