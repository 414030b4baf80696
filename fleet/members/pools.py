"""Which pools a member belongs to and coordinates, and the checks every coordinator service makes.

The rule (docs/architecture.md, "Pools"): a coordinator acts only on objects of the pools they coordinate; the
installation's administrator acts on every pool. The pool is always read from the object (an asset's category,
a booking's asset), never from what the request says. An object of another pool is answered exactly as a
missing one (NotFound, 404), so its existence is not revealed; a member who coordinates no pool is refused
(Forbidden, 403) before any object is loaded, as before pools."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.db import utcnow
from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.members.permissions import require_coordinator
from fleet.models import DEFAULT_POOL_SLUG, Member, Pool, PoolMembership, PoolRole

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def all_pool_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Pool.id)))


def member_pool_ids(session: Session, actor: Member | None) -> set[int]:
    """The pools `actor` belongs to (any role); the administrator belongs to every pool; nobody: none."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return set()
    if actor.is_admin:
        return all_pool_ids(session)
    return set(session.scalars(select(PoolMembership.pool_id).where(PoolMembership.member_id == actor.id)))


def coordinated_pool_ids(session: Session, actor: Member | None) -> set[int]:
    """The pools `actor` coordinates; the administrator coordinates every pool."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return set()
    if actor.is_admin:
        return all_pool_ids(session)
    return set(session.scalars(select(PoolMembership.pool_id).where(
        PoolMembership.member_id == actor.id, PoolMembership.role == PoolRole.coordinator)))


def public_pool_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Pool.id).where(Pool.public.is_(True))))


def visible_pool_ids(session: Session, actor: Member | None) -> set[int]:
    """Whose catalogue a reader searches: a member their pools, an anonymous visitor every public pool."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return public_pool_ids(session)
    return member_pool_ids(session, actor)


def require_pool_coordinator(session: Session, actor: Member, pool_id: int) -> None:
    """`actor` coordinates pool `pool_id` (the administrator passes), else Forbidden. For a pool the actor names
    (a new hub's pool); for an object's pool use `require_object_pool`."""
    require_coordinator(actor)
    if pool_id not in coordinated_pool_ids(session, actor):
        raise Forbidden("You do not coordinate that pool.")


def require_object_pool(session: Session, actor: Member, pool_id: int | None, missing: NotFound) -> None:
    """The object whose pool is `pool_id` is one `actor` coordinates, else `missing` is raised: an object of
    another pool looks exactly like one that does not exist."""
    require_coordinator(actor)
    if pool_id is None or pool_id not in coordinated_pool_ids(session, actor):
        raise missing


def default_pool(session: Session, now: datetime | None = None) -> Pool:
    """The pool things go into when nobody chose one: the only pool, else the default pool (made when there is
    none yet: an installation always has one after migration 0026, a test database starts empty)."""
    pools = list(session.scalars(select(Pool).order_by(Pool.id).limit(2)))
    if len(pools) == 1:
        return pools[0]
    pool = session.scalar(select(Pool).where(Pool.slug == DEFAULT_POOL_SLUG))
    if pool is None and pools:
        return pools[0]
    if pool is None:
        pool = Pool(slug=DEFAULT_POOL_SLUG, name="Commonpool", description="", public=True,
                    created_at=now or utcnow())
        session.add(pool)
        session.flush()
    return pool


def pool_for_new_object(session: Session, actor: Member, pool_id: int | None) -> int:
    """The pool a coordinator's new hub, category or rule goes into: the one they chose, which they must
    coordinate, or when they chose none, their only pool (Forbidden / ValidationFailed otherwise)."""
    require_coordinator(actor)
    if pool_id is not None:
        if session.get(Pool, pool_id) is None:
            raise ValidationFailed("There is no such pool.", field="pool_id")
        require_pool_coordinator(session, actor, pool_id)
        return pool_id
    mine = coordinated_pool_ids(session, actor)
    if actor.is_admin and len(mine) <= 1:
        return default_pool(session).id
    if len(mine) == 1:
        return next(iter(mine))
    raise ValidationFailed("Choose the pool it belongs to.", field="pool_id")


def join_pool(session: Session, member: Member, pool_id: int, role: PoolRole = PoolRole.member) -> PoolMembership:
    """`member` belongs to the pool with `role` (an existing membership takes the role)."""
    membership = session.scalar(select(PoolMembership).where(
        PoolMembership.pool_id == pool_id, PoolMembership.member_id == member.id))
    if membership is None:
        membership = PoolMembership(pool_id=pool_id, member_id=member.id, role=role, created_at=utcnow())
        session.add(membership)
        member.pool_memberships.append(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def pools_of(session: Session, ids: set[int]) -> list[Pool]:
    """The pools with these ids, by name."""
    if not ids:
        return []
    return list(session.scalars(select(Pool).where(Pool.id.in_(ids)).order_by(Pool.name, Pool.id)))


def check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed("A pool's short name uses lower-case letters, digits and hyphens (at most 60).",
                               field="slug")
    return slug


def coordinates(session: Session, actor: Member | None, pool_id: int | None) -> bool:
    """Whether `actor` coordinates pool `pool_id` (the administrator coordinates every pool)."""
    return pool_id is not None and pool_id in coordinated_pool_ids(session, actor)


def members_of_pools(session: Session, pool_ids: set[int]) -> list[Member]:
    """The active members of these pools, by name."""
    return list(session.scalars(select(Member).where(Member.active.is_(True), Member.id.in_(
        select(PoolMembership.member_id).where(PoolMembership.pool_id.in_(pool_ids)))).order_by(Member.name, Member.id)))
