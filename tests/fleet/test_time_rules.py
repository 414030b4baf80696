"""Wall-clock input across DST, RFC 3339 input, opening hours, the UTC column type."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.core.localtime import parse_local, parse_rfc3339
from fleet.core.opening_hours import parse_opening_hours

UTC = timezone.utc


def test_local_time_becomes_utc():
    assert parse_local("2026-07-01T10:00", "Europe/Amsterdam") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_local("2026-12-01 10:00", "Europe/Amsterdam") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_dst_gap_is_refused():
    with pytest.raises(ValidationFailed, match="does not exist"):
        parse_local("2027-03-28T02:30", "Europe/Amsterdam")


def test_dst_fold_resolves_to_the_first_occurrence():
    # 02:30 happens twice on 2026-10-25 in Amsterdam: first at 00:30 UTC (CEST), then 01:30 UTC (CET)
    assert parse_local("2026-10-25T02:30", "Europe/Amsterdam") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "soon", "2026-13-01T10:00", "2026-02-30T10:00", "10:00"])
def test_malformed_local_times(text):
    with pytest.raises(ValidationFailed):
        parse_local(text, "Europe/Amsterdam")


def test_unknown_zone():
    with pytest.raises(ValidationFailed, match="Unknown time zone"):
        parse_local("2026-07-01T10:00", "Mars/Olympus")


def test_rfc3339_needs_an_offset():
    assert parse_rfc3339("2026-12-01T10:00:00+01:00") == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert parse_rfc3339("2026-12-01T10:00:00Z") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    with pytest.raises(ValidationFailed, match="no UTC offset"):
        parse_rfc3339("2026-12-01T10:00:00")
    with pytest.raises(ValidationFailed, match="not an RFC 3339"):
        parse_rfc3339("1 December")


def test_opening_hours_grammar():
    hours = parse_opening_hours("Mon-Fri 08:00-18:00; Sat 09:00-13:00, 14:00-17:00")
    tz = "Europe/Amsterdam"
    monday_9 = parse_local("2026-11-30T09:00", tz)
    assert hours.is_open_at(monday_9, tz)
    assert hours.is_open_at(parse_local("2026-11-30T18:00", tz), tz)  # return at closing time is fine
    assert not hours.is_open_at(parse_local("2026-11-30T18:01", tz), tz)
    assert not hours.is_open_at(parse_local("2026-12-05T13:30", tz), tz)  # Saturday lunch break
    assert hours.is_open_at(parse_local("2026-12-05T14:00", tz), tz)
    assert not hours.is_open_at(parse_local("2026-12-06T10:00", tz), tz)  # Sunday closed


def test_opening_hours_follow_the_hubs_zone_across_dst():
    hours = parse_opening_hours("Mon-Sun 08:00-18:00")
    tz = "Europe/Amsterdam"
    # 07:30 UTC is 08:30 in winter (open) and 09:30 in summer (open); 06:30 UTC is 07:30 winter (closed), 08:30 summer (open)
    assert not hours.is_open_at(datetime(2026, 12, 1, 6, 30, tzinfo=UTC), tz)
    assert hours.is_open_at(datetime(2026, 7, 1, 6, 30, tzinfo=UTC), tz)


def test_until_midnight_and_around_the_clock():
    tz = "Europe/Amsterdam"
    late = parse_opening_hours("Fri 18:00-24:00")
    assert late.is_open_at(parse_local("2026-12-05T00:00", tz), tz)  # Friday's 24:00 is Saturday 00:00
    assert parse_opening_hours("24/7").is_open_at(parse_local("2026-12-05T03:00", tz), tz)


@pytest.mark.parametrize("text", ["", "Mon 18:00-08:00", "Funday 08:00-10:00", "Mon 8-10", "Mon 25:00-26:00",
                                  "08:00-18:00"])
def test_bad_opening_hours(text):
    with pytest.raises(ValidationFailed):
        parse_opening_hours(text)


def test_utc_type_orders_instants_from_different_offsets_correctly():
    """SQLite compares the stored text: storing offsets would put 10:00+02:00 after 09:00+00:00."""
    from datetime import timedelta

    from fleet.models import MaintenanceWindow, metadata
    from tests.helpers import Maker

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as s:
        make = Maker(s)
        asset = make.asset()
        plus2 = timezone(timedelta(hours=2))
        s.add(MaintenanceWindow(asset_id=asset.id, start_at=datetime(2026, 7, 1, 10, tzinfo=plus2),
                                end_at=datetime(2026, 7, 1, 11, tzinfo=plus2), reason="A (08:00Z)"))
        s.add(MaintenanceWindow(asset_id=asset.id, start_at=datetime(2026, 7, 1, 9, tzinfo=UTC),
                                end_at=datetime(2026, 7, 1, 10, tzinfo=UTC), reason="B (09:00Z)"))
        s.commit()
        rows = s.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.start_at)).all()
        assert [r.reason for r in rows] == ["A (08:00Z)", "B (09:00Z)"]
        assert rows[0].start_at == datetime(2026, 7, 1, 8, tzinfo=UTC) and rows[0].start_at.tzinfo is not None
        with pytest.raises(Exception, match="naive"):
            s.add(MaintenanceWindow(asset_id=asset.id, start_at=datetime(2026, 7, 1, 9),
                                    end_at=datetime(2026, 7, 1, 10)))
            s.flush()


def test_open_intervals_in_utc_across_dst_and_midnight():
    from fleet.core.opening_hours import open_intervals

    hours = parse_opening_hours("Sat 09:00-24:00; Sun 00:00-02:00, 10:00-12:00")
    # the weekend the clocks go back in Amsterdam: Sat 24 Oct 2026 is CEST (+2), Sun 25 Oct from 03:00 CET (+1)
    got = open_intervals(hours, "Europe/Amsterdam", datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC))
    assert got == [
        # Sat 09:00 CEST to Sun 02:00, which happens twice that night: its first occurrence (CEST), as in parse_local
        (datetime(2026, 10, 24, 7, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),
    ]
    assert open_intervals(parse_opening_hours("24/7"), "UTC", datetime(2026, 1, 1, tzinfo=UTC),
                          datetime(2026, 1, 2, tzinfo=UTC)) is None
