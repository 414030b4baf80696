"""What a booking costs the member: the price it showed when made, the charge posted to their ledger at
check-in (or the no-show fee), and coordinators' adjustments of a charge.

A booking keeps the tariff terms it was priced with (`BookingPrice`): its charge uses them, so a tariff changed
after the booking was confirmed never changes what it costs. A booking made before any tariff existed is charged
under the tariff that applies at check-in. A booking has at most one charge (a unique column, so two check-ins
racing post one); a correction is an adjustment entry, the charge itself is never changed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleet.catalogue.tariffs import terms_for
from fleet.core import signals
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.money import MAX_MINOR
from fleet.core.pricing import Price, TariffTerms, charge, estimate, no_show_fee
from fleet.core.text import multi_line
from fleet.members.permissions import require_coordinator
from fleet.models import Booking, LedgerEntry, LedgerKind, Member
from fleet.models.tariffs import BookingPrice

REASON_MAX = 500


def _meter_unit(booking: Booking) -> str | None:
    unit = booking.asset.meter_unit
    return unit.value if unit is not None else None


def quote_booking(session: Session, booking: Booking, now: datetime) -> BookingPrice | None:
    """Keep the price a newly inserted booking shows now, and the terms it was computed from; None when it is free."""
    terms = terms_for(session, booking.asset)
    if terms is None:
        return None
    price = estimate(terms, booking.start_at, booking.end_at, _meter_unit(booking))
    # Only a booking just inserted is quoted (the price it showed never changes), so there is no quote to read.
    quote = BookingPrice(booking_id=booking.id, amount_minor=price.amount_minor, currency=price.currency,
                         computation=price.computation, terms=terms.as_dict(), quoted_at=now)
    session.add(quote)
    session.flush()
    return quote


def booking_price(session: Session, booking: Booking) -> BookingPrice | None:
    return session.get(BookingPrice, booking.id)


def booking_terms(session: Session, booking: Booking) -> TariffTerms | None:
    """The terms the booking is charged under: the ones it showed, else today's tariff."""
    quote = session.get(BookingPrice, booking.id)
    return quote.tariff_terms() if quote is not None else terms_for(session, booking.asset)


def booking_charge(session: Session, booking: Booking) -> LedgerEntry | None:
    return session.scalar(select(LedgerEntry).where(LedgerEntry.charged_booking_id == booking.id))


def _post(session: Session, booking: Booking, price: Price, now: datetime) -> LedgerEntry | None:
    if price.amount_minor <= 0 or booking_charge(session, booking) is not None:
        return None
    entry = LedgerEntry(member_id=booking.member_id, kind=LedgerKind.charge, amount_minor=price.amount_minor,
                        currency=price.currency, entry_date=now.date(), category_id=booking.asset.category_id,
                        booking_id=booking.id, charged_booking_id=booking.id, computation=price.computation[:500],
                        note="", created_at=now, pool_id=booking.asset.category.pool_id)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Another check-in of the same booking posted its charge first: one charge per booking.
        return None
    signals.charge_posted.send(session, booking=booking, amount_minor=entry.amount_minor,
                               currency=entry.currency, now=now)
    return entry


def post_check_in_charge(session: Session, booking: Booking, booked_end: datetime, returned_at: datetime,
                         use: float | None, now: datetime) -> LedgerEntry | None:
    """The charge of a returned booking: its booked time [start, booked_end), the metered use, and the late
    fee when it came back late. None when the booking is free or was charged already."""
    terms = booking_terms(session, booking)
    if terms is None:
        return None
    price = charge(terms, booking.start_at, booked_end, returned_at, _meter_unit(booking), use)
    return _post(session, booking, price, now)


def post_no_show_fee(session: Session, booking: Booking, now: datetime) -> LedgerEntry | None:
    terms = booking_terms(session, booking)
    if terms is None or not terms.no_show_fee_minor:
        return None
    return _post(session, booking, no_show_fee(terms), now)


def get_charge(session: Session, actor: Member, entry_id: int) -> LedgerEntry:
    """A charge its member or a coordinator may see; others get 404."""
    entry = session.get(LedgerEntry, entry_id) if isinstance(entry_id, int) and 0 < entry_id <= MAX_MINOR else None
    if entry is None or entry.kind != LedgerKind.charge or \
            not (actor.coordinates_pool(entry.pool_id) or entry.member_id == actor.id):
        raise NotFound("No such charge.")
    return entry


def coordinated_charge(session: Session, actor: Member, entry_id: int) -> LedgerEntry:
    """A charge of a pool `actor` coordinates; any other is answered as a missing one (their own included: a
    member does not adjust their own charge)."""
    require_coordinator(actor)
    entry = get_charge(session, actor, entry_id)
    if not actor.coordinates_pool(entry.pool_id):
        raise NotFound("No such charge.")
    return entry


def adjustments_of(session: Session, entry: LedgerEntry) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.adjusts_id == entry.id)
                                .order_by(LedgerEntry.id)))


def adjust_charge(session: Session, actor: Member, entry_id: int, amount_minor: int, reason: str,
                  now: datetime) -> LedgerEntry:
    """Correct a charge by a signed amount (negative: the member pays less), with the reason. The charge stays
    as it was; the adjustment is a new entry. A charge cannot be adjusted below zero."""
    entry = coordinated_charge(session, actor, entry_id)
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor == 0 \
            or abs(amount_minor) > MAX_MINOR:
        raise ValidationFailed("An adjustment is a whole number of minor units, not zero (negative lowers the "
                               "charge).", field="amount")
    reason = multi_line(reason, "reason")
    if not reason:
        raise ValidationFailed("Give the reason for the adjustment.", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed("The reason is at most %(max)s characters.", field="reason", max=REASON_MAX)
    so_far = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                            .where(LedgerEntry.adjusts_id == entry.id)) or 0
    if entry.amount_minor + int(so_far) + amount_minor < 0:
        raise Conflict("The adjustment would take the charge below zero.", field="amount")
    adjustment = LedgerEntry(member_id=entry.member_id, kind=LedgerKind.adjustment, amount_minor=amount_minor,
                             currency=entry.currency, entry_date=now.date(), category_id=entry.category_id,
                             booking_id=entry.booking_id, adjusts_id=entry.id, note=reason,
                             recorded_by_id=actor.id, created_at=now, pool_id=entry.pool_id)
    session.add(adjustment)
    session.flush()
    return adjustment
