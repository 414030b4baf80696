"""Scheduler benchmark (``make bench-scheduler``): CP-SAT against first-come-first-served.

Not a test: prints a table of weighted served hours, the proven upper bound and where it comes from,
the gap, the ratio to the FCFS baseline measured in the same run, the peak resident memory of the
process that solved the case, and the machine's load average before and after. Usage:

    .venv/bin/python bench/bench_scheduler.py [--quick] [--overload] [--six-months] [--large] [--all] [--only]
                                              [--workers N] [--limit-factor F]

Without flags the script runs the moderate-load set (a few minutes). ``--overload`` adds the instances where
demand is 0.8-6x the fleet's hours (60 s each); ``--six-months`` a hotel-shaped half year (6,000 stays,
195 rooms, upgrades, a day of slack; 60 s); ``--large`` 10,000 requests (memory) and 50,000 requests
over a month on a region's fleet (300 s); ``--all`` all three (what ``make bench-scheduler`` runs, about
15 minutes). ``--only`` keeps the moderate set out.
Every case runs in its own process, so its peak memory is its own; every plan goes through the
independent checker.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

# name: (kind, requests, assets, days, time limit in seconds)
DEFAULT = {
    "moderate 500": ("town", 500, 100, 14, 30.0),
    "moderate 2k": ("town", 2000, 100, 14, 30.0),
    "moderate 10k": ("town", 10000, 500, 14, 60.0),
}
QUICK = {
    "moderate 500": ("town", 500, 100, 14, 5.0),
    "moderate 2k": ("town", 2000, 100, 14, 10.0),
    "overload 2k": ("town", 2000, 21, 28, 10.0),
}
OVERLOAD = {
    "peak 8k": ("town", 8000, 84, 28, 60.0),  # the held-out shape: evenings and weekends overloaded
    "overload 3x": ("town", 8000, 28, 21, 60.0),
    "overload 6x": ("town", 8000, 14, 21, 60.0),
}
SIX_MONTHS = {"hotel 6 months": ("hotel", 6000, 195, 182, 60.0)}
LARGE = {
    "10k memory": ("town", 10000, 84, 28, 60.0),
    "region 50k": ("region", 50000, 600, 28, 300.0),  # six towns' pools, a month
}
SEED = 1
REGION_TOWNS = 6


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def run_case(kind: str, n: int, m: int, days: int, limit: float, workers: int, seed: int) -> dict:
    """Solve one case in this process and report it (called in a child process)."""
    from scheduling import first_violation, problem_to_dict, solution_to_dict, solve
    from scheduling.generate import demand_ratio, generate, generate_hotel, generate_region

    if kind == "hotel":
        problem = generate_hotel(n, m, days, seed=seed)
    elif kind == "region":
        problem = generate_region(n, m, REGION_TOWNS, seed=seed, days=days)
    else:
        problem = generate(n, m, seed=seed, days=days)
    fcfs = solve(problem, time_limit=limit, workers=workers, method="greedy")
    t0 = time.monotonic()
    best = solve(problem, time_limit=limit, workers=workers, method="cpsat")
    wall = time.monotonic() - t0
    raw = problem_to_dict(problem)
    violations = [v for v in (first_violation(raw, solution_to_dict(s)) for s in (fcfs, best)) if v]
    m_ = best.metrics
    return {
        "demand": demand_ratio(problem), "fcfs": fcfs.metrics.weighted_served_hours, "best": m_.weighted_served_hours,
        "bound": m_.upper_bound_weighted_hours, "source": m_.bound_source, "status": best.status, "wall": wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "violations": violations,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller cases and shorter limits")
    ap.add_argument("--overload", action="store_true", help="add the overloaded instances (60 s each)")
    ap.add_argument("--six-months", action="store_true", help="add the hotel-shaped half year (60 s)")
    ap.add_argument("--large", action="store_true", help="add 10,000 requests (memory) and 50,000 (300 s)")
    ap.add_argument("--all", action="store_true", help="add all three sets above")
    ap.add_argument("--only", action="store_true", help="run only the sets asked for, not the moderate one")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--limit-factor", type=float, default=1.0, metavar="F",
                    help="multiply every case's time limit by F (how much a longer search closes the gap)")
    ap.add_argument("--case", help=argparse.SUPPRESS)  # internal: one case, JSON out
    args = ap.parse_args()
    if args.limit_factor <= 0:
        ap.error("--limit-factor must be positive")
    if args.case:
        kind, n, m, days, limit = json.loads(args.case)
        print(json.dumps(run_case(kind, n, m, days, limit, args.workers, args.seed)))
        return 0
    cases: dict = {}
    if not args.only:
        cases.update(QUICK if args.quick else DEFAULT)
    for flag, extra in ((args.overload, OVERLOAD), (args.six_months, SIX_MONTHS), (args.large, LARGE)):
        if flag or args.all:
            cases.update(extra)
    print(f"# python {platform.python_version()}, {os.cpu_count()} cpus, workers {args.workers}, seed {args.seed}")
    header = ("case", "requests", "assets", "days", "demand x", "limit s", "fcfs wh", "cpsat wh", "bound wh", "bound source",
              "gap %", "fcfs gap %", "cpsat/fcfs", "status", "wall s", "peak MB", "load before", "load after", "checked")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    ok = True
    for name, (kind, n, m, days, limit) in cases.items():
        limit *= args.limit_factor
        before = _load()
        proc = subprocess.run(
            [sys.executable, __file__, "--case", json.dumps([kind, n, m, days, limit]), "--workers", str(args.workers),
             "--seed", str(args.seed)], capture_output=True, text=True, check=False)
        after = _load()
        if proc.returncode != 0:
            print(f"| {name} | failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode} |")
            ok = False
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        ub, best, fcfs = r["bound"], r["best"], r["fcfs"]
        gap = 100.0 * (ub - best) / ub if ub else 0.0
        fgap = 100.0 * (ub - fcfs) / ub if ub else 0.0
        ratio = best / fcfs if fcfs else float("nan")
        checked = "ok" if not r["violations"] else "INFEASIBLE: " + r["violations"][0]
        ok = ok and not r["violations"]
        print(f"| {name} | {n} | {m} | {days} | {r['demand']:.2f} | {limit:g} | {fcfs:.1f} | {best:.1f} | {ub:.1f} | "
              f"{r['source']} | {gap:.2f} | {fgap:.2f} | {ratio:.4f} | {r['status']} | {r['wall']:.1f} | {r['peak_mb']:.0f} | "
              f"{before} | {after} | {checked} |", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
