"""Random sequences of booking operations against a plain in-memory model, with times drawn around the DST
transitions of three hubs' zones (typed as wall-clock time, parsed by fleet.core.localtime.parse_local, which
refuses the skipped hour). After every step: no two holding bookings of an asset overlap in UTC, and the
database holds exactly the bookings the model says, with the same times and states.

Services are called the way a request calls them: one service call, then commit (or rollback on a
DomainError). Each asset has a category of its own, so re-planning after maintenance never moves a booking
to a sibling (it flags it instead), which keeps the model simple. Check-out and check-in run when
fleet.booking.handover provides them.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fleet.booking import bookings as booking_service
from fleet.booking import maintenance as maintenance_service
from fleet.core.errors import DomainError
from fleet.core.localtime import parse_local
from fleet.models import HOLDING_STATUSES, Booking, Role, metadata

HAS_HANDOVER = importlib.util.find_spec("fleet.booking.handover") is not None
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)  # before every transition below; bookings are all ahead
HOLDING = {s.value for s in HOLDING_STATUSES}

# (zone, local wall-clock time of the change): spring gaps and autumn folds of 2026.
TRANSITIONS = [
    ("Europe/Amsterdam", datetime(2026, 3, 29, 2, 0)), ("Europe/Amsterdam", datetime(2026, 10, 25, 2, 0)),
    ("America/New_York", datetime(2026, 3, 8, 2, 0)), ("America/New_York", datetime(2026, 11, 1, 1, 0)),
    ("Australia/Sydney", datetime(2026, 4, 5, 2, 0)), ("Australia/Sydney", datetime(2026, 10, 4, 2, 0)),
]
MIN_MINUTES, MAX_MINUTES = 30, 8 * 60


@dataclass
class Row:
    asset_id: int
    member_id: int
    start: datetime
    end: datetime
    status: str


def overlapping_pairs(session) -> int:
    a, b = aliased(Booking), aliased(Booking)
    return session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.asset_id == b.asset_id, a.id < b.id, a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
        a.start_at < b.end_at, b.start_at < a.end_at)))


def _overlaps(s1, e1, s2, e2) -> bool:
    return s1 < e2 and s2 < e1


wall_times = st.tuples(st.sampled_from(range(len(TRANSITIONS))), st.integers(-12, 12), st.integers(2, 32))


class BookingMachine(RuleBasedStateMachine):
    session = None
    make = None

    def __init__(self):
        super().__init__()
        s, make = self.session, self.make
        self.members = [make.member(), make.member()]
        self.coordinator = make.member(Role.coordinator)
        self.assets = []
        for zone, approval in (("Europe/Amsterdam", False), ("America/New_York", True), ("Australia/Sydney", False)):
            hub = make.hub(timezone=zone, opening_hours="24/7")
            category = make.category(min_duration_minutes=MIN_MINUTES, max_duration_minutes=MAX_MINUTES,
                                     max_advance_days=400, approval_required=approval)
            self.assets.append((make.asset(category, hub).id, zone, approval))
        s.commit()
        self.model: dict[int, Row] = {}
        self.maintenance: dict[int, list[tuple[datetime, datetime]]] = {a: [] for a, _, _ in self.assets}

    def teardown(self):
        s = self.session
        s.rollback()
        for table in reversed(metadata.sorted_tables):
            s.execute(table.delete())
        s.commit()

    # --- helpers -------------------------------------------------------------------------------------------------

    def _interval(self, zone_index: int, asset_zone: str, offset: int, length: int):
        """Wall-clock start near a transition (15-minute steps), end `length` quarter hours later on the wall
        clock, both parsed in the asset's zone; None when either falls in a gap (parse_local refuses it)."""
        _, local = TRANSITIONS[zone_index]
        start_local = local + timedelta(minutes=15 * offset)
        end_local = start_local + timedelta(minutes=15 * length)
        try:
            start = parse_local(start_local.strftime("%Y-%m-%dT%H:%M"), asset_zone)
            end = parse_local(end_local.strftime("%Y-%m-%dT%H:%M"), asset_zone)
        except DomainError:
            return None
        return start, end

    def _call(self, fn, *args, **kwargs):
        try:
            result = fn(self.session, *args, **kwargs)
        except DomainError:
            self.session.rollback()
            return None, False
        self.session.commit()
        return result, True

    def _holding(self, asset_id: int, exclude: int | None = None):
        return [r for bid, r in self.model.items() if r.asset_id == asset_id and r.status in HOLDING and bid != exclude]

    def _ids(self):
        return sorted(self.model)

    # --- rules ---------------------------------------------------------------------------------------------------

    @rule(asset=st.integers(0, 2), who=st.integers(0, 1), when=wall_times,
          same_zone=st.booleans())
    def book(self, asset, who, when, same_zone):
        asset_id, zone, approval = self.assets[asset]
        zone_index, offset, length = when
        if same_zone:  # mostly draw around a transition of the asset's own zone
            zone_index = [i for i, (z, _) in enumerate(TRANSITIONS) if z == zone][zone_index % 2]
        interval = self._interval(zone_index, zone, offset, length)
        if interval is None:
            return  # a skipped wall-clock time: refused before any service is called
        start, end = interval
        minutes = (end - start).total_seconds() / 60
        expect = (MIN_MINUTES <= minutes <= MAX_MINUTES
                  and not any(_overlaps(start, end, s, e) for s, e in self.maintenance[asset_id])
                  and not any(_overlaps(start, end, r.start, r.end) for r in self._holding(asset_id)))
        member = self.members[who]
        booking, ok = self._call(booking_service.book_asset, member, asset_id, start, end, NOW)
        assert ok == expect, (start, end, minutes, ok)
        if ok:
            status = "pending" if approval else "confirmed"
            assert booking.status.value == status
            self.model[booking.id] = Row(asset_id, member.id, start, end, status)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), as_coordinator=st.booleans(), as_other=st.booleans())
    def cancel(self, data, as_coordinator, as_other):
        booking_id = data.draw(st.sampled_from(self._ids()))
        row = self.model[booking_id]
        owner = next(m for m in self.members if m.id == row.member_id)
        stranger = next(m for m in self.members if m.id != row.member_id)
        actor = self.coordinator if as_coordinator else (stranger if as_other else owner)
        _, ok = self._call(booking_service.cancel_booking, actor, booking_id, NOW)
        expect = row.status in ("pending", "confirmed") and (actor is not stranger)
        assert ok == expect
        if ok:
            row.status = "cancelled"

    @precondition(lambda self: self.model)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data, approve):
        booking_id = data.draw(st.sampled_from(self._ids()))
        row = self.model[booking_id]
        service = booking_service.approve_booking if approve else booking_service.reject_booking
        _, ok = self._call(service, self.coordinator, booking_id, NOW)
        assert ok == (row.status == "pending")
        if ok:
            row.status = "confirmed" if approve else "rejected"
        # members can never decide
        _, member_ok = self._call(service, self.members[0], booking_id, NOW)
        assert not member_ok

    @rule(asset=st.integers(0, 2), when=wall_times)
    def add_maintenance(self, asset, when):
        asset_id, zone, _ = self.assets[asset]
        zone_index, offset, length = when
        interval = self._interval(zone_index, zone, offset, length)
        if interval is None:
            return
        start, end = interval
        _, ok = self._call(maintenance_service.add_maintenance_window, self.coordinator, asset_id, start, end,
                           "service", NOW)
        assert ok == (end > start)
        if ok:
            self.maintenance[asset_id].append((start, end))

    @precondition(lambda self: HAS_HANDOVER and self.model)
    @rule(data=st.data(), minutes_in=st.integers(-10, 60))
    def check_out(self, data, minutes_in):
        from fleet.booking import handover

        booking_id = data.draw(st.sampled_from(self._ids()))
        row = self.model[booking_id]
        now = row.start + timedelta(minutes=minutes_in)
        _, ok = self._call(handover.check_out, self.coordinator, booking_id, now)
        someone_out = any(r.status == "checked_out" for bid, r in self.model.items()
                          if r.asset_id == row.asset_id and bid != booking_id)
        expect = row.status == "confirmed" and now < row.end and not someone_out
        assert ok == expect
        if ok:
            row.status = "checked_out"

    @precondition(lambda self: HAS_HANDOVER and any(r.status == "checked_out" for r in self.model.values()))
    @rule(data=st.data(), minutes_from_end=st.integers(-120, 120))
    def check_in(self, data, minutes_from_end):
        from fleet.booking import handover

        booking_id = data.draw(st.sampled_from([b for b, r in sorted(self.model.items()) if r.status == "checked_out"]))
        row = self.model[booking_id]
        now = max(row.start + timedelta(minutes=5), row.end + timedelta(minutes=minutes_from_end))
        _, ok = self._call(handover.check_in, self.coordinator, booking_id, now)
        assert ok
        row.status = "completed"
        if now < row.end:  # an early return frees the rest of the slot
            row.end = max(now, row.start + timedelta(minutes=1))

    # --- invariants ------------------------------------------------------------------------------------------------

    @invariant()
    def no_overlap_in_utc(self):
        assert overlapping_pairs(self.session) == 0

    @invariant()
    def database_equals_model(self):
        self.session.expire_all()
        stored = {b.id: Row(b.asset_id, b.member_id, b.start_at, b.end_at, b.status.value)
                  for b in self.session.scalars(select(Booking))}
        self.session.rollback()  # end the read (on SQLite every transaction holds the write lock)
        assert stored == self.model


def test_bookings_stay_consistent_around_dst(session, make):
    BookingMachine.session, BookingMachine.make = session, make
    run_state_machine_as_test(BookingMachine, settings=settings(
        max_examples=25, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))


def test_the_model_sees_dst():
    """The draws do hit the cases that matter: a refused gap time and a fold where wall-clock arithmetic and
    UTC disagree."""
    with pytest.raises(DomainError):
        parse_local("2026-03-29T02:30", "Europe/Amsterdam")
    with pytest.raises(DomainError):
        parse_local("2026-10-04T02:15", "Australia/Sydney")
    start = parse_local("2026-11-01T00:30", "America/New_York")
    end = parse_local("2026-11-01T02:30", "America/New_York")
    assert end - start == timedelta(hours=3)  # two hours on the wall, three in UTC
