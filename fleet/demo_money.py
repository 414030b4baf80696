"""The demo community's money: a tariff for every category (and one asset of its own), the price each booking
showed, the charges of the bookings already returned and the no-show fees, a few payments and one adjustment, so
that the first `make run` shows prices, ledgers and an open book with income.

Amounts are what a neighbourhood co-op in Utrecht might ask: enough to cover upkeep, far below renting."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.catalogue.tariffs import TariffBook, set_tariff
from fleet.core import signals
from fleet.core.pricing import charge, estimate, no_show_fee
from fleet.models import (
    Asset, Booking, BookingPrice, BookingStatus, Category, LedgerEntry, LedgerKind, Member, Role,
)

# category name -> tariff terms (minor units of EUR)
DEMO_TARIFFS = {
    "Power tools": {"per_hour_minor": 50, "per_day_minor": 300, "minimum_minor": 100, "deposit_minor": 2000},
    "Garden tools": {"per_hour_minor": 80, "per_day_minor": 500, "minimum_minor": 150, "deposit_minor": 3000,
                     "no_show_fee_minor": 200},
    "Workshop equipment": {"per_hour_minor": 200, "minimum_minor": 200},
    "Farm machinery": {"per_day_minor": 2500, "per_engine_hour_minor": 1200, "deposit_minor": 20000,
                       "late_fee_per_hour_minor": 1000, "late_grace_minutes": 30, "no_show_fee_minor": 1500},
    "Trailers": {"per_hour_minor": 150, "per_day_minor": 1000, "late_fee_per_hour_minor": 500,
                 "late_grace_minutes": 30, "no_show_fee_minor": 500},
    "Cars": {"per_hour_minor": 250, "per_day_minor": 2500, "per_km_minor": 18, "minimum_minor": 500,
             "deposit_minor": 10000, "late_fee_per_hour_minor": 1000, "late_grace_minutes": 15,
             "no_show_fee_minor": 1000},
    "Cargo bikes": {"per_hour_minor": 100, "per_day_minor": 800, "late_fee_per_hour_minor": 300,
                    "late_grace_minutes": 15, "no_show_fee_minor": 300},
    "Bicycles": {"per_hour_minor": 50, "per_day_minor": 400},
}
# the dearest car has a tariff of its own (an asset's tariff overrides its category's)
OWN_TARIFF = {"per_hour_minor": 350, "per_day_minor": 3500, "per_km_minor": 22, "minimum_minor": 700,
              "deposit_minor": 15000, "late_fee_per_hour_minor": 1200, "late_grace_minutes": 15,
              "no_show_fee_minor": 1200}
PRICED = (BookingStatus.pending, BookingStatus.confirmed, BookingStatus.checked_out, BookingStatus.completed,
          BookingStatus.no_show)


def load_demo_money(session: Session, now: datetime) -> int:
    """Tariffs, booking prices, charges, no-show fees, payments and one adjustment; returns the charges posted."""
    coordinator = session.scalar(select(Member).where(Member.role == Role.coordinator).order_by(Member.id))
    set_at = now - timedelta(days=400)  # before the demo's first booking
    for category in session.scalars(select(Category).order_by(Category.id)):
        terms = DEMO_TARIFFS.get(category.name)
        if terms is not None:
            set_tariff(session, coordinator, {"currency": "EUR", **terms}, set_at, category_id=category.id)
    car = session.scalar(select(Asset).join(Category).where(Category.name == "Cars")
                         .order_by(Asset.purchase_cost_minor.desc(), Asset.id))
    if car is not None:
        set_tariff(session, coordinator, {"currency": "EUR", **OWN_TARIFF}, set_at, asset_id=car.id)
    bookings = list(session.scalars(select(Booking).where(Booking.status.in_(PRICED))
                                    .options(joinedload(Booking.asset).joinedload(Asset.category))
                                    .order_by(Booking.start_at, Booking.id)))
    # The same figures as the booking write path and check-in would give (fleet.booking.charges), added in one
    # flush: the demo has a couple of thousand bookings.
    book, charges = TariffBook(session), []
    for booking in bookings:
        terms = book.terms(booking.asset)
        if terms is None:
            continue
        unit = booking.asset.meter_unit.value if booking.asset.meter_unit else None
        shown = estimate(terms, booking.start_at, booking.end_at, unit)
        session.add(BookingPrice(booking_id=booking.id, amount_minor=shown.amount_minor, currency=shown.currency,
                                 computation=shown.computation, terms=terms.as_dict(), quoted_at=booking.created_at))
        if booking.status == BookingStatus.completed:
            price, at = charge(terms, booking.start_at, booking.end_at, booking.end_at, unit), booking.end_at
        elif booking.status == BookingStatus.no_show:
            grace = timedelta(minutes=booking.asset.category.no_show_grace_minutes or 0)
            price, at = no_show_fee(terms), booking.start_at + grace
        else:
            continue
        if price.amount_minor > 0:
            entry = LedgerEntry(member_id=booking.member_id, kind=LedgerKind.charge, amount_minor=price.amount_minor,
                                currency=price.currency, entry_date=at.date(), category_id=booking.asset.category_id,
                                booking_id=booking.id, charged_booking_id=booking.id,
                                computation=price.computation, note="", created_at=at,
                                pool_id=booking.asset.category.pool_id)
            session.add(entry)
            charges.append((booking, entry))
    session.flush()
    for booking, entry in charges:
        signals.charge_posted.send(session, booking=booking, amount_minor=entry.amount_minor,
                                   currency=entry.currency, now=entry.created_at)
    _payments_and_an_adjustment(session, coordinator, now)
    return len(charges)


def _payments_and_an_adjustment(session: Session, coordinator: Member, now: datetime) -> None:
    """Most members paid what they owed up to the start of this month; one charge was lowered with a reason."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    owed: dict[tuple[int, str, int], int] = {}
    for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.charge,
                                                           LedgerEntry.entry_date < month_start.date())
                                 .order_by(LedgerEntry.id)):
        key = (entry.member_id, entry.currency, entry.pool_id)
        owed[key] = owed.get(key, 0) + entry.amount_minor
    for index, ((member_id, currency, pool_id), amount) in enumerate(sorted(owed.items())):
        if index % 5 == 4 or amount <= 0:
            continue  # a few members have not paid yet
        session.add(LedgerEntry(member_id=member_id, kind=LedgerKind.payment, amount_minor=amount,
                                currency=currency, entry_date=month_start.date(), note="Bank transfer",
                                recorded_by_id=coordinator.id, created_at=month_start, pool_id=pool_id))
    late = session.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.charge,
                                                    LedgerEntry.amount_minor >= 1000).order_by(LedgerEntry.id))
    if late is not None:
        session.add(LedgerEntry(member_id=late.member_id, kind=LedgerKind.adjustment, amount_minor=-500,
                                currency=late.currency, entry_date=late.entry_date, category_id=late.category_id,
                                booking_id=late.booking_id, adjusts_id=late.id,
                                note="The car was not charged when picked up; half an hour lost.",
                                recorded_by_id=coordinator.id, created_at=late.created_at, pool_id=late.pool_id))
    session.flush()
