"""Dashboard queries at scale: one million generated bookings, each dashboard's time, and the plan of its
slowest statement.

    .venv/bin/python bench/bench_stats.py [--bookings 1000000] [--database-url URL]

Without --database-url it runs on a new SQLite file. Times are the median of three runs in this process;
the plan shows which index the slowest statement uses. A benchmark: it measures and prints.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from fleet import impact, utilisation  # noqa: E402
from fleet.demo import load_demo  # noqa: E402
from fleet.reporting.meter_use import recorded_use_by_asset  # noqa: E402
from fleet.models import (  # noqa: E402
    Asset, AssetStatus, Booking, BookingStatus, Handover, HandoverKind, Member, MeterUnit,
)


def fill(session, n: int, now: datetime, rng: random.Random) -> None:
    """n completed bookings back from the demo's first one, per asset one after another (no overlaps). Assets
    with a meter get a check-out and a check-in reading for each (km: 5 to 80 per booking; hours: 40 to 100 %
    of the booked time), as a pool that reads its meters would have."""
    assets = session.execute(select(Asset.id, Asset.meter_unit).where(Asset.status != AssetStatus.retired)).all()
    members = session.scalars(select(Member.id)).all()
    first = session.scalar(select(func.min(Booking.start_at)))
    next_id = (session.scalar(select(func.max(Booking.id))) or 0) + 1  # ids given here, for the handover rows
    per_asset = n // len(assets) + 1
    rows, handovers, made = [], [], 0

    def flush() -> None:
        if rows:
            session.execute(insert(Booking), rows)
        if handovers:
            session.execute(insert(Handover), handovers)
        rows.clear()
        handovers.clear()

    for asset_id, unit in assets:
        cursor, meter = first, 2_000_000.0  # filled backwards in time, so the meter falls as it goes
        for _ in range(per_asset):
            if made >= n:
                break
            length = timedelta(minutes=rng.choice((60, 90, 120, 180)))
            gap = timedelta(minutes=rng.choice((30, 60, 120, 240)))
            cursor -= length + gap
            member = rng.choice(members)
            rows.append(dict(id=next_id, asset_id=asset_id, member_id=member, start_at=cursor,
                             end_at=cursor + length, status=BookingStatus.completed, note="", created_at=cursor,
                             decision_reason="", attention=""))
            if unit is not None:
                use = rng.uniform(5, 80) if unit == MeterUnit.km else \
                    length.total_seconds() / 3600 * rng.uniform(0.4, 1.0)
                for kind, at, reading in ((HandoverKind.check_out, cursor, meter - use),
                                          (HandoverKind.check_in, cursor + length, meter)):
                    handovers.append(dict(booking_id=next_id, asset_id=asset_id, kind=kind, by_id=member, at=at,
                                          meter_reading=round(reading, 1), checklist={}, note=""))
                meter -= use
            next_id += 1
            made += 1
            if len(rows) == 20000:
                flush()
    flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence('booking', 'id'), (SELECT max(id) FROM booking))"))


class Statements:
    """Every SQL statement the measured call runs, with its time, to explain the slowest."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["t"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((time.perf_counter() - conn.info.pop("t"), statement, parameters))

    def slowest(self):
        return max(self.seen, key=lambda s: s[0]) if self.seen else None


def measure(label: str, call, statements: Statements, engine) -> None:
    times = []
    for _ in range(3):
        statements.seen.clear()
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
        db.session.rollback()
    slow = statements.slowest()
    print(f"{label:<34} median {statistics.median(times):6.3f} s  ({len(statements.seen)} statements, "
          f"slowest {slow[0]:.3f} s)")
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(prefix + slow[1], slow[2]).all()
    for row in plan[:8]:
        print("      " + " | ".join(str(c) for c in row))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bookings", type=int, default=1_000_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/stats.sqlite"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
            t = time.perf_counter()
            load_demo(db.session, now)
            fill(db.session, args.bookings, now, random.Random(11))
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:  # committed: ANALYZE in a rolled-back transaction keeps no statistics
                    conn.exec_driver_sql("ANALYZE")
            total = db.session.scalar(select(func.count()).select_from(Booking))
            read = db.session.scalar(select(func.count()).select_from(Handover))
            print(f"{db.engine.dialect.name}: {total} bookings, {read} meter readings, "
                  f"built in {time.perf_counter() - t:.0f} s")
            statements = Statements(db.engine)
            quarter = utilisation.resolve_period(None, None, now)
            year = (now - timedelta(days=365), now)
            measure("pool page: 13 weeks utilisation", lambda: utilisation.utilisation_report(
                db.session, quarter.start, quarter.end), statements, db.engine)
            measure("pool page: impact, rolling year", lambda: impact.impact_report(db.session, now),
                    statements, db.engine)
            measure("dashboard: heat map 13 weeks", lambda: utilisation.heat_map(db.session, quarter.start, quarter.end),
                    statements, db.engine)
            measure("dashboard: utilisation one year", lambda: utilisation.utilisation_report(db.session, *year),
                    statements, db.engine)
            measure("  the same with recorded meter use", lambda: utilisation.utilisation_report(
                db.session, *year, with_meter_use=True), statements, db.engine)
            asset_ids = db.session.scalars(select(Asset.id).where(Asset.status != AssetStatus.retired)).all()
            measure("  its recorded-use query alone", lambda: recorded_use_by_asset(db.session, *year, asset_ids),
                    statements, db.engine)
            measure("dashboard: 13 weeks with meter use", lambda: utilisation.utilisation_report(
                db.session, quarter.start, quarter.end, with_meter_use=True), statements, db.engine)
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
