"""Approval of new accounts: a pool may ask that a coordinator approves each account signed up before its
first booking. Waiting members can log in and look around; the booking write path refuses them
(fleet/booking/eligibility.py). Accounts made while the pool does not ask for approval are approved at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Null, null, select
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, NotFound
from fleet.members.notifications import notify, notify_coordinators
from fleet.members.permissions import require_admin, require_coordinator
from fleet.members.pools import coordinated_pool_ids
from fleet.models import AccessSettings, Member, PoolMembership, Role


def access_settings(session: Session) -> AccessSettings:
    """The pool's access settings (one row), made with the defaults when there is none yet."""
    settings = session.get(AccessSettings, 1)
    if settings is None:
        settings = AccessSettings(id=1, approve_new_accounts=False)
        session.add(settings)
        session.flush()
    return settings


def approval_required(session: Session) -> bool:
    settings = session.get(AccessSettings, 1)
    return bool(settings and settings.approve_new_accounts)


def awaiting_approval(session: Session, member: Member) -> bool:
    """The member may not book yet: the pool approves new accounts and nobody has approved this one."""
    return member.approved_at is None and not member.is_coordinator and approval_required(session)


def initial_approval(session: Session, role: Role, now: datetime) -> datetime | Null:
    """`approved_at` for a new account: NULL (waiting) for a member when the pool approves new accounts. An SQL
    NULL, not None: None would let the column's default (approved at once) fill it in."""
    return null() if role == Role.member and approval_required(session) else now


def announce_new_account(session: Session, member: Member, now: datetime) -> None:
    """Tell the coordinators that an account waits for their approval."""
    if member.approved_at is None:
        pools = [m.pool_id for m in member.pool_memberships]
        notify_coordinators(session, "account_waiting", "A new account waits for approval: %(name)s.", now,
                            pool_id=pools[0] if len(pools) == 1 else None, name=member.name)


def set_approval_required(session: Session, actor: Member, required: bool, now: datetime) -> AccessSettings:
    """One setting for the whole installation, so its administrator's, not a pool coordinator's."""
    require_admin(actor)
    settings = access_settings(session)
    settings.approve_new_accounts, settings.updated_at = bool(required), now
    session.flush()
    return settings


def accounts_waiting(session: Session, actor: Member) -> list[Member]:
    """Active member accounts not yet approved, oldest first."""
    require_coordinator(actor)
    stmt = select(Member).where(Member.approved_at.is_(None), Member.active.is_(True), Member.role == Role.member)
    if not actor.is_admin:  # the accounts of the pools they coordinate
        stmt = stmt.where(Member.id.in_(select(PoolMembership.member_id).where(
            PoolMembership.pool_id.in_(coordinated_pool_ids(session, actor)))))
    return list(session.scalars(stmt
                                .order_by(Member.created_at, Member.id)))


def approve_account(session: Session, actor: Member, member_id: int, now: datetime) -> Member:
    require_coordinator(actor)
    member = session.get(Member, member_id)
    if member is None or not (actor.is_admin or coordinated_pool_ids(session, actor)
                              & {m.pool_id for m in member.pool_memberships}):
        raise NotFound("No such member.")
    if member.approved_at is not None:
        raise Conflict("This account is already approved.")
    member.approved_at = now
    notify(session, member.id, "account_approved", "Your account is approved: you can book now.", now)
    session.flush()
    return member
