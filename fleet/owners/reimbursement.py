"""The owner's share of each charge on their item, credited in the open book.

Listens to `charge_posted` (sent by the charging code at check-in, or for a no-show or late fee) and, in the
same transaction, posts an `owner_reimbursement` ledger entry to the owner: the charge times the item's
share, rounded down to a minor unit. One charge is credited once, whatever the signal is sent again: the
charge (booking, instant, amount) is a unique key of `owner_reimbursement`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.core import signals
from fleet.members.notifications import notify
from fleet.models import Booking, LedgerEntry, LedgerKind, OwnedItem, OwnerReimbursement


def owner_share_minor(amount_minor: int, percent: int) -> int:
    """Integer minor units, rounded down: the pool never pays out more than the charge's share."""
    return (amount_minor * percent) // 100


def credit_owner(session: Session, booking: Booking, amount_minor: int, currency: str,
                 now: datetime) -> LedgerEntry | None:
    """Post the owner's share of one charge; None when the item is the pool's own, the borrower is the owner,
    the share is nothing, or this charge was already credited."""
    item = session.scalar(select(OwnedItem).where(OwnedItem.asset_id == booking.asset_id))
    if item is None or booking.member_id == item.owner_id or amount_minor <= 0:
        return None
    already = session.scalar(select(OwnerReimbursement.id).where(
        OwnerReimbursement.booking_id == booking.id, OwnerReimbursement.charged_at == now,
        OwnerReimbursement.charge_minor == amount_minor))
    if already is not None:
        return None
    share = owner_share_minor(amount_minor, item.owner_share_percent)
    record = OwnerReimbursement(owned_item_id=item.id, booking_id=booking.id, charge_minor=amount_minor,
                                charged_at=now)
    entry = None
    if share > 0:
        entry = LedgerEntry(member_id=item.owner_id, kind=LedgerKind.owner_reimbursement, amount_minor=share,
                            currency=currency, entry_date=now.date(), category_id=booking.asset.category_id,
                            booking_id=booking.id, note=f"{item.owner_share_percent} %", created_at=now,
                            pool_id=booking.asset.category.pool_id)
        session.add(entry)
        session.flush()
        record.ledger_entry_id = entry.id
        notify(session, item.owner_id, "owner_reimbursed",
               "Your share of a charge for %(asset)s was credited to your ledger.", now, booking.id,
               asset=booking.asset.name)
    session.add(record)
    session.flush()
    return entry


def reimbursed_total(session: Session, start: datetime | None = None, end: datetime | None = None) -> dict[str, int]:
    """Minor units credited to owners per currency (no names), entries dated in [start, end) when given."""
    stmt = select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor)).where(
        LedgerEntry.kind == LedgerKind.owner_reimbursement).group_by(LedgerEntry.currency)
    if start is not None:
        stmt = stmt.where(LedgerEntry.entry_date >= start.date())
    if end is not None:
        stmt = stmt.where(LedgerEntry.entry_date < end.date())
    return {currency: int(total) for currency, total in session.execute(stmt)}


def _on_charge_posted(session: Session, *, booking: Booking, amount_minor: int, currency: str, now: datetime,
                      **_) -> None:
    credit_owner(session, booking, amount_minor, currency, now)


signals.charge_posted.connect(_on_charge_posted, weak=False)
