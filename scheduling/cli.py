"""``python -m scheduling solve|check|generate|plan``: the JSON contract on the command line.

Bad input is one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from .check import CheckError, check_solution
from .generate import generate, generate_hotel, generate_region
from .instance_json import dump_solution, dumps_problem, load_problem
from .fleet_plan import plan
from .solve import METHODS, solve
from .validation import InstanceError

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT = 0, 1, 2
REGION_TOWNS = 6  # generate --shape region


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage over several lines; keep it to one
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0: {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m scheduling", description="Commonpool's optimiser (JSON in, JSON out).")
    p.add_argument("-v", "--verbose", action="store_true", help="log solver parameters and progress on stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("solve", help="solve an instance, print the solution JSON")
    s.add_argument("instance")
    s.add_argument("--time-limit", type=_positive_float, default=30.0, metavar="SECONDS")
    s.add_argument("--workers", type=_positive_int, default=2)
    s.add_argument("--method", choices=METHODS, default="cpsat")
    c = sub.add_parser("check", help="exit 0 when the solution is feasible, 1 naming the first violation")
    c.add_argument("instance")
    c.add_argument("solution")
    pl = sub.add_parser("plan", help="fleet planning: fewest assets, next acquisition, retire or move (JSON)")
    pl.add_argument("instance")
    pl.add_argument("--time-limit", type=_positive_float, default=60.0, metavar="SECONDS",
                    help="for the whole plan, split across its solves (default 60)")
    pl.add_argument("--workers", type=_positive_int, default=2)
    g = sub.add_parser("generate", help="write a synthetic instance")
    g.add_argument("--requests", type=_non_negative_int, required=True)
    g.add_argument("--assets", type=_positive_int, required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--opening-hours", type=_fraction, default=0.0, metavar="FRACTION",
                   help="share of hubs (0-1) whose assets get opening hours (default 0: always open)")
    g.add_argument("--days", type=_positive_int, default=14, help="horizon length (default 14)")
    g.add_argument("--shape", choices=("town", "hotel", "region"), default="town",
                   help="town (default); hotel: --requests stays in --assets rooms, whole nights, upgrades; "
                        "region: six towns' pools 50 km apart")
    g.add_argument("--out", metavar="FILE")
    return p


def _read_json(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise InstanceError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{what} {path} is not valid JSON: {exc}") from None


def _write(text: str, path: str | None) -> None:
    if path is None:
        sys.stdout.write(text + "\n")
        return
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError as exc:
        raise InstanceError(f"cannot write {path}: {exc.strerror or exc}") from None


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "solve":
            problem = load_problem(args.instance)
            # --time-limit covers the whole command: reading the file and writing the answer count too
            budget = max(0.05, args.time_limit - (time.monotonic() - started) - 0.1)
            solution = solve(problem, time_limit=budget, workers=args.workers, method=args.method)
            _write(dump_solution(solution), None)
            return EXIT_OK
        if args.command == "check":
            load_problem(args.instance)  # refuse a malformed instance the same way solve does
            instance = _read_json(args.instance, "instance")
            solution = _read_json(args.solution, "solution")
            if not isinstance(solution, dict):
                raise InstanceError("solution: expected a JSON object at the top level")
            try:
                violation = check_solution(instance, solution)
            except CheckError as exc:
                raise InstanceError(str(exc)) from None
            if violation:
                print(f"infeasible: {violation}", file=sys.stderr)
                return EXIT_INFEASIBLE
            print("feasible", file=sys.stderr)
            return EXIT_OK
        if args.command == "plan":
            problem = load_problem(args.instance)
            budget = max(0.05, args.time_limit - (time.monotonic() - started) - 0.1)
            _write(json.dumps(plan(problem, time_limit=budget, workers=args.workers), indent=1), None)
            return EXIT_OK
        if args.shape == "hotel":
            problem = generate_hotel(args.requests, args.assets, max(2, args.days), seed=args.seed)
        elif args.shape == "region":
            problem = generate_region(args.requests, args.assets, REGION_TOWNS, seed=args.seed, days=args.days)
        else:
            problem = generate(args.requests, args.assets, args.seed, opening_hours=args.opening_hours, days=args.days)
        _write(dumps_problem(problem), args.out)
        return EXIT_OK
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
