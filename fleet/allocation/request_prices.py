"""What a flexible request may cost: the cheapest and the dearest price of its duration over the assets that
could serve it (category, type, capabilities, distance), under today's tariffs. Assigned, it costs what its
booking showed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation.scheduling_adapter import statically_eligible
from fleet.catalogue.tariffs import TariffBook
from fleet.core.pricing import Price, estimate, price_range
from fleet.models import Asset, AssetStatus, FlexibleRequest


def request_price_range(session: Session, request: FlexibleRequest) -> tuple[Price, Price] | None:
    """(cheapest, dearest) over the eligible assets; a free asset counts as zero. None: no asset has a tariff,
    or none could serve it."""
    assets = session.scalars(select(Asset).where(Asset.category_id == request.category_id,
                                                 Asset.status != AssetStatus.retired)
                             .options(joinedload(Asset.hub), joinedload(Asset.category))).unique()
    book = TariffBook(session)
    start = request.earliest_start
    end = start + timedelta(minutes=request.duration_minutes)
    prices, free = [], False
    for asset in assets:
        if not statically_eligible(request, asset):
            continue
        terms = book.terms(asset)
        if terms is None:
            free = True
            continue
        prices.append(estimate(terms, start, end, asset.meter_unit.value if asset.meter_unit else None))
    if not prices:
        return None
    if free:
        prices.append(Price(0, prices[0].currency, f"0.00 {prices[0].currency}"))
    currency = prices[0].currency
    return price_range([p for p in prices if p.currency == currency])
