"""Instant answers to flexible requests, with and without making room (fleet/allocation/making_room.py).

    .venv/bin/python bench/bench_instant.py [--requests 300] [--assets 6] [--seed 1]

The same stream of requests (one category of cars at one 24/7 hub, a week, windows from exact to a whole
day, arriving in random order at least a day ahead) is submitted one by one, as members would, to two
fresh SQLite databases: once first come, first served within the category (make_room=False), once letting
not-yet-started flexible bookings move inside their windows. Prints requests served, hours served, moves and
the time per request, and the ratio between the two. A benchmark, not a test: it measures and prints.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from fleet.allocation.flexible_requests import RequestInput, submit_request  # noqa: E402
from fleet.models import (  # noqa: E402
    Asset, Category, CategoryKind, FlexibleRequest, Hub, Member, Notification, RequestStatus, Role,
)


def stream(n: int, now: datetime, rng: random.Random) -> list[tuple[datetime, datetime, int]]:
    """(earliest start, latest end, minutes) per request, in arrival order."""
    out = []
    for _ in range(n):
        day = now.replace(hour=0) + timedelta(days=rng.randint(2, 8))
        minutes = rng.choice((60, 120, 180, 240))
        slack = rng.choice((0, 0, 60, 120, 240, 480, 720))
        start = day + timedelta(hours=rng.randint(6, 16))
        out.append((start, start + timedelta(minutes=minutes + slack), minutes))
    return out


def run(requests, assets: int, make_room: bool, now: datetime) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite"})
        with app.app_context():
            upgrade()
            s = db.session
            hub = Hub(name="Station", address="", lat=52.09, lon=5.12, timezone="Europe/Amsterdam",
                      opening_hours="24/7")
            cars = Category(name="Cars", kind=CategoryKind.vehicle, min_duration_minutes=60,
                            max_duration_minutes=1440, max_advance_days=30, min_notice_minutes=0)
            s.add_all([hub, cars])
            s.flush()
            s.add_all([Asset(name=f"Car {i}", category_id=cars.id, hub_id=hub.id, capabilities={})
                       for i in range(assets)])
            members = [Member(email=f"m{i}@bench.invalid", name=f"M{i}", password_hash="x", role=Role.member)
                       for i in range(len(requests))]
            s.add_all(members)
            s.commit()
            took = []
            for member, (start, end, minutes) in zip(members, requests):
                t0 = time.perf_counter()
                submit_request(s, member, RequestInput(category_id=cars.id, earliest_start=start, latest_end=end,
                                                       duration_minutes=minutes, requires={}),
                               now, make_room=make_room)
                s.commit()
                took.append(time.perf_counter() - t0)
            served = s.scalars(select(FlexibleRequest).where(FlexibleRequest.status == RequestStatus.assigned)).all()
            moves = s.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "booking_moved"))
            result = {"served": len(served), "hours": sum(r.duration_minutes for r in served) / 60,
                      "moves": moves, "mean_ms": 1000 * sum(took) / len(took),
                      "p95_ms": 1000 * sorted(took)[int(0.95 * (len(took) - 1))]}
            s.remove()
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--assets", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    requests = stream(args.requests, now, random.Random(args.seed))
    fcfs = run(requests, args.assets, False, now)
    room = run(requests, args.assets, True, now)
    print(f"{args.requests} requests, {args.assets} cars, seed {args.seed}")
    for name, r in (("first come, first served", fcfs), ("making room", room)):
        print(f"  {name:26s} served {r['served']:4d}  hours {r['hours']:8.1f}  moves {r['moves']:4d}  "
              f"mean {r['mean_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms")
    print(f"  ratio (making room / FCFS): served {room['served'] / max(fcfs['served'], 1):.3f}, "
          f"hours {room['hours'] / max(fcfs['hours'], 1):.3f}, time per request {room['mean_ms'] / fcfs['mean_ms']:.2f}x")


if __name__ == "__main__":
    main()
