"""The bounds the pool sets on owners' shares of charges, and checking an owner's chosen share."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.members.permissions import require_admin
from fleet.models import Member, OwnerShareBounds

DEFAULT_MIN_PERCENT = 0
DEFAULT_MAX_PERCENT = 90


@dataclass(frozen=True)
class ShareBounds:
    min_percent: int
    max_percent: int


def share_bounds(session: Session) -> ShareBounds:
    row = session.scalar(select(OwnerShareBounds).order_by(OwnerShareBounds.id).limit(1))
    if row is None:
        return ShareBounds(DEFAULT_MIN_PERCENT, DEFAULT_MAX_PERCENT)
    return ShareBounds(row.min_percent, row.max_percent)


def _percent(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationFailed("A share is a whole percentage from 0 to 100.", field=field)
    return value


def set_share_bounds(session: Session, actor: Member, min_percent: int, max_percent: int,
                     now: datetime) -> ShareBounds:
    """The installation's administrator sets the range owners choose their share in (one range for every pool, so
    no pool's coordinator changes it for the others); shares already set are kept."""
    require_admin(actor)
    low, high = _percent(min_percent, "min_percent"), _percent(max_percent, "max_percent")
    if high < low:
        raise ValidationFailed("The highest share must not be below the lowest.", field="max_percent")
    row = session.scalar(select(OwnerShareBounds).order_by(OwnerShareBounds.id).limit(1)) or OwnerShareBounds()
    row.min_percent, row.max_percent, row.updated_by_id, row.updated_at = low, high, actor.id, now
    session.add(row)
    session.flush()
    return ShareBounds(low, high)


def check_share(session: Session, value: int | None) -> int:
    """The owner's share in percent, inside the pool's bounds; None: the highest share allowed."""
    bounds = share_bounds(session)
    if value is None:
        return bounds.max_percent
    value = _percent(value, "owner_share_percent")
    if not bounds.min_percent <= value <= bounds.max_percent:
        raise ValidationFailed("The pool allows an owner's share from %(low)s %% to %(high)s %%.",
                               field="owner_share_percent", low=bounds.min_percent, high=bounds.max_percent)
    return value
