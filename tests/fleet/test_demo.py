"""The demo community: big enough, realistic, rule-abiding, deterministic and loaded only once."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import DateTime, create_engine, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from fleet.booking.bookings import check_booking_rules
from fleet.catalogue.capabilities import coerce_capabilities
from fleet.demo import DEMO_PASSWORD, load_demo
from fleet.core.localtime import to_local
from fleet.models import (
    HOLDING_STATUSES, Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, Hub,
    MaintenanceWindow, Member, MeterUnit, Role, metadata,
)
from fleet.core.opening_hours import parse_opening_hours

# Three weeks before the clocks go forward in Europe: the past and upcoming bookings straddle DST changes.
NOW = datetime(2026, 3, 20, 10, 17, 45, tzinfo=timezone.utc)
SECRETS = {"password_hash", "session_token"}  # salted / random on purpose, so left out of the digest


def fresh_session() -> Session:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    return Session(engine)


def digest(session: Session) -> str:
    h = hashlib.sha256()
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in SECRETS]
        for row in session.execute(select(*columns).order_by(*table.primary_key.columns)):
            h.update(repr((table.name, tuple(row))).encode())
    return h.hexdigest()


def counts(session: Session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Hub, Category, Asset, Member, Booking, MaintenanceWindow)}


@pytest.fixture(scope="module")
def demo():
    session = fresh_session()
    result = load_demo(session, NOW)
    session.commit()
    yield session, result
    session.close()


def test_loads_a_community_of_realistic_size(demo):
    session, result = demo
    assert result.created is True
    c = counts(session)
    assert c["Hub"] >= 3 and c["Asset"] >= 60 and c["Member"] >= 203
    assert 1500 <= c["Booking"] <= 3000
    assert (result.hubs, result.assets, result.members, result.bookings) == (
        c["Hub"], c["Asset"], c["Member"], c["Booking"])
    assert session.scalar(select(func.count()).select_from(Member).where(Member.role == Role.member)) >= 200
    hubs = session.scalars(select(Hub)).all()
    for hub in hubs:
        assert hub.timezone == "Europe/Amsterdam" and hub.address
        assert 51.9 < hub.lat < 52.2 and 5.0 < hub.lon < 5.25  # Utrecht
        parse_opening_hours(hub.opening_hours)
    assert any(h.opening_hours == "24/7" for h in hubs)


def test_catalogue_has_the_things_a_pool_shares(demo):
    session, _ = demo
    assets = session.scalars(select(Asset)).all()
    by_category = defaultdict(list)
    for a in assets:
        by_category[a.category.name].append(a)
        assert coerce_capabilities(a.category.capability_schema, a.capabilities) == a.capabilities
        assert a.capabilities, a.name
        assert isinstance(a.purchase_cost_minor, int) and a.purchase_cost_minor > 0 and a.purchase_date
        expected_unit = {CategoryKind.vehicle: MeterUnit.km, CategoryKind.machine: MeterUnit.hours}
        assert a.meter_unit == expected_unit.get(a.category.kind)
    names = " ".join(a.name.lower() for a in assets)
    assert "tractor" in names and "seed drill" in names
    assert by_category["Trailers"] and by_category["Cargo bikes"] and by_category["Bicycles"]
    farm = session.scalar(select(Category).where(Category.name == "Farm machinery"))
    assert farm.approval_required and farm.min_notice_minutes >= 1440
    assert {a.hub.name for a in farm.assets} | {a.hub.name for a in by_category["Trailers"]} == {"Amelisweerd Farm Hub"}
    cars = by_category["Cars"]
    assert any(a.design_url.startswith("https://") and a.design_licence == "CERN-OHL-S-2.0" for a in cars)
    assert any(a.design_url and a.design_licence == "CC BY-SA 4.0" for a in by_category["Cargo bikes"])
    assert set(cars[0].category.capability_schema) >= {"seats", "towbar", "range_km", "fuel"}
    statuses = [a.status for a in assets]
    assert statuses.count(AssetStatus.retired) == 1 and 1 <= statuses.count(AssetStatus.maintenance) <= 2


def test_members_and_logins(demo):
    session, result = demo
    assert [(role, email) for role, email, _ in result.logins] == [
        ("admin", "admin@demo.commonpool.org"), ("coordinator", "coordinator@demo.commonpool.org"),
        ("member", "member@demo.commonpool.org")]
    for role, email, password in result.logins:
        assert password == DEMO_PASSWORD
        member = session.scalar(select(Member).where(Member.email == email))
        assert member.role == Role(role) and member.active
        assert check_password_hash(member.password_hash, password)
    members = session.scalars(select(Member)).all()
    assert len({m.email for m in members}) == len(members)
    assert all(m.email.endswith("@demo.commonpool.org") for m in members)
    for m in members:
        assert abs(m.home_lat - 52.09) < 0.07 and abs(m.home_lon - 5.12) < 0.1, m.email
    demo_member = session.scalar(select(Member).where(Member.email == "member@demo.commonpool.org"))
    own = session.scalars(select(Booking).where(Booking.member_id == demo_member.id)).all()
    assert sum(b.start_at >= NOW and b.status in HOLDING_STATUSES for b in own) >= 2
    assert sum(b.end_at <= NOW and b.status == BookingStatus.completed for b in own) >= 2


def test_no_overlaps_and_maintenance_respected(demo):
    session, _ = demo
    per_asset = defaultdict(list)
    for b in session.scalars(select(Booking).order_by(Booking.asset_id, Booking.start_at)):
        per_asset[b.asset_id].append(b)
    for bookings in per_asset.values():
        for earlier, later in zip(bookings, bookings[1:]):
            assert earlier.end_at <= later.start_at, (earlier.id, later.id)  # not even cancelled ones overlap
    windows = session.scalars(select(MaintenanceWindow)).all()
    assert len(windows) >= 3
    for w in windows:
        assert not [b for b in per_asset[w.asset_id] if b.start_at < w.end_at and w.start_at < b.end_at]
    for asset in session.scalars(select(Asset).where(Asset.status != AssetStatus.active)):
        assert not [b for b in per_asset[asset.id] if b.end_at > NOW]


def test_bookings_cover_past_quarter_and_next_month_with_patterns(demo):
    session, _ = demo
    bookings = session.scalars(select(Booking)).all()
    past = [b for b in bookings if b.end_at <= NOW]
    upcoming = [b for b in bookings if b.start_at >= NOW]
    assert min(b.start_at for b in bookings) >= NOW - timedelta(days=93)
    assert max(b.start_at for b in bookings) <= NOW + timedelta(days=31)
    assert min(b.start_at for b in bookings) < NOW - timedelta(days=85)
    assert max(b.start_at for b in bookings) > NOW + timedelta(days=25)
    assert len(past) > len(upcoming) > 300
    past_status = defaultdict(int)
    for b in past:
        past_status[b.status] += 1
    assert past_status[BookingStatus.completed] > 0.8 * len(past)
    assert past_status[BookingStatus.cancelled] > 0 and past_status[BookingStatus.no_show] > 0
    assert not any(b.status in HOLDING_STATUSES for b in past)
    assert {b.status for b in upcoming} <= {BookingStatus.confirmed, BookingStatus.pending, BookingStatus.cancelled}
    pending = [b for b in upcoming if b.status == BookingStatus.pending]
    assert pending and all(b.asset.category.approval_required for b in pending)
    # More pick-ups on Saturdays than on an average weekday.
    by_weekday = defaultdict(int)
    for b in bookings:
        by_weekday[to_local(b.start_at, "Europe/Amsterdam").weekday()] += 1
    assert by_weekday[5] > sum(by_weekday[d] for d in range(5)) / 5


def test_every_booking_obeys_the_category_and_hub_rules(demo):
    session, _ = demo
    bookings = session.scalars(select(Booking)).all()
    hours = {h.id: parse_opening_hours(h.opening_hours) for h in session.scalars(select(Hub))}
    for b in bookings:
        asset, cat, hub = b.asset, b.asset.category, b.asset.hub
        minutes = (b.end_at - b.start_at) / timedelta(minutes=1)
        assert cat.min_duration_minutes <= minutes <= cat.max_duration_minutes, b.id
        assert hours[hub.id].is_open_at(b.start_at, hub.timezone), b.id
        assert hours[hub.id].is_open_at(b.end_at, hub.timezone), b.id
        for instant in (b.start_at, b.end_at):
            local = to_local(instant, hub.timezone)
            assert local.minute in (0, 30) and local.second == 0 and local.microsecond == 0
        assert b.created_at <= min(b.start_at, NOW)
        if b.status == BookingStatus.cancelled:
            assert b.created_at <= b.cancelled_at <= NOW
        if b.start_at >= NOW and b.status in HOLDING_STATUSES:
            # The very check a member's booking goes through, from the moment they would have made it.
            check_booking_rules(asset, b.start_at, b.end_at, NOW)


def test_all_datetimes_are_aware_utc(demo):
    session, _ = demo
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, DateTime) or hasattr(c.type, "impl")
                   and isinstance(c.type.impl, DateTime)]
        for column in columns:
            for value in session.scalars(select(column)):
                assert value is None or value.utcoffset() == timedelta(0), (table.name, column.name)


def test_second_load_is_a_no_op(demo):
    session, result = demo
    before, fingerprint = counts(session), digest(session)
    again = load_demo(session, NOW + timedelta(days=3))
    session.flush()
    assert again.created is False and again.bookings == 0
    assert again.logins == result.logins
    assert counts(session) == before and digest(session) == fingerprint


def test_does_not_mix_into_an_existing_pool():
    session = fresh_session()
    session.add(Member(email="someone@example.org", name="Someone", password_hash="x", role=Role.admin,
                       created_at=NOW))
    session.flush()
    result = load_demo(session, NOW)
    assert result.created is False and len(result.logins) == 3
    assert session.scalar(select(func.count()).select_from(Hub)) == 0


def test_same_seed_and_now_give_identical_rows(demo):
    first, _ = demo
    second = fresh_session()
    load_demo(second, NOW)
    second.flush()
    assert digest(second) == digest(first)
    third = fresh_session()
    load_demo(third, NOW, seed=7)
    third.flush()
    assert digest(third) != digest(first)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        load_demo(fresh_session(), NOW.replace(tzinfo=None))


def test_demo_module_does_not_import_flask():
    import fleet

    code = "import sys, fleet.demo; sys.exit('flask' in sys.modules)"
    repo = Path(fleet.__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=repo).returncode == 0
