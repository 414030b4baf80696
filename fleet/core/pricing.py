"""Prices from a tariff: pure functions, integer minor units, no float ever holds money.

A tariff's terms (`TariffTerms`) are rates in minor units of one currency; any rate may be absent. The time
part of a price:
- per hour only: the booked hours (to the minute) times the rate;
- per day only: every started day (24 h) at the day rate;
- both: whole days at the day rate, and the rest at the hour rate but never more than one more day.
Metered use (km, or engine hours for machines) is charged at the per-km or per-engine-hour rate, to a tenth of
a unit. A late return beyond the grace minutes adds the late fee per hour late; a no-show costs the no-show fee.
The minimum charge is the least a used booking costs. The deposit is held, never charged, and shown apart.

Every price carries its computation in plain figures ("3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR"), the same in
every language, so a member can check the sum.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from fleet.core.money import divide_round

DAY_SECONDS = 86400
HOUR_SECONDS = 3600


@dataclass(frozen=True)
class TariffTerms:
    """What a tariff charges; None means the tariff has no such rate."""

    currency: str = "EUR"
    per_hour_minor: int | None = None
    per_day_minor: int | None = None
    per_km_minor: int | None = None
    per_engine_hour_minor: int | None = None
    minimum_minor: int | None = None
    deposit_minor: int | None = None
    late_fee_per_hour_minor: int | None = None
    late_grace_minutes: int = 0
    no_show_fee_minor: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> TariffTerms:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})

    def metered_rate(self, meter_unit: str | None) -> int | None:
        """The rate per unit of metered use for an asset whose meter counts `meter_unit` (km or hours)."""
        if meter_unit == "km":
            return self.per_km_minor
        if meter_unit == "hours":
            return self.per_engine_hour_minor
        return None

    @property
    def is_free(self) -> bool:
        return all(v in (None, 0) for v in (self.per_hour_minor, self.per_day_minor, self.per_km_minor,
                                            self.per_engine_hour_minor, self.minimum_minor))


@dataclass(frozen=True)
class Price:
    amount_minor: int
    currency: str
    computation: str
    deposit_minor: int | None = None
    metered_rate_minor: int | None = None   # charged on top per unit of use, when the use is not known yet
    meter_unit: str | None = None

    def as_dict(self) -> dict:
        return {"amount_minor": self.amount_minor, "currency": self.currency, "computation": self.computation,
                "deposit_minor": self.deposit_minor, "metered_rate_minor": self.metered_rate_minor,
                "meter_unit": self.meter_unit}


def figure(minor: int) -> str:
    """Minor units as a plain decimal figure, '2.50'."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


def _quantity(value: Decimal) -> str:
    """1.50 -> '1.5', 3.00 -> '3'."""
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _hours(seconds: int) -> str:
    return _quantity(Decimal(seconds) / HOUR_SECONDS)


def time_part(terms: TariffTerms, seconds: int) -> tuple[int, list[str]]:
    """The time charge of holding an asset `seconds` long, and its terms of the sum."""
    seconds = max(0, seconds)
    hour, day = terms.per_hour_minor, terms.per_day_minor
    if hour is None and day is None:
        return 0, []
    if day is None:
        return divide_round(hour * seconds, HOUR_SECONDS), [f"{_hours(seconds)} h x {figure(hour)}"]
    if hour is None:
        days = max(1, -(-seconds // DAY_SECONDS))
        return days * day, [f"{days} d x {figure(day)}"]
    days, rest = divmod(seconds, DAY_SECONDS)
    rest_minor = divide_round(hour * rest, HOUR_SECONDS)
    if rest_minor >= day:
        return (days + 1) * day, [f"{days + 1} d x {figure(day)}"]
    parts = [f"{days} d x {figure(day)}"] if days else []
    if rest:
        parts.append(f"{_hours(rest)} h x {figure(hour)}")
    return days * day + rest_minor, parts


def metered_part(terms: TariffTerms, meter_unit: str | None, use: float | None) -> tuple[int, list[str]]:
    """The charge for metered use (km or engine hours), counted to a tenth of a unit."""
    rate = terms.metered_rate(meter_unit)
    if rate is None or use is None or use <= 0:
        return 0, []
    tenths = int((Decimal(repr(float(use))) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    unit = "km" if meter_unit == "km" else "engine h"
    return divide_round(rate * tenths, 10), [f"{_quantity(Decimal(tenths) / 10)} {unit} x {figure(rate)}"]


def _finish(terms: TariffTerms, amount: int, parts: list[str], meter_unit: str | None,
            metered_pending: bool, minimum: bool = True) -> Price:
    expression = " + ".join(parts) if parts else "0.00"
    if minimum and terms.minimum_minor and amount < terms.minimum_minor:
        expression = f"{expression} = {figure(amount)}, minimum {figure(terms.minimum_minor)}"
        amount = terms.minimum_minor
    rate = terms.metered_rate(meter_unit) if metered_pending else None
    return Price(amount, terms.currency, f"{expression} = {figure(amount)} {terms.currency}",
                 terms.deposit_minor, rate, meter_unit if rate is not None else None)


def estimate(terms: TariffTerms, start: datetime, end: datetime, meter_unit: str | None = None,
             use: float | None = None) -> Price:
    """The price of booking [start, end); metered use is added when it is given (an expected distance), else
    its rate is carried in the price for the page to show beside the sum."""
    amount, parts = time_part(terms, int((end - start).total_seconds()))
    metered, metered_parts = metered_part(terms, meter_unit, use)
    return _finish(terms, amount + metered, parts + metered_parts, meter_unit, metered_pending=use is None)


def charge(terms: TariffTerms, start: datetime, end: datetime, returned_at: datetime | None,
           meter_unit: str | None = None, use: float | None = None) -> Price:
    """The charge of a returned booking: the booked time, the metered use, and the late fee when it came back
    after its end plus the grace minutes (the late hours counted from the end)."""
    amount, parts = time_part(terms, int((end - start).total_seconds()))
    metered, metered_parts = metered_part(terms, meter_unit, use)
    amount, parts = amount + metered, parts + metered_parts
    late_seconds = 0 if returned_at is None else int((returned_at - end).total_seconds())
    if terms.late_fee_per_hour_minor and late_seconds > terms.late_grace_minutes * 60:
        fee = divide_round(terms.late_fee_per_hour_minor * late_seconds, HOUR_SECONDS)
        if terms.minimum_minor and amount < terms.minimum_minor:
            parts = [f"minimum {figure(terms.minimum_minor)}"]
            amount = terms.minimum_minor
        return _finish(terms, amount + fee, parts + [f"late {_hours(late_seconds)} h x "
                                                     f"{figure(terms.late_fee_per_hour_minor)}"],
                       meter_unit, metered_pending=False, minimum=False)
    return _finish(terms, amount, parts, meter_unit, metered_pending=False)


def no_show_fee(terms: TariffTerms) -> Price:
    """A booking nobody picked up: the tariff's no-show fee (zero without one)."""
    fee = terms.no_show_fee_minor or 0
    return Price(fee, terms.currency, f"no-show {figure(fee)} = {figure(fee)} {terms.currency}",
                 terms.deposit_minor)


def price_range(prices: list[Price]) -> tuple[Price, Price] | None:
    """The cheapest and the dearest of some prices in one currency (a flexible request's possible assets)."""
    if not prices:
        return None
    ordered = sorted(prices, key=lambda p: p.amount_minor)
    return ordered[0], ordered[-1]
