"""Utilisation: booked hours over bookable hours, per asset, category, hub and pool, for any period.

Definitions (the public page states them too):
- *open hours*: the hub's weekly opening hours laid over the period, day by day in the hub's own zone, so a
  week with a DST change has 167 or 169 hours of a 24/7 hub. Computed in Python: it is a weekly pattern, not
  data.
- *bookable hours*: open hours minus the asset's maintenance windows inside them (summed in SQL).
- *booked hours*: the time of confirmed, checked-out and completed bookings that falls inside the period and
  inside the hub's open hours (summed in SQL). Pending, cancelled, rejected and no-show bookings are not use.
  A two-day loan from a hub open 08:00-20:00 counts its 24 open hours, so utilisation never exceeds 100 %
  for a hub with opening hours just because loans run overnight.
- *held hours*: the whole time such bookings keep the asset, clipped to the period only (used for wear in
  the impact figures and for a member's own hours).
- *recorded use* (on request): what the meters recorded, check-in reading minus check-out reading, summed
  over the bookings read at both ends and checked in inside the period; km for km meters and hours for hour
  meters, never added together. For hour meters the *run share* is those engine hours over the booked time
  of the same bookings: how much of the booked time the machine actually ran.

Every booking sum is an aggregate in the database: each booking is clipped to the open intervals with CASE
expressions on integer epoch seconds, which read the same on SQLite and PostgreSQL. No Python loop ever sees
a booking. Retired assets are left out.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, and_, column, func, literal, select, values
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.models import (
    Asset, AssetStatus, Booking, BookingStatus, Category, FlexibleRequest, Hub, MaintenanceWindow, MeterUnit,
    RequestStatus,
)
from fleet.core.opening_hours import parse_opening_hours
from fleet.core.sql import epoch_seconds, greatest, least
from fleet.reporting.meter_use import recorded_use_by_asset

BOOKED_STATUSES = (BookingStatus.confirmed, BookingStatus.checked_out, BookingStatus.completed)
MAX_PERIOD_DAYS = 400
DEFAULT_IDLE_THRESHOLD = 0.05
QUARTER = 900  # seconds; every IANA zone's offset is a multiple of 15 minutes, so local hours align to these
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp() // 1)


# --- periods and open intervals --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def check_period(start: datetime, end: datetime) -> Period:
    for name, value in (("from", start), ("until", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationFailed("%(name)s needs a UTC offset.", field=name, name=name)
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    if end <= start:
        raise ValidationFailed("The end of the period must be after its start.", field="until")
    if end - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationFailed("A period can be at most %(days)s days long.", field="until", days=MAX_PERIOD_DAYS)
    if start.year < 1971 or end.year > 9000:
        raise ValidationFailed("The period is out of range.", field="from")
    return Period(start, end)


def resolve_period(start: datetime | None, end: datetime | None, now: datetime, weeks: int = 13) -> Period:
    """The period asked for; a missing end is now, a missing start `weeks` weeks before the end."""
    end = end or now
    if start is None:
        if end.year < 1971:
            raise ValidationFailed("The period is out of range.", field="until")
        start = end - timedelta(weeks=weeks)
    return check_period(start, end)


def _local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    wall = datetime.combine(day, time(minute // 60, minute % 60)).replace(tzinfo=tz, fold=0)
    return wall.astimezone(timezone.utc)


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def open_intervals(opening_hours: str, zone_name: str, period: Period) -> list[tuple[int, int, date]]:
    """The hub's open intervals inside the period: (open epoch s, close epoch s, Monday of the local week).

    Walked day by day in the hub's zone, so each local day has its own UTC offset (DST-correct)."""
    hours = parse_opening_hours(opening_hours)
    tz = ZoneInfo(zone_name)
    lo, hi = _epoch(period.start), _epoch(period.end)
    day, last = period.start.astimezone(tz).date(), period.end.astimezone(tz).date()
    out = []
    while day <= last:
        ranges = [(0, 1440)] if hours.always_open else _merged(hours.days[day.weekday()])
        for open_minute, close_minute in ranges:
            a = max(lo, _epoch(_local_instant(day, open_minute, tz)))
            b = min(hi, _epoch(_local_instant(day, close_minute, tz)))
            if b > a:
                out.append((a, b, week_of(day)))
        day += timedelta(days=1)
    return out


# --- results ------------------------------------------------------------------------------------------------------

@dataclass
class Figures:
    booked_hours: float = 0.0
    bookable_hours: float = 0.0
    open_hours: float = 0.0
    maintenance_hours: float = 0.0
    held_hours: float = 0.0

    @property
    def rate(self) -> float | None:
        """Booked over bookable hours, or None when nothing was bookable."""
        return self.booked_hours / self.bookable_hours if self.bookable_hours > 0 else None

    def add(self, other: "Figures") -> None:
        self.booked_hours += other.booked_hours
        self.bookable_hours += other.bookable_hours
        self.open_hours += other.open_hours
        self.maintenance_hours += other.maintenance_hours
        self.held_hours += other.held_hours

    def as_dict(self) -> dict:
        return {"booked_hours": round(self.booked_hours, 4), "bookable_hours": round(self.bookable_hours, 4),
                "open_hours": round(self.open_hours, 4), "maintenance_hours": round(self.maintenance_hours, 4),
                "held_hours": round(self.held_hours, 4),
                "utilisation": None if self.rate is None else round(self.rate, 6)}


@dataclass
class MeterUse:
    """What the meters recorded at handover (see the module's definitions). The counts tell "no meter of that
    kind" (no km_meters / hour_meters) from "no readings" (meters but no booking read at both ends)."""

    km_meters: int = 0           # assets with a km meter
    hour_meters: int = 0         # assets with an hour meter
    km: float = 0.0
    km_readings: int = 0         # bookings of km-meter assets read at check-out and check-in
    engine_hours: float = 0.0
    hour_readings: int = 0       # bookings of hour-meter assets read at check-out and check-in
    read_booked_hours: float = 0.0  # the booked time of those hour-meter bookings

    @property
    def run_share(self) -> float | None:
        """Engine hours over the booked hours of the same bookings; None without readings. Bookings without
        readings add to neither side, so a missed reading does not look like an idle machine."""
        if not self.hour_readings or self.read_booked_hours <= 0:
            return None
        return self.engine_hours / self.read_booked_hours

    def add(self, other: "MeterUse") -> None:
        self.km_meters += other.km_meters
        self.hour_meters += other.hour_meters
        self.km += other.km
        self.km_readings += other.km_readings
        self.engine_hours += other.engine_hours
        self.hour_readings += other.hour_readings
        self.read_booked_hours += other.read_booked_hours


@dataclass
class Row:
    """One line of a breakdown: an asset, a type of asset inside a category, a category, a hub or the pool."""

    kind: str
    id: int | None
    name: str
    figures: Figures = field(default_factory=Figures)
    assets: int = 0
    category: str = ""
    hub: str = ""
    category_id: int | None = None
    hub_id: int | None = None
    meters: MeterUse | None = None  # only when the report was asked for recorded use

    def as_dict(self) -> dict:
        body = {"id": self.id, "name": self.name, "assets": self.assets, **self.figures.as_dict()}
        if self.kind == "asset":
            body.update(category_id=self.category_id, hub_id=self.hub_id, category=self.category, hub=self.hub)
        if self.kind == "type":
            body.update(category_id=self.category_id, category=self.category)
        return body


@dataclass
class Week:
    week_start: date
    figures: Figures = field(default_factory=Figures)

    def as_dict(self) -> dict:
        return {"week_start": self.week_start.isoformat(), **self.figures.as_dict()}


@dataclass
class Report:
    period: Period
    pool: Row
    categories: list[Row]
    hubs: list[Row]
    assets: list[Row]
    weeks: list[Week]
    # per type inside a category ("band saw" in Workshop equipment); assets without a type are left out
    types: list[Row] = field(default_factory=list)

    def idle_assets(self, threshold: float = DEFAULT_IDLE_THRESHOLD) -> list[Row]:
        """Assets that could be booked but were booked for less than `threshold` of that time."""
        return sorted((r for r in self.assets if r.figures.rate is not None and r.figures.rate < threshold),
                      key=lambda r: (r.figures.rate, r.name))


# --- the queries ----------------------------------------------------------------------------------------------

def _assets(session: Session, hub_id: int | None, category_id: int | None, asset_id: int | None,
            pool_ids: set[int] | None = None):
    query = (select(Asset.id, Asset.name, Asset.hub_id, Asset.category_id, Hub.name, Category.name,
                    Hub.opening_hours, Hub.timezone, Asset.meter_unit)
             .join(Hub, Hub.id == Asset.hub_id).join(Category, Category.id == Asset.category_id)
             .where(Asset.status != AssetStatus.retired))
    if hub_id is not None:
        query = query.where(Asset.hub_id == hub_id)
    if category_id is not None:
        query = query.where(Asset.category_id == category_id)
    if asset_id is not None:
        query = query.where(Asset.id == asset_id)
    if pool_ids is not None:
        query = query.where(Category.pool_id.in_(pool_ids))
    return session.execute(query.order_by(Asset.id)).all()


BUCKET = 7 * 24 * 3600  # seconds; bookings meet open intervals through these fixed-width buckets


def _interval_rows_by_bucket(rows: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """(hub, open_s, close_s, week) split where they cross a bucket boundary, each with its bucket number."""
    out = []
    for hub_id, a, b, week in rows:
        while a < b:
            edge = min(b, (a // BUCKET + 1) * BUCKET)
            out.append((hub_id, a, edge, week, a // BUCKET))
            a = edge
    return out


def _intervals_cte(rows: list[tuple[int, int, int, int]]):
    # Python ints rendered inline: no bound-parameter limit, however long the period.
    return values(column("hub_id", Integer), column("open_s", BigInteger), column("close_s", BigInteger),
                  column("week", Integer), column("bucket", BigInteger), name="open_interval",
                  literal_binds=True).data(_interval_rows_by_bucket(rows)).cte("open_interval")


def _seconds_in_open_hours(session: Session, model, asset_ids: list[int], intervals, period: Period, *where):
    """Sum over rows of `model` (asset_id, start_at, end_at) of their overlap with the open intervals,
    grouped by asset and week: {(asset_id, week ordinal): seconds}.

    A row meets only the intervals of the buckets it spans (an equality join on hub and bucket, which the
    database can hash), not every interval of the period: that keeps a year's report over a million
    bookings fast."""
    lo, hi = _epoch(period.start), _epoch(period.end)
    bucket = literal(BUCKET, BigInteger)
    s, e = epoch_seconds(model.start_at), epoch_seconds(model.end_at)
    s_in, e_in = greatest(s, literal(lo, BigInteger)), least(e, literal(hi, BigInteger))
    # The rows of the period first, each with its hub and its first and last bucket; materialised so the
    # planner cannot fold it back and compare every row with every interval.
    rows = (select(model.asset_id.label("asset_id"), Asset.hub_id.label("hub_id"), s.label("s"), e.label("e"),
                   (s_in // bucket).label("first_bucket"), ((e_in - 1) // bucket).label("last_bucket"))
            .join(Asset, Asset.id == model.asset_id)
            .where(model.start_at < period.end, model.end_at > period.start, model.asset_id.in_(asset_ids), *where)
            .cte("period_row").prefix_with("MATERIALIZED"))
    steps = values(column("k", Integer), name="bucket_step", literal_binds=True).data(
        [(k,) for k in range((hi - lo) // BUCKET + 2)]).cte("bucket_step")
    # One row per (row, bucket it touches), materialised too, so the join to the intervals is an equality on
    # (hub, bucket) that the database hashes.
    touched = (select(rows.c.asset_id, rows.c.hub_id, rows.c.s, rows.c.e,
                      (rows.c.first_bucket + steps.c.k).label("bucket"))
               .join(steps, steps.c.k <= rows.c.last_bucket - rows.c.first_bucket)
               .cte("touched_bucket").prefix_with("MATERIALIZED"))
    overlap = least(touched.c.e, intervals.c.close_s) - greatest(touched.c.s, intervals.c.open_s)
    query = (select(touched.c.asset_id, intervals.c.week, func.sum(overlap))
             .join(intervals, and_(intervals.c.hub_id == touched.c.hub_id, intervals.c.bucket == touched.c.bucket,
                                   touched.c.s < intervals.c.close_s, touched.c.e > intervals.c.open_s))
             .group_by(touched.c.asset_id, intervals.c.week))
    return {(a, w): int(sec or 0) for a, w, sec in session.execute(query)}


def held_seconds_by_asset(session: Session, period: Period, asset_ids: list[int] | None = None,
                          member_id: int | None = None) -> dict[int, dict]:
    """Per asset: seconds held by booked-status bookings inside the period, bookings and distinct members."""
    lo, hi = literal(_epoch(period.start), BigInteger), literal(_epoch(period.end), BigInteger)
    s, e = epoch_seconds(Booking.start_at), epoch_seconds(Booking.end_at)
    query = (select(Booking.asset_id, func.sum(least(e, hi) - greatest(s, lo)), func.count(Booking.id),
                    func.count(func.distinct(Booking.member_id)))
             .where(Booking.status.in_(BOOKED_STATUSES), Booking.start_at < period.end, Booking.end_at > period.start)
             .group_by(Booking.asset_id))
    if asset_ids is not None:
        query = query.where(Booking.asset_id.in_(asset_ids))
    if member_id is not None:
        query = query.where(Booking.member_id == member_id)
    return {a: {"seconds": int(sec or 0), "bookings": n, "members": m} for a, sec, n, m in session.execute(query)}


def _meter_use(unit: MeterUnit | None, read) -> MeterUse:
    """One asset's recorded use, from its meter unit and its fleet.reporting.meter_use.RecordedUse (None: no readings)."""
    if unit == MeterUnit.km:
        return MeterUse(km_meters=1, km=read.use if read else 0.0, km_readings=read.bookings if read else 0)
    if unit == MeterUnit.hours:
        return MeterUse(hour_meters=1, engine_hours=read.use if read else 0.0,
                        hour_readings=read.bookings if read else 0, read_booked_hours=read.hours if read else 0.0)
    return MeterUse()  # no meter: readings it may once have had are in no known unit


def utilisation_report(session: Session, start: datetime, end: datetime, *, hub_id: int | None = None,
                       category_id: int | None = None, asset_id: int | None = None,
                       with_meter_use: bool = False, pool_ids: set[int] | None = None) -> Report:
    """Booked, bookable, open and maintenance hours for [start, end), broken down every way at once; with
    `with_meter_use`, each row's recorded use too (one more grouped query)."""
    period = check_period(start, end)
    assets = _assets(session, hub_id, category_id, asset_id, pool_ids)
    hubs = {a[2]: (a[4], a[6], a[7]) for a in assets}
    open_by_hub: dict[int, list[tuple[int, int, date]]] = {
        hid: open_intervals(text, zone_name, period) for hid, (_, text, zone_name) in hubs.items()}
    interval_rows = [(hid, a, b, w.toordinal()) for hid, rows in open_by_hub.items() for a, b, w in rows]
    weeks = sorted({w for rows in open_by_hub.values() for _, _, w in rows})
    open_hub_week: dict[tuple[int, int], int] = defaultdict(int)
    for hid, rows in open_by_hub.items():
        for a, b, w in rows:
            open_hub_week[(hid, w.toordinal())] += b - a

    asset_ids = [a[0] for a in assets]
    booked, maint, held = {}, {}, {}
    if interval_rows and asset_ids:
        cte = _intervals_cte(interval_rows)
        booked = _seconds_in_open_hours(session, Booking, asset_ids, cte, period,
                                        Booking.status.in_(BOOKED_STATUSES))
        maint = _seconds_in_open_hours(session, MaintenanceWindow, asset_ids, _intervals_cte(interval_rows), period)
    if asset_ids:
        held = held_seconds_by_asset(session, period, asset_ids)
    recorded = {}
    if with_meter_use and asset_ids:
        recorded = recorded_use_by_asset(session, period.start, period.end, asset_ids)

    pool = Row("pool", None, "Whole pool", meters=MeterUse() if with_meter_use else None)
    type_of = dict(session.execute(select(Asset.id, Asset.asset_type).where(Asset.id.in_(asset_ids))).all()) \
        if asset_ids else {}
    by_type: dict[tuple[int, str], Row] = {}
    by_category: dict[int, Row] = {}
    by_hub: dict[int, Row] = {}
    by_week = {w: Week(w) for w in weeks}
    asset_rows = []
    for aid, name, hid, cid, hub_name, cat_name, _, _, unit in assets:
        row = Row("asset", aid, name, assets=1, category=cat_name, hub=hub_name, category_id=cid, hub_id=hid,
                  meters=_meter_use(unit, recorded.get(aid)) if with_meter_use else None)
        for w in weeks:
            o = open_hub_week.get((hid, w.toordinal()), 0)
            m = min(o, maint.get((aid, w.toordinal()), 0))
            b = booked.get((aid, w.toordinal()), 0)
            f = Figures(b / 3600, (o - m) / 3600, o / 3600, m / 3600)
            row.figures.add(f)
            by_week[w].figures.add(f)
        row.figures.held_hours = held.get(aid, {}).get("seconds", 0) / 3600
        asset_rows.append(row)
        for group, key, label, kind in ((by_category, cid, cat_name, "category"), (by_hub, hid, hub_name, "hub")):
            target = group.setdefault(key, Row(kind, key, label, meters=MeterUse() if with_meter_use else None))
            target.figures.add(row.figures)
            target.assets += 1
            if with_meter_use:
                target.meters.add(row.meters)
        kind_name = (type_of.get(aid) or "").strip()
        if kind_name:
            typed = by_type.setdefault((cid, kind_name.casefold()), Row("type", None, kind_name, category=cat_name,
                                                                          category_id=cid))
            typed.figures.add(row.figures)
            typed.assets += 1
        pool.figures.add(row.figures)
        pool.assets += 1
        if with_meter_use:
            pool.meters.add(row.meters)
    return Report(period, pool, sorted(by_category.values(), key=lambda r: r.name),
                  sorted(by_hub.values(), key=lambda r: r.name), asset_rows, [by_week[w] for w in weeks],
                  sorted(by_type.values(), key=lambda r: (r.category, r.name.casefold())))


def utilisation_by_category(session: Session, start: datetime, end: datetime) -> list[Row]:
    return utilisation_report(session, start, end).categories


def utilisation_by_hub(session: Session, start: datetime, end: datetime) -> list[Row]:
    return utilisation_report(session, start, end).hubs


def utilisation_by_asset(session: Session, start: datetime, end: datetime) -> list[Row]:
    return utilisation_report(session, start, end).assets


def pool_utilisation(session: Session, start: datetime, end: datetime) -> Row:
    return utilisation_report(session, start, end).pool


# --- heat map by hour of the week ---------------------------------------------------------------------------

@dataclass
class HeatMap:
    """booked[d][h]: booked asset-hours that fell on local weekday d (0 = Monday), hour h; capacity[d][h]: the
    asset-hours there were (assets x occurrences of that hour in the period); share = booked / capacity."""

    booked: list[list[float]]
    capacity: list[list[float]]

    def share(self, d: int, h: int) -> float | None:
        return self.booked[d][h] / self.capacity[d][h] if self.capacity[d][h] else None

    def as_dict(self) -> dict:
        return {"weekdays": WEEKDAYS, "hours": list(range(24)),
                "booked_hours": [[round(v, 4) for v in row] for row in self.booked],
                "share": [[None if self.share(d, h) is None else round(self.share(d, h), 6) for h in range(24)]
                          for d in range(7)]}


def heat_map(session: Session, start: datetime, end: datetime, *, hub_id: int | None = None,
             category_id: int | None = None, asset_id: int | None = None,
             pool_ids: set[int] | None = None) -> HeatMap:
    """Booked hours by local hour of the week (each hub's own zone), from two grouped queries.

    Each booking, clipped to the period, adds +1 at the quarter hour it starts in and -1 at the one it ends
    in, with the partial quarters as corrections (a difference array); the database sums these per hub and
    quarter, Python runs the prefix sum over the period's quarters (never over bookings)."""
    period = check_period(start, end)
    assets = _assets(session, hub_id, category_id, asset_id, pool_ids)
    booked = [[0.0] * 24 for _ in range(7)]
    capacity = [[0.0] * 24 for _ in range(7)]
    if not assets:
        return HeatMap(booked, capacity)
    asset_ids = [a[0] for a in assets]
    zones = {a[2]: a[7] for a in assets}
    count_by_hub: dict[int, int] = defaultdict(int)
    for a in assets:
        count_by_hub[a[2]] += 1
    lo, hi = _epoch(period.start), _epoch(period.end)
    s = greatest(epoch_seconds(Booking.start_at), literal(lo, BigInteger))
    e = least(epoch_seconds(Booking.end_at), literal(hi, BigInteger))
    where = (Booking.status.in_(BOOKED_STATUSES), Booking.start_at < period.end, Booking.end_at > period.start,
             Booking.asset_id.in_(asset_ids))
    diff: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for edge, sign in ((s, 1), (e, -1)):
        quarter = edge // QUARTER
        query = (select(Asset.hub_id, quarter, func.count(Booking.id), func.sum(edge - quarter * QUARTER))
                 .join(Asset, Asset.id == Booking.asset_id).where(*where).group_by(Asset.hub_id, quarter))
        for hid, q, n, rest in session.execute(query):
            cell = diff[hid][int(q)]
            cell[0] += sign * n
            cell[1] -= sign * int(rest or 0)
    first, last = lo // QUARTER, (hi - 1) // QUARTER
    for hid, zone_name in zones.items():
        tz = ZoneInfo(zone_name)
        cells = diff.get(hid, {})
        running = 0
        n_assets = count_by_hub[hid]
        for q in range(first, last + 1):
            cell = cells.get(q)
            if cell:
                running += cell[0]
            seconds = running * QUARTER + (cell[1] if cell else 0)
            local = datetime.fromtimestamp(q * QUARTER, tz)
            span = min(hi, (q + 1) * QUARTER) - max(lo, q * QUARTER)
            capacity[local.weekday()][local.hour] += n_assets * span / 3600
            if seconds:
                booked[local.weekday()][local.hour] += seconds / 3600
    return HeatMap(booked, capacity)


# --- unmet demand, from pluggable sources ------------------------------------------------------------------------

@dataclass(frozen=True)
class UnmetDemand:
    """Demand the pool did not serve in a category: how many requests and how many hours they asked for."""

    category_id: int
    source: str
    requests: int
    hours: float


UnmetDemandSource = Callable[[Session, Period], list[UnmetDemand]]
_SOURCES: dict[str, UnmetDemandSource] = {}


def register_unmet_demand_source(name: str, source: UnmetDemandSource) -> None:
    """Add a source of unmet demand (e.g. waitlisted flexible requests); the name labels its figures."""
    _SOURCES[name] = source


def unmet_demand_sources() -> list[str]:
    return list(_SOURCES)


def rejected_bookings(session: Session, period: Period) -> list[UnmetDemand]:
    """Bookings a coordinator rejected whose requested start lies in the period."""
    s, e = epoch_seconds(Booking.start_at), epoch_seconds(Booking.end_at)
    query = (select(Asset.category_id, func.count(Booking.id), func.sum(e - s))
             .join(Asset, Asset.id == Booking.asset_id)
             .where(Booking.status == BookingStatus.rejected, Booking.start_at >= period.start,
                    Booking.start_at < period.end)
             .group_by(Asset.category_id))
    return [UnmetDemand(cid, "rejected_bookings", n, int(sec or 0) / 3600) for cid, n, sec in session.execute(query)]


register_unmet_demand_source("rejected_bookings", rejected_bookings)


def waitlisted_requests(session: Session, period: Period) -> list[UnmetDemand]:
    """Flexible requests still waiting, or expired unserved, whose window starts in the period; their
    hours are the hours asked for (the duration), not the window."""
    query = (select(FlexibleRequest.category_id, func.count(FlexibleRequest.id),
                    func.sum(FlexibleRequest.duration_minutes))
             .where(FlexibleRequest.status.in_([RequestStatus.waitlisted, RequestStatus.expired]),
                    FlexibleRequest.earliest_start >= period.start, FlexibleRequest.earliest_start < period.end)
             .group_by(FlexibleRequest.category_id))
    return [UnmetDemand(cid, "waitlisted_requests", n, int(minutes or 0) / 60)
            for cid, n, minutes in session.execute(query)]


register_unmet_demand_source("waitlisted_requests", waitlisted_requests)


@dataclass
class DemandRow:
    category_id: int
    name: str
    supply: Figures
    unmet: dict[str, UnmetDemand]

    @property
    def unmet_requests(self) -> int:
        return sum(u.requests for u in self.unmet.values())

    @property
    def unmet_hours(self) -> float:
        return sum(u.hours for u in self.unmet.values())

    def as_dict(self) -> dict:
        return {"category_id": self.category_id, "name": self.name,
                "booked_hours": round(self.supply.booked_hours, 4),
                "bookable_hours": round(self.supply.bookable_hours, 4),
                "unmet_requests": self.unmet_requests, "unmet_hours": round(self.unmet_hours, 4),
                "by_source": {k: {"requests": u.requests, "hours": round(u.hours, 4)} for k, u in self.unmet.items()}}


def demand_beside_supply(session: Session, report: Report,
                         sources: dict[str, UnmetDemandSource] | None = None) -> list[DemandRow]:
    """Per category in the report: its supply figures and the unmet demand every source reports."""
    rows = {r.id: DemandRow(r.id, r.name, r.figures, {}) for r in report.categories}
    for name, source in (sources if sources is not None else _SOURCES).items():
        for item in source(session, report.period):
            if item.category_id in rows:
                previous = rows[item.category_id].unmet.get(name)
                if previous is not None:
                    item = UnmetDemand(item.category_id, name, previous.requests + item.requests,
                                       previous.hours + item.hours)
                rows[item.category_id].unmet[name] = item
    return list(rows.values())
