"""A damage report on a member-owned item that the owner or the borrower disagrees with goes to the
coordinators, who see the report with its photo and settle it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fleet.booking.handover import get_damage_report
from fleet.booking.owned_items import owned_item_for
from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.text import multi_line
from fleet.members.notifications import notify_coordinators
from fleet.models import DamageReport, Member

REASON_MAX = 1000


def disputable(session: Session, actor: Member, report_id: int) -> DamageReport:
    """A damage report on a member-owned item that the actor (its owner, borrower or reporter) may dispute;
    404 for anybody else."""
    report = get_damage_report(session, actor, report_id)
    item = owned_item_for(session, report.asset_id)
    borrower_id = report.booking.member_id if report.booking is not None else None
    if item is None or actor.id not in (item.owner_id, borrower_id, report.reported_by_id):
        raise NotFound("No such damage report.")
    return report


def dispute_damage(session: Session, actor: Member, report_id: int, reason: str, now: datetime) -> DamageReport:
    """The owner or the borrower disputes a damage report on a member-owned item: every coordinator is told,
    with the report (and its photo) one click away."""
    report = disputable(session, actor, report_id)
    reason = multi_line(reason, "reason")
    if not reason:
        raise ValidationFailed("Say what you disagree with.", field="reason")
    notify_coordinators(session, "damage_disputed",
                        "A damage report on %(asset)s is disputed (report %(report)s, with its photo if any): "
                        "%(reason)s", now, report.booking_id, pool_id=report.asset.category.pool_id, asset=report.asset.name, report=report.id,
                        reason=reason[:REASON_MAX])
    return report
