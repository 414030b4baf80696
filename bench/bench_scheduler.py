"""Scheduler benchmark (``make bench-scheduler``): CP-SAT against first-come-first-served.

Not a test: prints a table of weighted served hours, the proven upper bound, the gap and the ratio
to the FCFS baseline measured in the same run. Usage:

    .venv/bin/python bench/bench_scheduler.py [--quick] [--workers N]
"""
from __future__ import annotations

import argparse
import logging
import platform
import os
import sys
import time

from scheduling import first_violation, problem_to_dict, solution_to_dict, solve
from scheduling.generate import generate

# (requests, assets, time limit in seconds)
CASES = [(500, 100, 30.0), (2000, 100, 30.0), (10000, 500, 60.0)]
QUICK = [(500, 100, 5.0), (2000, 100, 10.0)]
SEED = 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller cases and shorter limits")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    print(f"# python {platform.python_version()}, {os.cpu_count()} cpus, workers {args.workers}, seed {args.seed}")
    header = ("requests", "assets", "limit s", "fcfs wh", "cpsat wh", "bound wh", "gap %", "cpsat/fcfs", "status", "wall s")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    ok = True
    for n, m, limit in QUICK if args.quick else CASES:
        problem = generate(n, m, seed=args.seed)
        raw = problem_to_dict(problem)
        fcfs = solve(problem, time_limit=limit, workers=args.workers, method="greedy")
        t0 = time.monotonic()
        best = solve(problem, time_limit=limit, workers=args.workers, method="cpsat")
        wall = time.monotonic() - t0
        for sol in (fcfs, best):
            violation = first_violation(raw, solution_to_dict(sol))
            if violation:
                print(f"INFEASIBLE {sol.method}: {violation}", file=sys.stderr)
                ok = False
        f, c, ub = fcfs.metrics.weighted_served_hours, best.metrics.weighted_served_hours, best.metrics.upper_bound_weighted_hours
        gap = 100.0 * (ub - c) / ub if ub else 0.0
        ratio = c / f if f else float("nan")
        print(f"| {n} | {m} | {limit:g} | {f:.1f} | {c:.1f} | {ub:.1f} | {gap:.2f} | {ratio:.4f} | {best.status} | {wall:.1f} |", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
