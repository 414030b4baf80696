"""The pool's decision rules: the method (majority, two thirds, consent), the quorum as a share of the eligible
members, who may vote (all active members or the affected hub's), secret or public ballots, the decision period.
Coordinators set them; a proposal copies them when it opens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.members.pools import pool_for_new_object
from fleet.models import DecisionMethod, Electorate, GovernanceRules, Member

DEFAULTS = dict(method=DecisionMethod.majority, quorum_percent=25, electorate=Electorate.all, public_votes=False,
                period_days=7)


def current_rules(session: Session, pool_id: int) -> GovernanceRules:
    """The pool's stored rules, or the defaults (not stored) when the pool never set any."""
    rules = session.scalar(select(GovernanceRules).where(GovernanceRules.pool_id == pool_id))
    return rules if rules is not None else GovernanceRules(pool_id=pool_id, **DEFAULTS)


def _int(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed("Enter a whole number from %(low)s to %(high)s.", field=field, low=low, high=high)
    return value


def set_rules(session: Session, actor: Member, now: datetime, *, method: str, quorum_percent: int,
              electorate: str, public_votes: bool, period_days: int, pool_id: int | None = None) -> GovernanceRules:
    """Set the rules of pool `pool_id`, which `actor` coordinates (None: their only pool)."""
    pool_id = pool_for_new_object(session, actor, pool_id)
    try:
        method_value = DecisionMethod(method)
    except ValueError:
        raise ValidationFailed("The method is majority, two_thirds or consent.", field="method") from None
    try:
        electorate_value = Electorate(electorate)
    except ValueError:
        raise ValidationFailed("Who votes is all or hub.", field="electorate") from None
    if not isinstance(public_votes, bool):
        raise ValidationFailed("Public votes is true or false.", field="public_votes")
    quorum = _int(quorum_percent, "quorum_percent", 0, 100)
    days = _int(period_days, "period_days", 1, 90)
    rules = session.scalar(select(GovernanceRules).where(GovernanceRules.pool_id == pool_id))
    if rules is None:
        rules = GovernanceRules(pool_id=pool_id)
        session.add(rules)
    rules.method, rules.quorum_percent, rules.electorate = method_value, quorum, electorate_value
    rules.public_votes, rules.period_days = public_votes, days
    rules.updated_by_id, rules.updated_at = actor.id, now
    session.flush()
    return rules
