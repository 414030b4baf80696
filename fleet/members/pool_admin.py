"""Pool administration: the installation's administrator makes pools and names their coordinators; a pool's
coordinators (and the administrator) change its name and description and who belongs to it, and how."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.text import multi_line, single_line
from fleet.members.pools import check_slug, join_pool, member_pool_ids
from fleet.models import Member, Pool, PoolMembership, PoolRole

DESCRIPTION_MAX = 2000


def list_pools(session: Session, actor: Member) -> list[Pool]:
    """The pools `actor` belongs to (the administrator: every pool), by name."""
    ids = member_pool_ids(session, actor)
    if not ids:
        return []
    return list(session.scalars(select(Pool).where(Pool.id.in_(ids)).order_by(Pool.name, Pool.id)))


def get_pool(session: Session, actor: Member, pool_id: int) -> Pool:
    """A pool `actor` belongs to; any other is answered as a missing one."""
    pool = session.get(Pool, pool_id) if isinstance(pool_id, int) else None
    if pool is None or pool.id not in member_pool_ids(session, actor):
        raise NotFound("No such pool.")
    return pool


def _managed_pool(session: Session, actor: Member, pool_id: int) -> Pool:
    pool = get_pool(session, actor, pool_id)
    if not actor.coordinates_pool(pool.id):
        raise Forbidden("Only the pool's coordinators can change it.")
    return pool


def _name(name: str) -> str:
    name = single_line(name or "", "name")
    if not name or len(name) > 120:
        raise ValidationFailed("Give the pool a name (at most 120 characters).", field="name")
    return name


def _description(text: str) -> str:
    text = multi_line(text or "", "description")
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailed("Write at most %(count)s characters.", field="description", count=DESCRIPTION_MAX)
    return text


def create_pool(session: Session, actor: Member, *, slug: str, name: str, description: str = "",
                public: bool = True, now: datetime) -> Pool:
    """A new pool (the administrator only); it starts empty: name its coordinators next."""
    if actor is None or not actor.active or not actor.is_admin:
        raise Forbidden("Only the administrator can make pools.")
    slug, name, description = check_slug(slug), _name(name), _description(description)
    if session.scalar(select(Pool.id).where(Pool.slug == slug)) is not None:
        raise Conflict("A pool with the short name %(slug)s exists already.", field="slug", slug=slug)
    pool = Pool(slug=slug, name=name, description=description, public=bool(public), created_at=now)
    session.add(pool)
    session.flush()
    return pool


def update_pool(session: Session, actor: Member, pool_id: int, *, name: str | None = None,
                description: str | None = None, public: bool | None = None) -> Pool:
    """Change the pool's name, description or whether visitors see its catalogue (its coordinators, the
    administrator). The short name stays: links and feeds use it."""
    pool = _managed_pool(session, actor, pool_id)
    if name is not None:
        pool.name = _name(name)
    if description is not None:
        pool.description = _description(description)
    if public is not None:
        pool.public = bool(public)
    session.flush()
    return pool


def memberships(session: Session, actor: Member, pool_id: int) -> list[PoolMembership]:
    """Who belongs to the pool, coordinators first (its coordinators and the administrator)."""
    pool = _managed_pool(session, actor, pool_id)
    return list(session.scalars(select(PoolMembership).join(PoolMembership.member)
                                .where(PoolMembership.pool_id == pool.id)
                                .order_by(PoolMembership.role != PoolRole.coordinator, Member.name, Member.id)))


def _role(role: str) -> PoolRole:
    try:
        return PoolRole(role)
    except ValueError:
        raise ValidationFailed("The role in a pool is member or coordinator.", field="role") from None


def _member(session: Session, member_id) -> Member:
    member = session.get(Member, member_id) if isinstance(member_id, int) and not isinstance(member_id, bool) \
        and 0 < member_id < 2**31 else None
    if member is None:
        raise ValidationFailed("No such member.", field="member_id")
    return member


def set_membership(session: Session, actor: Member, pool_id: int, member_id: int, role: str) -> PoolMembership:
    """Add a member to the pool with a role, or change their role there (its coordinators, the administrator)."""
    pool = _managed_pool(session, actor, pool_id)
    role_value = _role(role)
    member = _member(session, member_id)
    if member.id == actor.id and not actor.is_admin and role_value != PoolRole.coordinator:
        raise ValidationFailed("You cannot change your own role.", field="role")
    return join_pool(session, member, pool.id, role_value)


def remove_membership(session: Session, actor: Member, pool_id: int, member_id: int) -> None:
    """Take a member out of the pool; their bookings stay (a coordinator cancels them if need be)."""
    pool = _managed_pool(session, actor, pool_id)
    membership = session.scalar(select(PoolMembership).where(PoolMembership.pool_id == pool.id,
                                                             PoolMembership.member_id == member_id))
    if membership is None:
        raise NotFound("No such member in this pool.")
    if membership.member_id == actor.id and not actor.is_admin:
        raise ValidationFailed("You cannot take yourself out of the pool you coordinate.", field="member_id")
    membership.member.pool_memberships.remove(membership)
    session.delete(membership)
    session.flush()
