"""The owner's weekly windows are wall-clock time in the item's zone, across daylight saving changes; the
owner's own use and exceptions carve time out of them (pure functions, no database)."""
from __future__ import annotations

from datetime import datetime, timezone

from fleet.booking.owned_items import available_intervals, is_available, unavailable_intervals
from fleet.models import AvailabilityException, AvailabilityWindow, ExceptionKind, OwnedItem


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def item(windows, exceptions=()) -> OwnedItem:
    owned = OwnedItem(timezone="Europe/Amsterdam")
    owned.windows = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows]
    owned.exceptions = [AvailabilityException(kind=k, start_at=s, end_at=e) for k, s, e in exceptions]
    return owned


def test_saturday_mornings_stay_at_nine_local_across_the_spring_change():
    saturdays = item([(5, 9 * 60, 12 * 60)])
    # 2027-03-20 is a Saturday in winter time (UTC+1), 2027-04-03 one in summer time (UTC+2)
    assert available_intervals(saturdays, utc(2027, 3, 20), utc(2027, 3, 21)) == [(utc(2027, 3, 20, 8),
                                                                                   utc(2027, 3, 20, 11))]
    assert available_intervals(saturdays, utc(2027, 4, 3), utc(2027, 4, 4)) == [(utc(2027, 4, 3, 7),
                                                                                 utc(2027, 4, 3, 10))]


def test_a_window_to_midnight_joins_the_next_days_window():
    evenings = item([(4, 18 * 60, 1440), (5, 0, 10 * 60)])  # Friday 18:00 to Saturday 10:00
    assert is_available(evenings, utc(2027, 1, 15, 20), utc(2027, 1, 16, 8))


def test_own_use_and_exceptions_carve_out_and_are_named():
    owned = item([(d, 8 * 60, 20 * 60) for d in range(7)], [
        (ExceptionKind.owner_use, utc(2027, 1, 12, 10), utc(2027, 1, 12, 12)),
        (ExceptionKind.available, utc(2027, 1, 12, 19), utc(2027, 1, 12, 22)),  # joins the window
    ])
    free = available_intervals(owned, utc(2027, 1, 12), utc(2027, 1, 13))
    assert free == [(utc(2027, 1, 12, 7), utc(2027, 1, 12, 10)), (utc(2027, 1, 12, 12), utc(2027, 1, 12, 22))]
    words = [(s.hour, e.hour, str(w)) for s, e, w in unavailable_intervals(owned, utc(2027, 1, 12), utc(2027, 1, 13))]
    assert words == [(0, 7, "not offered by the owner"), (10, 12, "owner's own use"),
                     (22, 0, "not offered by the owner")]


def test_a_withdrawn_item_is_never_available():
    owned = item([(d, 0, 1440) for d in range(7)])
    owned.withdrawn_at = utc(2027, 1, 1)
    assert not is_available(owned, utc(2027, 1, 12, 10), utc(2027, 1, 12, 11))
