"""A member's monthly statement: the balance at the start of the month, every ledger entry of the month (charges
with their computation, adjustments with their reason, fees, payments) and the balance at its end, per currency.
Only the member and the coordinators see it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.pricing import figure
from fleet.members.pools import coordinated_pool_ids
from fleet.models import LedgerEntry, Member

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None, today: date) -> date:
    """'2026-11' -> the first day of that month; empty: the current month."""
    text = (text or "").strip()
    if not text:
        return today.replace(day=1)
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 9999:
        raise ValidationFailed("A month is written YYYY-MM, e.g. 2026-11.", field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass
class Statement:
    member: Member
    month: date
    opening: dict[str, int]
    entries: list[LedgerEntry]
    closing: dict[str, int]

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    def currencies(self) -> list[str]:
        return sorted(set(self.opening) | set(self.closing))


def statement_member(session: Session, actor: Member, member_id: int | None) -> Member:
    """The member whose statement the actor may read: their own, or anyone's for a coordinator."""
    if member_id is None or member_id == actor.id:
        return actor
    member = session.get(Member, member_id) if isinstance(member_id, int) and 0 < member_id < 2**31 else None
    if member is None or not (actor.is_admin or coordinated_pool_ids(session, actor)
                              & {m.pool_id for m in member.pool_memberships}):
        raise NotFound("No such member.")
    return member


def monthly_statement(session: Session, member: Member, month: date) -> Statement:
    end = next_month(month)
    opening: dict[str, int] = {}
    for currency, kind, amount in session.execute(
            select(LedgerEntry.currency, LedgerEntry.kind, LedgerEntry.amount_minor)
            .where(LedgerEntry.member_id == member.id, LedgerEntry.entry_date < month)):
        opening[currency] = opening.get(currency, 0) + (-amount if kind.value == "payment" else amount)
    entries = list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == member.id, LedgerEntry.entry_date >= month,
                                  LedgerEntry.entry_date < end)
        .options(joinedload(LedgerEntry.category)).order_by(LedgerEntry.entry_date, LedgerEntry.id)))
    closing = dict(opening)
    for e in entries:
        closing[e.currency] = closing.get(e.currency, 0) + e.signed_minor
    return Statement(member, month, opening, entries, closing)


def statement_rows(statement: Statement) -> list[list[str]]:
    """The statement as CSV rows: a header, the opening balances, the entries, the closing balances. Amounts
    are decimal figures of the currency (payments negative: the balance is what the member owes)."""
    rows = [["date", "kind", "booking", "category", "description", "amount", "currency"]]
    first = statement.month.isoformat()
    for currency in statement.currencies():
        rows.append([first, "opening_balance", "", "", "", figure(statement.opening.get(currency, 0)), currency])
    for e in statement.entries:
        description = " ".join(part for part in (e.computation, e.note) if part)
        rows.append([e.entry_date.isoformat(), e.kind.value, str(e.booking_id or ""),
                     e.category.name if e.category else "", description, figure(e.signed_minor), e.currency])
    last = next_month(statement.month).isoformat()
    for currency in statement.currencies():
        rows.append([last, "closing_balance", "", "", "", figure(statement.closing.get(currency, 0)), currency])
    return rows
