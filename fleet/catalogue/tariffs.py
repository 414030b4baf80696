"""Tariffs: a coordinator sets what using a category's assets, or one asset, costs; the price of a booking is
estimated from the tariff that applies (the asset's own, else its category's), see `fleet.core.pricing`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.money import MAX_MINOR, check_currency, check_minor
from fleet.core.pricing import Price, TariffTerms, estimate
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, require_object_pool
from fleet.models import Asset, Category, Member
from fleet.models.tariffs import RATE_COLUMNS, Tariff

MAX_GRACE_MINUTES = 1440


def _id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_MINOR else None


def clean_terms(values: dict) -> dict:
    """The tariff's columns from what a coordinator typed (minor units, None for no such rate)."""
    out = {"currency": check_currency(values.get("currency"))}
    for column in RATE_COLUMNS:
        value = values.get(column)
        field = column.removesuffix("_minor")
        out[column] = None if value is None else check_minor(value, field)
    grace = values.get("late_grace_minutes") or 0
    if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE_MINUTES:
        raise ValidationFailed("The grace time is a whole number of minutes from 0 to %(max)s.",
                               field="late_grace_minutes", max=MAX_GRACE_MINUTES)
    out["late_grace_minutes"] = grace
    return out


def set_tariff(session: Session, actor: Member, values: dict, now: datetime, *, category_id: int | None = None,
               asset_id: int | None = None) -> Tariff:
    """Create or replace the tariff of a category or of one asset (exactly one of the two)."""
    require_coordinator(actor)
    if (category_id is None) == (asset_id is None):
        raise ValidationFailed("A tariff is for a category or for one asset.", field="category_id")
    mine = coordinated_pool_ids(session, actor)
    if category_id is not None:
        scope = session.get(Category, _id(category_id)) if _id(category_id) else None
        if scope is None or scope.pool_id not in mine:
            raise ValidationFailed("No such category.", field="category_id")
        existing = select(Tariff).where(Tariff.category_id == scope.id)
    else:
        scope = session.get(Asset, _id(asset_id)) if _id(asset_id) else None
        if scope is None or scope.category.pool_id not in mine:
            raise ValidationFailed("No such asset.", field="asset_id")
        existing = select(Tariff).where(Tariff.asset_id == scope.id)
    cleaned = clean_terms(values)
    tariff = session.scalar(existing)
    if tariff is None:
        tariff = Tariff(category_id=scope.id if category_id is not None else None,
                        asset_id=scope.id if asset_id is not None else None)
        session.add(tariff)
    for name, value in cleaned.items():
        setattr(tariff, name, value)
    tariff.updated_by_id, tariff.updated_at = actor.id, now
    session.flush()
    return tariff


def get_tariff(session: Session, tariff_id: int) -> Tariff:
    tariff = session.get(Tariff, tariff_id) if _id(tariff_id) else None
    if tariff is None:
        raise NotFound("No such tariff.")
    return tariff


def tariff_pool_id(tariff: Tariff) -> int:
    """A tariff's pool: its category's, or its asset's category's."""
    return (tariff.category or tariff.asset.category).pool_id


def get_coordinated_tariff(session: Session, actor: Member, tariff_id: int) -> Tariff:
    """A tariff of a pool `actor` coordinates; another pool's is answered as a missing one."""
    tariff = session.get(Tariff, tariff_id) if _id(tariff_id) else None
    require_object_pool(session, actor, tariff_pool_id(tariff) if tariff is not None else None,
                        NotFound("No such tariff."))
    return tariff


def delete_tariff(session: Session, actor: Member, tariff_id: int) -> None:
    """Remove a tariff: an asset then follows its category's again, a category becomes free. Bookings made
    before keep the price they showed."""
    session.delete(get_coordinated_tariff(session, actor, tariff_id))
    session.flush()


def list_tariffs(session: Session, pool_ids: set[int] | None = None) -> list[Tariff]:
    """Every tariff, category tariffs first; only those of `pool_ids` when given."""
    tariffs = list(session.scalars(select(Tariff).options(joinedload(Tariff.category), joinedload(Tariff.asset))
                                   .order_by(Tariff.asset_id.is_not(None), Tariff.id)))
    return tariffs if pool_ids is None else [t for t in tariffs if tariff_pool_id(t) in pool_ids]


def category_tariffs(session: Session) -> dict[int, Tariff]:
    return {t.category_id: t for t in session.scalars(select(Tariff).where(Tariff.category_id.is_not(None)))}


def tariff_for(session: Session, asset: Asset) -> Tariff | None:
    """The tariff that applies to an asset: its own, else its category's, else none (free). One query (it is on
    every booking's create path): the asset's own first."""
    return session.scalar(select(Tariff).where(or_(Tariff.asset_id == asset.id,
                                                   Tariff.category_id == asset.category_id))
                          .order_by(case((Tariff.asset_id == asset.id, 0), else_=1)).limit(1))


def terms_for(session: Session, asset: Asset) -> TariffTerms | None:
    tariff = tariff_for(session, asset)
    return None if tariff is None else tariff.terms()


class TariffBook:
    """Every tariff at once, for pricing many assets (search results, a request's candidates, the GBFS feed) in
    one query."""

    def __init__(self, session: Session):
        self.by_asset: dict[int, Tariff] = {}
        self.by_category: dict[int, Tariff] = {}
        self._estimates: dict[tuple, Price] = {}
        for t in session.scalars(select(Tariff)):
            if t.asset_id is not None:
                self.by_asset[t.asset_id] = t
            else:
                self.by_category[t.category_id] = t

    def tariff(self, asset: Asset) -> Tariff | None:
        return self.by_asset.get(asset.id) or self.by_category.get(asset.category_id)

    def terms(self, asset: Asset) -> TariffTerms | None:
        tariff = self.tariff(asset)
        return None if tariff is None else tariff.terms()

    def estimate(self, asset: Asset, start: datetime, end: datetime) -> Price | None:
        tariff = self.tariff(asset)
        if tariff is None:
            return None
        meter_unit = asset.meter_unit.value if asset.meter_unit else None
        # The assets of a category share its tariff: a page of them asks the same estimate again and again.
        key = (tariff.id, start, end, meter_unit)
        if key not in self._estimates:
            self._estimates[key] = estimate(tariff.terms(), start, end, meter_unit)
        return self._estimates[key]


def estimate_price(session: Session, asset: Asset, start: datetime, end: datetime,
                   use: float | None = None) -> Price | None:
    """What booking the asset for [start, end) would cost under today's tariff; None when it is free."""
    if end <= start:
        raise ValidationFailed("The end must be after the start.", field="end")
    terms = terms_for(session, asset)
    if terms is None:
        return None
    return estimate(terms, start, end, asset.meter_unit.value if asset.meter_unit else None, use)
