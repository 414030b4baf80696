"""The demo shows prices and an open book from the first start: tariffs for every category, prices kept by the
bookings, charges of the returned ones with their computation, and income on the open-book summary."""
from __future__ import annotations

from sqlalchemy import func, select

from fleet.demo import load_demo
from fleet.models import Booking, BookingPrice, BookingStatus, Category, LedgerEntry, LedgerKind, Tariff
from fleet.reporting.costs import cost_summary, default_period
from tests.fleet.test_demo import NOW, fresh_session


def test_demo_has_tariffs_prices_and_charges():
    session = fresh_session()
    load_demo(session, NOW)
    session.commit()
    categories = set(session.scalars(select(Category.id)))
    assert categories <= set(session.scalars(select(Tariff.category_id)))
    assert session.scalar(select(func.count(Tariff.id)).where(Tariff.asset_id.is_not(None))) == 1
    upcoming = session.scalars(select(Booking.id).where(Booking.status == BookingStatus.confirmed)).all()
    priced = set(session.scalars(select(BookingPrice.booking_id)))
    assert upcoming and set(upcoming) <= priced
    completed = session.scalar(select(func.count(Booking.id)).where(Booking.status == BookingStatus.completed))
    charges = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.charge)).all()
    assert len(charges) >= completed and all(" = " in c.computation and c.computation.endswith(" EUR")
                                              for c in charges)
    assert all(c.entry_date <= NOW.date() for c in charges)
    summary = cost_summary(session, default_period(NOW))
    assert summary.fees_charged.amounts["EUR"] > 0
    session.close()
