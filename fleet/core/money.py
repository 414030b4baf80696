"""Money: an integer number of minor units (cents) with an ISO 4217 currency. Parsed from text with Decimal,
summed as integers, divided with rounding half up; no float ever holds money."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from fleet.core.errors import ValidationFailed

MAX_MINOR = 2**31 - 1  # the database integer range
DEFAULT_CURRENCY = "EUR"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_AMOUNT = re.compile(r"^\d+([.,]\d{1,2})?$")


def parse_amount(text: str | None, field: str = "amount", allow_zero: bool = True) -> int:
    """'12.50' or '12,5' -> 1250 minor units; at most two decimals, never negative, never a float."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Enter an amount, e.g. 12.50.", field=field)
    if not _AMOUNT.match(text):
        raise ValidationFailed("An amount is a number with at most two decimals, e.g. 12.50.", field=field)
    try:
        minor = int(Decimal(text.replace(",", ".")) * 100)
    except InvalidOperation:
        raise ValidationFailed("An amount is a number with at most two decimals, e.g. 12.50.", field=field) from None
    return check_minor(minor, field, allow_zero)


def check_minor(value, field: str = "amount_minor", allow_zero: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("Amounts are whole numbers of minor units (cents).", field=field)
    if value < (0 if allow_zero else 1):
        if allow_zero:
            raise ValidationFailed("The amount cannot be negative.", field=field)
        raise ValidationFailed("The amount must be positive.", field=field)
    if value > MAX_MINOR:
        raise ValidationFailed("The amount is too large.", field=field)
    return value


def check_currency(code: str | None, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if not _CURRENCY.match(code):
        raise ValidationFailed("A currency is a three-letter ISO 4217 code, e.g. EUR.", field=field)
    return code


def divide_round(numerator: int, denominator: int) -> int:
    """numerator / denominator for non-negative integers, rounded half up, in integers."""
    return (2 * numerator + denominator) // (2 * denominator)
