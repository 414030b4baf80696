"""Turning wall-clock input in a hub's zone into UTC instants, with DST gaps refused and folds resolved."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fleet.core.errors import ValidationFailed
from fleet.core.messages import LOCAL_FORMAT

LOCAL_INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("Unknown time zone '%(zone)s'; use an IANA name such as Europe/Amsterdam.",
                               field="timezone", zone=name) from exc


def is_valid_zone_name(name: str) -> bool:
    return name in available_timezones()


def parse_local(text: str, zone_name: str, field: str | None = None) -> datetime:
    """Parse 'YYYY-MM-DDTHH:MM' as wall-clock time in `zone_name` and return the aware UTC instant.

    A time that does not exist (the hour skipped when clocks go forward) is refused. A time that occurs
    twice (the hour repeated when clocks go back) is resolved to its first occurrence (fold=0), the
    earlier instant, so a booking never silently starts an hour late.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Enter a date and time.", field=field)
    naive = None
    for fmt in LOCAL_INPUT_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if naive is None:
        raise ValidationFailed("'%(text)s' is not a date and time (expected YYYY-MM-DD HH:MM).", field=field,
                               text=text)
    return localize(naive, zone_name, field=field)


def localize(naive: datetime, zone_name: str, field: str | None = None) -> datetime:
    tz = zone(zone_name)
    local = naive.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(timezone.utc)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationFailed("%(time)s does not exist in %(zone)s (the clocks skip that hour).", field=field,
                               time=naive.strftime("%Y-%m-%d %H:%M"), zone=zone_name)
    return as_utc


def to_local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(zone(zone_name))


def format_local(instant: datetime, zone_name: str) -> str:
    return to_local(instant, zone_name).strftime(LOCAL_FORMAT)


def parse_rfc3339(text: str, field: str | None = None) -> datetime:
    """Parse an API datetime; it must carry an offset (naive times are ambiguous and refused)."""
    try:
        value = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("'%(text)s' is not an RFC 3339 date-time.", field=field, text=text) from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed("'%(text)s' has no UTC offset; add one, e.g. 'Z' or '+01:00'.", field=field,
                               text=text)
    return value.astimezone(timezone.utc)
