"""Open-book costs: cost records per asset, usage fees per category, members' ledgers and the public summary.

Money is an integer number of minor units (cents) with an ISO 4217 currency everywhere here: amounts are
parsed from text with Decimal, summed as integers, and every derived figure (depreciation, cost per hour of
use, the fee of a booking) is an integer division, rounded half up. No float ever holds money.

The public summary per category, for a period (default: the twelve months up to now):
- recorded costs: the cost records dated in the period (maintenance, repair, insurance, yearly, other);
- depreciation: each active asset's purchase cost spread evenly over its calendar life (the category's
  impact-factor row, else DEFAULT_LIFE_YEARS) from its purchase date, the part that falls in the period;
- hours of use: the time confirmed, checked-out and completed bookings held the category's assets in the
  period (`held hours` of the utilisation figures);
- cost per hour of use = (recorded costs + depreciation) / hours of use: the fee per hour that would have
  recovered the costs at this utilisation (the suggested fee);
- fees charged and payments received in the period, from the members' ledgers, summed over members;
- income from charges: the charges of bookings (posted at check-in and for no-shows) and their adjustments dated
  in the period, per category and per hub (the hub the booked asset is at now), against the full cost;
- per hub, the same cost, hours of use and cost per hour of use as per category.
It names no member. Amounts are grouped by currency; a pool normally has one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.money import MAX_MINOR, check_currency, check_minor, divide_round
from fleet.core.text import multi_line
from fleet.reporting.impact import category_choices, factor_table, rolling_year
from fleet.catalogue.tariffs import category_tariffs
from fleet.models import (
    Asset, AssetStatus, Booking, Category, CostKind, CostRecord, Hub, LedgerEntry, LedgerKind, Member, OwnedItem,
    Tariff,
)
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, pool_for_new_object
from fleet.members.accounts import normalise_email
from fleet.reporting.utilisation import Period, held_seconds_by_asset

DEFAULT_LIFE_YEARS = 10


def _note(text: str | None) -> str:
    text = multi_line(text, "note")
    if len(text) > 500:
        raise ValidationFailed("The note is at most 500 characters.", field="note")
    return text


def _check_date(value, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationFailed("Enter a date, YYYY-MM-DD.", field=field)
    if not 1900 <= value.year <= 9999:
        raise ValidationFailed("The date is out of range.", field=field)
    return value


# --- cost records -------------------------------------------------------------------------------------------------

def record_cost(session: Session, actor: Member, asset_id: int, kind: str, amount_minor: int, currency: str,
                incurred_on: date, note: str, now: datetime) -> CostRecord:
    require_coordinator(actor)
    asset = session.get(Asset, asset_id) if isinstance(asset_id, int) and 0 < asset_id <= MAX_MINOR else None
    if asset is None or not actor.coordinates_pool(asset.category.pool_id):
        raise ValidationFailed("No such asset.", field="asset_id")
    try:
        cost_kind = CostKind(kind)
    except ValueError:
        raise ValidationFailed("The kind is maintenance, repair, insurance, yearly or other.", field="kind") from None
    record = CostRecord(asset_id=asset.id, kind=cost_kind, amount_minor=check_minor(amount_minor),
                        currency=check_currency(currency), incurred_on=_check_date(incurred_on, "incurred_on"),
                        note=_note(note), recorded_by_id=actor.id, created_at=now)
    session.add(record)
    session.flush()
    return record


def list_cost_records(session: Session, actor: Member, asset_id: int | None = None,
                      limit: int = 200) -> list[CostRecord]:
    require_coordinator(actor)
    query = select(CostRecord).options(joinedload(CostRecord.asset)).order_by(CostRecord.incurred_on.desc(),
                                                                                CostRecord.id.desc())
    query = query.where(CostRecord.asset_id.in_(select(Asset.id).join(Asset.category).where(
        Category.pool_id.in_(coordinated_pool_ids(session, actor)))))
    if asset_id is not None:
        query = query.where(CostRecord.asset_id == asset_id)
    return list(session.scalars(query.limit(limit)))


# --- usage fees -----------------------------------------------------------------------------------------------

def set_category_fee(session: Session, actor: Member, category_id: int, per_hour_minor: int | None,
                     per_km_minor: int | None, currency: str, now: datetime) -> Tariff:
    """Set (or clear, with both None) the per-hour and per-km rates of a category's tariff; its other terms
    stay as they are."""
    require_coordinator(actor)
    category = session.get(Category, category_id)
    if category is None or not actor.coordinates_pool(category.pool_id):
        raise NotFound("No such category.")
    if per_hour_minor is not None:
        check_minor(per_hour_minor, "per_hour")
    if per_km_minor is not None:
        check_minor(per_km_minor, "per_km")
    currency = check_currency(currency)
    fee = session.scalar(select(Tariff).where(Tariff.category_id == category.id))
    if fee is None:
        fee = Tariff(category_id=category.id, late_grace_minutes=0)
        session.add(fee)
    fee.per_hour_minor, fee.per_km_minor, fee.currency = per_hour_minor, per_km_minor, currency
    fee.updated_by_id, fee.updated_at = actor.id, now
    session.flush()
    return fee


def category_fees(session: Session) -> dict[int, Tariff]:
    return category_tariffs(session)


def booking_fee_minor(fee: Tariff | None, booking: Booking) -> int | None:
    """The per-hour fee of a booking, rounded half up to a minor unit; None without a per-hour fee."""
    if fee is None or fee.per_hour_minor is None:
        return None
    seconds = int((booking.end_at - booking.start_at).total_seconds())
    return divide_round(fee.per_hour_minor * seconds, 3600)


# --- ledgers -----------------------------------------------------------------------------------------------------


def record_ledger_entry(session: Session, actor: Member, member_id: int, kind: str, amount_minor: int | None,
                        currency: str | None, entry_date: date, note: str, now: datetime,
                        booking_id: int | None = None, pool_id: int | None = None) -> LedgerEntry:
    """A fee or a payment in a member's ledger with pool `pool_id` (which `actor` coordinates; None: their only
    pool, or the booking's). A fee for a booking may leave the amount out: it is then the category's per-hour fee
    times the booking's length."""
    require_coordinator(actor)
    member = session.get(Member, member_id) if isinstance(member_id, int) and 0 < member_id <= MAX_MINOR else None
    mine = coordinated_pool_ids(session, actor)
    if member is None or not (actor.is_admin or mine & {m.pool_id for m in member.pool_memberships}):
        raise ValidationFailed("No such member.", field="member_id")
    if kind not in (LedgerKind.fee.value, LedgerKind.payment.value):
        raise ValidationFailed("The kind is fee or payment.", field="kind")
    ledger_kind = LedgerKind(kind)
    booking, category_id = None, None
    if booking_id is not None:
        booking = session.get(Booking, booking_id) if isinstance(booking_id, int) and 0 < booking_id <= MAX_MINOR else None
        if booking is None or booking.member_id != member.id or booking.asset.category.pool_id not in mine:
            raise ValidationFailed("No such booking of this member.", field="booking_id")
        category_id = booking.asset.category_id
        pool_id = booking.asset.category.pool_id
    if amount_minor is None:
        fee = category_fees(session).get(category_id) if booking is not None else None
        amount_minor = booking_fee_minor(fee, booking) if booking is not None and ledger_kind == LedgerKind.fee else None
        if amount_minor is None:
            raise ValidationFailed("Enter an amount (there is no per-hour fee to compute it from).", field="amount")
        currency = currency or fee.currency
    pool_id = pool_for_new_object(session, actor, pool_id)
    entry = LedgerEntry(pool_id=pool_id, member_id=member.id, kind=ledger_kind, amount_minor=check_minor(amount_minor, "amount",
                                                                                          allow_zero=False),
                        currency=check_currency(currency), entry_date=_check_date(entry_date, "entry_date"),
                        category_id=category_id, booking_id=booking.id if booking else None, note=_note(note),
                        recorded_by_id=actor.id, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def list_ledger_entries(session: Session, actor: Member, member_id: int | None = None,
                        limit: int = 200) -> list[LedgerEntry]:
    require_coordinator(actor)
    query = select(LedgerEntry).options(joinedload(LedgerEntry.member)).order_by(LedgerEntry.entry_date.desc(),
                                                                                 LedgerEntry.id.desc())
    query = query.where(LedgerEntry.pool_id.in_(coordinated_pool_ids(session, actor)))
    if member_id is not None:
        query = query.where(LedgerEntry.member_id == member_id)
    return list(session.scalars(query.limit(limit)))


@dataclass
class Ledger:
    entries: list[LedgerEntry]
    # currency -> minor units the member owes (fees, charges and adjustments minus payments; negative: in credit)
    balances: dict[str, int]


def member_ledger(session: Session, member: Member) -> Ledger:
    """A member's own ledger, newest first, and the balance per currency."""
    entries = list(session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member.id)
                                   .options(joinedload(LedgerEntry.category))
                                   .order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())))
    balances: dict[str, int] = defaultdict(int)
    for e in entries:
        balances[e.currency] += e.signed_minor
    return Ledger(entries, dict(balances))


# --- the public summary ----------------------------------------------------------------------------------------

@dataclass
class Money:
    """Minor units per currency."""

    amounts: dict[str, int] = field(default_factory=dict)

    def add(self, currency: str, minor: int) -> None:
        self.amounts[currency] = self.amounts.get(currency, 0) + minor

    def plus(self, other: "Money") -> "Money":
        out = Money(dict(self.amounts))
        for c, v in other.amounts.items():
            out.add(c, v)
        return out

    def as_list(self) -> list[dict]:
        return [{"currency": c, "amount_minor": v} for c, v in sorted(self.amounts.items())]


class CostOfUse:
    """What a row of the open book derives from its recorded costs, depreciation and time held (a category's row
    and a hub's row alike)."""

    recorded: Money
    depreciation: Money
    held_seconds: int

    @property
    def total(self) -> Money:
        return self.recorded.plus(self.depreciation)

    @property
    def hours_of_use(self) -> float:
        return self.held_seconds / 3600

    def cost_per_hour(self) -> Money | None:
        """Total cost over hours of use, per currency, in minor units (the suggested per-hour fee)."""
        if self.held_seconds <= 0:
            return None
        return Money({c: divide_round(v * 3600, self.held_seconds) for c, v in self.total.amounts.items()})


@dataclass
class CategoryCosts(CostOfUse):
    category_id: int
    name: str
    assets: int
    recorded: Money
    by_kind: dict[str, Money]
    depreciation: Money
    life_years: float
    held_seconds: int
    fee: Tariff | None
    income: Money = field(default_factory=Money)

    def as_dict(self) -> dict:
        per_hour = self.cost_per_hour()
        return {"category_id": self.category_id, "name": self.name, "assets": self.assets,
                "recorded_costs": self.recorded.as_list(),
                "recorded_by_kind": {k: m.as_list() for k, m in sorted(self.by_kind.items())},
                "depreciation": self.depreciation.as_list(), "life_years": self.life_years,
                "total_cost": self.total.as_list(), "hours_of_use": round(self.hours_of_use, 4),
                "cost_per_hour_of_use": None if per_hour is None else per_hour.as_list(),
                "fee": None if self.fee is None or self.fee.terms().is_free else self.fee.terms().as_dict(),
                "suggested_fee_per_hour": None if per_hour is None else per_hour.as_list(),
                "income_from_charges": self.income.as_list()}


MEMBERS_PLACES = "Members' own places"


@dataclass(eq=False)
class HubCosts(CostOfUse):
    """A hub's open book: the cost of the assets it holds now, their hours of use and the income from charges."""

    hub_id: int | None  # None: members' own places, together
    name: str
    assets: int = 0
    recorded: Money = field(default_factory=Money)
    depreciation: Money = field(default_factory=Money)
    held_seconds: int = 0
    income: Money = field(default_factory=Money)

    def as_dict(self) -> dict:
        per_hour = self.cost_per_hour()
        return {"hub_id": self.hub_id, "name": self.name, "assets": self.assets,
                "recorded_costs": self.recorded.as_list(), "depreciation": self.depreciation.as_list(),
                "total_cost": self.total.as_list(), "hours_of_use": round(self.hours_of_use, 4),
                "cost_per_hour_of_use": None if per_hour is None else per_hour.as_list(),
                "income_from_charges": self.income.as_list()}


@dataclass
class CostSummary:
    period: Period
    categories: list[CategoryCosts]
    fees_charged: Money
    payments_received: Money
    hubs: list[HubCosts] = field(default_factory=list)
    reimbursed_to_owners: Money = field(default_factory=Money)

    def income(self) -> Money:
        out = Money()
        for c in self.categories:
            out = out.plus(c.income)
        return out

    def total(self) -> Money:
        out = Money()
        for c in self.categories:
            out = out.plus(c.total)
        return out

    def as_dict(self) -> dict:
        return {"period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
                "categories": [c.as_dict() for c in self.categories],
                "hubs": [h.as_dict() for h in self.hubs],
                "pool": {"total_cost": self.total().as_list(),
                         "hours_of_use": round(sum(c.held_seconds for c in self.categories) / 3600, 4),
                         "fees_charged": self.fees_charged.as_list(),
                         "payments_received": self.payments_received.as_list(),
                         "income_from_charges": self.income().as_list(),
                         "reimbursed_to_owners": self.reimbursed_to_owners.as_list()},
                "definitions": {
                    "recorded_costs": "Cost records (maintenance, repair, insurance, yearly, other) dated in the period.",
                    "depreciation": "Purchase cost spread evenly over the calendar life from the purchase date; "
                                    "the part inside the period. Active assets only.",
                    "hours_of_use": "Time confirmed, checked-out and completed bookings held the assets in the period.",
                    "cost_per_hour_of_use": "(recorded costs + depreciation) / hours of use, rounded to a minor "
                                            "unit: the per-hour fee that would have recovered the costs.",
                    "reimbursed_to_owners": "The owners' shares of the charges on members' own items, credited "
                                            "to them in the period (a total, no names).",
                    "money": "Integer minor units (cents) with an ISO 4217 currency.",
                    "income_from_charges": "Charges of bookings (at check-in and for no-shows) and their "
                                           "adjustments dated in the period; per hub, by the hub the asset is at.",
                }}


def _life_years(session: Session) -> dict[int, float]:
    table, out = factor_table(), {}
    for cid, choice in category_choices(session).items():
        years = None
        if "calendar_life_years" in choice.overrides:
            years = choice.overrides["calendar_life_years"][1]
        elif choice.factor_key in table:
            years = table[choice.factor_key].calendar_life_years
        out[cid] = float(years) if years and years > 0 else float(DEFAULT_LIFE_YEARS)
    return out


def depreciation_minor(purchase_minor: int, purchased: date, life_years: float, period: Period) -> int:
    """The part of the purchase cost that falls in the period, straight line over the life, in days."""
    life_days = max(1, round(life_years * 365.25))
    start, end = purchased, purchased + timedelta(days=life_days)
    lo, hi = max(start, period.start.date()), min(end, period.end.date())
    days = (hi - lo).days
    return 0 if days <= 0 else (purchase_minor * days) // life_days


def cost_summary(session: Session, period: Period, pool_id: int | None = None) -> CostSummary:
    """The open-book view of one pool (every pool when None) for the period (see the module docstring). No
    personal data."""
    in_pool = Category.pool_id == pool_id if pool_id is not None else true()
    pool_assets = select(Asset.id).join(Asset.category).where(in_pool)
    categories = list(session.scalars(select(Category).where(in_pool).order_by(Category.name)))
    assets = list(session.execute(select(Asset.id, Asset.category_id, Asset.status, Asset.purchase_cost_minor,
                                         Asset.currency, Asset.purchase_date, Asset.created_at, Asset.hub_id)
                                  .where(Asset.id.in_(pool_assets))))
    hubs = {h.id: HubCosts(h.id, h.name) for h in session.scalars(
        select(Hub).where(Hub.pool_id == pool_id if pool_id is not None else true()).order_by(Hub.name))}
    # Items kept at their owners' own places are counted together: a row per place would be a row per person.
    places = HubCosts(None, MEMBERS_PLACES)
    place_ids = set(session.scalars(select(Asset.hub_id).join(OwnedItem, OwnedItem.asset_id == Asset.id)
                                    .where(OwnedItem.at_owner_place.is_(True), Asset.id.in_(pool_assets))))
    hubs.update(dict.fromkeys(place_ids, places))
    # A member's own item is counted in use, but the pool did not buy it: no depreciation of it is the pool's.
    members_own = set(session.scalars(select(OwnedItem.asset_id)))
    held = held_seconds_by_asset(session, period, [a.id for a in assets])
    lives = _life_years(session)
    fees = category_fees(session)
    rows = {c.id: CategoryCosts(c.id, c.name, 0, Money(), {}, Money(), lives.get(c.id, DEFAULT_LIFE_YEARS), 0,
                                fees.get(c.id)) for c in categories}
    for a in assets:
        row, hub = rows[a.category_id], hubs[a.hub_id]
        seconds = held.get(a.id, {}).get("seconds", 0)
        row.held_seconds += seconds
        hub.held_seconds += seconds
        if a.status == AssetStatus.retired:
            continue
        row.assets += 1
        hub.assets += 1
        if a.purchase_cost_minor and a.id not in members_own:
            bought = a.purchase_date or a.created_at.date()
            minor = depreciation_minor(a.purchase_cost_minor, bought, row.life_years, period)
            row.depreciation.add(a.currency, minor)
            hub.depreciation.add(a.currency, minor)
    first, last = period_dates(period)
    recorded = session.execute(
        select(Asset.category_id, Asset.hub_id, CostRecord.kind, CostRecord.currency, func.sum(CostRecord.amount_minor))
        .join(Asset, Asset.id == CostRecord.asset_id)
        .where(CostRecord.incurred_on >= first, CostRecord.incurred_on < last, Asset.id.in_(pool_assets))
        .group_by(Asset.category_id, Asset.hub_id, CostRecord.kind, CostRecord.currency))
    for cid, hub_id, kind, currency, total in recorded:
        row = rows[cid]
        row.recorded.add(currency, int(total))
        row.by_kind.setdefault(kind.value, Money()).add(currency, int(total))
        hubs[hub_id].recorded.add(currency, int(total))
    income = session.execute(
        select(Asset.category_id, Asset.hub_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .join(Booking, Booking.id == LedgerEntry.booking_id).join(Asset, Asset.id == Booking.asset_id)
        .where(LedgerEntry.kind.in_((LedgerKind.charge, LedgerKind.adjustment)),
               LedgerEntry.entry_date >= first, LedgerEntry.entry_date < last, Asset.id.in_(pool_assets))
        .group_by(Asset.category_id, Asset.hub_id, LedgerEntry.currency))
    for cid, hub_id, currency, total in income:
        rows[cid].income.add(currency, int(total))
        hubs[hub_id].income.add(currency, int(total))
    fees_charged, payments, reimbursed = Money(), Money(), Money()
    for kind, currency, total in session.execute(
            select(LedgerEntry.kind, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
            .where(LedgerEntry.entry_date >= first, LedgerEntry.entry_date < last,
                   LedgerEntry.pool_id == pool_id if pool_id is not None else true())
            .group_by(LedgerEntry.kind, LedgerEntry.currency)):
        if kind == LedgerKind.owner_reimbursement:
            reimbursed.add(currency, int(total))
        else:
            (payments if kind == LedgerKind.payment else fees_charged).add(currency, int(total))
    by_hub = [h for h in dict.fromkeys(hubs.values()) if h is not places] + ([places] if place_ids else [])
    return CostSummary(period, list(rows.values()), fees_charged, payments, by_hub, reimbursed)


def default_period(now: datetime) -> Period:
    """The twelve months up to now (like the impact figures)."""
    return rolling_year(now)


def period_dates(period: Period) -> tuple[date, date]:
    """The calendar days (UTC) a period covers, as [first, last): a day counts when the period touches it."""
    last = period.end.date() if period.end.time() == datetime.min.time() else period.end.date() + timedelta(days=1)
    return period.start.date(), last


def member_id_for_email(session: Session, email: str | None) -> int:
    """The member with this email address (as a coordinator types it), for recording ledger entries."""
    try:
        address = normalise_email(email or "")
    except ValidationFailed:
        raise ValidationFailed("Enter the member's email address.", field="member") from None
    member = session.scalar(select(Member).where(Member.email == address))
    if member is None:
        raise ValidationFailed("No member with this email address.", field="member")
    return member.id


def parse_date(text: str | None, field: str) -> date:
    try:
        return _check_date(date.fromisoformat((text or "").strip()), field)
    except ValueError:
        raise ValidationFailed("Enter a date, YYYY-MM-DD.", field=field) from None
