"""Recurring bookings: wall-clock occurrences in the hub's zone across DST, each booked on its own, the ones
that could not be booked listed with why, cancelling a whole series or one occurrence."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset, cancel_booking
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.models import BookingStatus, Notification
from fleet.booking.recurring import cancel_series, create_series, get_series, series_bookings

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 10, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def bike(make):
    hub = make.hub(name="Garage", timezone="Europe/Amsterdam", opening_hours="24/7")
    bikes = make.category(name="Cargo bikes", max_advance_days=365, capability_schema={})
    return make.asset(bikes, hub, name="Long john", capabilities={})


def test_weekly_series_across_the_end_of_summer_time_stays_at_nine_local(session, make, bike):
    member = make.member()
    # Saturdays 16, 23, 30 October 2027 are summer time; the clocks go back on Sunday 31 October.
    result = create_series(session, member, bike.id, date(2027, 10, 16), time(9, 0), time(12, 0), 4, NOW)
    assert result.skipped == [] and len(result.booked) == 4
    local = [b.start_at.astimezone(AMS) for b in result.booked]
    assert [(d.date(), d.hour, d.minute) for d in local] == [
        (date(2027, 10, 16), 9, 0), (date(2027, 10, 23), 9, 0), (date(2027, 10, 30), 9, 0), (date(2027, 11, 6), 9, 0)]
    utc_hours = [b.start_at.astimezone(timezone.utc).hour for b in result.booked]
    assert utc_hours == [7, 7, 7, 8]  # UTC moves by an hour, local time does not
    assert all(b.end_at.astimezone(AMS).hour == 12 for b in result.booked)
    assert all(b.series_id == result.series.id for b in result.booked)
    notes = session.scalars(select(Notification).where(Notification.member_id == member.id)).all()
    assert len(notes) == 1 and "4 of 4" in notes[0].text  # one summary, not one per occurrence


def test_occurrences_that_cannot_be_booked_are_listed_with_why(session, make, bike):
    member, other = make.member(), make.member()
    taken = datetime(2027, 10, 23, 9, 0, tzinfo=AMS)
    book_asset(session, other, bike.id, taken, taken + timedelta(hours=3), NOW)
    result = create_series(session, member, bike.id, date(2027, 10, 16), time(9, 0), time(12, 0), 3, NOW)
    assert len(result.booked) == 2
    assert [s["label"] for s in result.skipped] == ["Sat 23 Oct 2027 09:00-12:00"]
    assert "already booked" in result.skipped[0]["reason"]
    # the reason is kept as a template with its values too, to be shown in the reader's language
    assert result.skipped[0]["reason_template"] == "%(asset)s is already booked during that time."
    assert result.skipped[0]["reason_params"] == {"asset": bike.name}
    assert result.series.skipped == result.skipped


def test_an_occurrence_in_the_skipped_hour_is_refused_not_shifted(session, make, bike):
    # Daily 02:30-04:00 around the start of summer time (Sunday 26 March 2028 has no 02:30).
    member = make.member()
    now = datetime(2028, 3, 1, tzinfo=timezone.utc)
    result = create_series(session, member, bike.id, date(2028, 3, 25), time(2, 30), time(4, 0), 3, now,
                           interval_days=1)
    assert [s["label"][:15] for s in result.skipped] == ["Sun 26 Mar 2028"]
    assert "does not exist" in result.skipped[0]["reason"]
    assert len(result.booked) == 2


def test_nothing_bookable_is_a_conflict_and_writes_nothing(session, make, bike):
    member = make.member()
    with pytest.raises(Conflict, match="None of the 2"):
        create_series(session, member, bike.id, date(2020, 1, 4), time(9, 0), time(12, 0), 2, NOW)
    with pytest.raises(ValidationFailed):
        create_series(session, member, bike.id, date(2027, 10, 16), time(9, 0), time(12, 0), 0, NOW)


def test_cancel_one_occurrence_or_the_rest_of_the_series(session, make, bike):
    member, stranger = make.member(), make.member()
    result = create_series(session, member, bike.id, date(2027, 10, 16), time(9, 0), time(12, 0), 4, NOW)
    first, second, *_ = result.booked
    cancel_booking(session, member, second.id, NOW)
    assert second.status == BookingStatus.cancelled and first.status == BookingStatus.confirmed
    with pytest.raises(NotFound):
        cancel_series(session, stranger, result.series.id, NOW)
    later = datetime(2027, 10, 17, tzinfo=timezone.utc)  # the first occurrence is past by then
    cancelled = cancel_series(session, member, result.series.id, later)
    assert len(cancelled) == 2
    statuses = [b.status for b in series_bookings(session, result.series.id)]
    assert statuses == [BookingStatus.confirmed, BookingStatus.cancelled, BookingStatus.cancelled,
                        BookingStatus.cancelled]
    assert get_series(session, member, result.series.id).cancelled_at == later
    with pytest.raises(Conflict):
        cancel_series(session, member, result.series.id, later)
