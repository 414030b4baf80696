"""What coordinators set for who may book what: qualifications and how to get them, the qualifications and
fair-use limits of each category, and the grants of qualifications to members (with an expiry, revocable).
The rule itself is in fleet/booking/eligibility.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.text import multi_line, single_line
from fleet.members.notifications import notify
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, pool_for_new_object, require_object_pool
from fleet.models import (
    Category, CategoryLimits, CategoryQualification, Member, Qualification, QualificationGrant,
)

MAX_AT_ONCE = 100
MAX_HOURS_PER_WEEK = 168
MAX_BOOKINGS_PER_WEEK = 500


# --- qualifications ------------------------------------------------------------------------------------------

def list_qualifications(session: Session, pool_ids: set[int] | None = None) -> list[Qualification]:
    """Qualifications by name; only those of `pool_ids` when given."""
    stmt = select(Qualification).order_by(Qualification.name, Qualification.id)
    if pool_ids is not None:
        stmt = stmt.where(Qualification.pool_id.in_(pool_ids))
    return list(session.scalars(stmt))


def get_qualification(session: Session, qualification_id: int) -> Qualification:
    qualification = session.get(Qualification, qualification_id)
    if qualification is None:
        raise NotFound("No such qualification.")
    return qualification


def get_coordinated_qualification(session: Session, actor: Member, qualification_id: int) -> Qualification:
    """A qualification of a pool `actor` coordinates; another pool's is answered as a missing one."""
    qualification = session.get(Qualification, qualification_id)
    require_object_pool(session, actor, qualification.pool_id if qualification is not None else None,
                        NotFound("No such qualification."))
    return qualification


def _clean(session: Session, name: str, how_to_get: str, own_id: int | None = None) -> tuple[str, str]:
    name = single_line(name or "", "name")
    if not name or len(name) > 120:
        raise ValidationFailed("Give the qualification a name (at most 120 characters).", field="name")
    how_to_get = multi_line(how_to_get or "", "how_to_get")
    if len(how_to_get) > 1000:
        raise ValidationFailed("Say how to get it in at most 1000 characters.", field="how_to_get")
    taken = session.scalar(select(Qualification.id).where(func.lower(Qualification.name) == name.lower()))
    if taken is not None and taken != own_id:
        raise Conflict("A qualification with this name exists already.", field="name")
    return name, how_to_get


def create_qualification(session: Session, actor: Member, name: str, how_to_get: str, now: datetime,
                         pool_id: int | None = None) -> Qualification:
    """A new qualification of pool `pool_id`, which `actor` coordinates (None: their only pool)."""
    pool_id = pool_for_new_object(session, actor, pool_id)
    name, how_to_get = _clean(session, name, how_to_get)
    qualification = Qualification(name=name, how_to_get=how_to_get, created_at=now, pool_id=pool_id)
    session.add(qualification)
    session.flush()
    return qualification


def update_qualification(session: Session, actor: Member, qualification_id: int, name: str,
                         how_to_get: str) -> Qualification:
    qualification = get_coordinated_qualification(session, actor, qualification_id)
    qualification.name, qualification.how_to_get = _clean(session, name, how_to_get, qualification.id)
    session.flush()
    return qualification


# --- categories: required qualifications and limits ----------------------------------------------------------

@dataclass(frozen=True)
class CategoryRules:
    category: Category
    qualifications: list[Qualification]
    max_at_once: int | None
    max_hours_per_week: int | None
    max_bookings_per_week: int | None


def category_rules(session: Session, category: Category) -> CategoryRules:
    qualifications = list(session.scalars(
        select(Qualification).join(CategoryQualification, CategoryQualification.qualification_id == Qualification.id)
        .where(CategoryQualification.category_id == category.id).order_by(Qualification.name)))
    limits = session.scalar(select(CategoryLimits).where(CategoryLimits.category_id == category.id))
    return CategoryRules(category, qualifications, limits.max_at_once if limits else None,
                         limits.max_hours_per_week if limits else None, limits.max_bookings_per_week if limits else None)


def all_category_rules(session: Session, pool_ids: set[int] | None = None) -> list[CategoryRules]:
    """The rules of every category in use; only those of `pool_ids` when given."""
    stmt = select(Category).where(Category.retired.is_(False)).order_by(Category.name)
    if pool_ids is not None:
        stmt = stmt.where(Category.pool_id.in_(pool_ids))
    categories = session.scalars(stmt)
    return [category_rules(session, c) for c in categories]


def checked_limit(value, field: str, most: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationFailed("A limit is a whole number from 1 to %(max)s, or empty for none.", field=field,
                               max=most)
    return value


def set_category_rules(session: Session, actor: Member, category_id: int, qualification_ids: list[int],
                       max_at_once: int | None, max_hours_per_week: int | None,
                       max_bookings_per_week: int | None) -> CategoryRules:
    """Replace a category's required qualifications and fair-use limits (None: no limit). Bookings already
    made are kept; the rules hold for every booking made or moved from now on."""
    category = session.get(Category, category_id)
    require_object_pool(session, actor, category.pool_id if category is not None else None,
                        NotFound("No such category."))
    max_at_once = checked_limit(max_at_once, "max_at_once", MAX_AT_ONCE)
    max_hours_per_week = checked_limit(max_hours_per_week, "max_hours_per_week", MAX_HOURS_PER_WEEK)
    max_bookings_per_week = checked_limit(max_bookings_per_week, "max_bookings_per_week", MAX_BOOKINGS_PER_WEEK)
    wanted = sorted(set(qualification_ids or []))
    known = set(session.scalars(select(Qualification.id).where(
        Qualification.id.in_(wanted), Qualification.pool_id == category.pool_id))) if wanted else set()
    if len(known) != len(wanted):
        raise ValidationFailed("No such qualification.", field="qualification_ids")
    session.execute(delete(CategoryQualification).where(CategoryQualification.category_id == category.id))
    for qualification_id in wanted:
        session.add(CategoryQualification(category_id=category.id, qualification_id=qualification_id))
    limits = session.scalar(select(CategoryLimits).where(CategoryLimits.category_id == category.id))
    if limits is None:
        limits = CategoryLimits(category_id=category.id)
        session.add(limits)
    limits.max_at_once, limits.max_hours_per_week = max_at_once, max_hours_per_week
    limits.max_bookings_per_week = max_bookings_per_week
    session.flush()
    return category_rules(session, category)


# --- grants --------------------------------------------------------------------------------------------------

def list_grants(session: Session, actor: Member, member_id: int | None = None, *, search: str = "",
                qualification_id: int | None = None) -> list[QualificationGrant]:
    """Grants by member name; only one member's, those whose member's name or email contains `search`, or those
    of one qualification, when asked."""
    require_coordinator(actor)
    stmt = (select(QualificationGrant).join(QualificationGrant.member).join(QualificationGrant.qualification)
            .options(joinedload(QualificationGrant.member), joinedload(QualificationGrant.qualification))
            .where(Qualification.pool_id.in_(coordinated_pool_ids(session, actor))))
    if member_id is not None:
        stmt = stmt.where(QualificationGrant.member_id == member_id)
    if qualification_id is not None:
        stmt = stmt.where(QualificationGrant.qualification_id == qualification_id)
    search = single_line(search or "", "search")[:254]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Member.name.ilike(pattern, escape="\\") | Member.email.ilike(pattern, escape="\\"))
    return list(session.scalars(stmt.order_by(Member.name, Qualification.name, QualificationGrant.id)))


def get_grant(session: Session, actor: Member, grant_id: int) -> QualificationGrant:
    grant = session.get(QualificationGrant, grant_id)
    require_object_pool(session, actor, grant.qualification.pool_id if grant is not None else None,
                        NotFound("No such grant."))
    return grant


def grant_qualification(session: Session, actor: Member, member_id: int, qualification_id: int,
                        expires_on: date | None, now: datetime) -> QualificationGrant:
    """Grant (or renew) a member's qualification, valid through `expires_on` (None: no expiry)."""
    require_coordinator(actor)
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("No such member.", field="member_id")
    qualification = session.get(Qualification, qualification_id)
    if qualification is None or qualification.pool_id not in coordinated_pool_ids(session, actor):
        raise NotFound("No such qualification.", field="qualification_id")
    if not actor.is_admin and qualification.pool_id not in {m.pool_id for m in member.pool_memberships}:
        raise NotFound("No such member.", field="member_id")
    if expires_on is not None and expires_on < now.date():
        raise ValidationFailed("The expiry date is in the past.", field="expires_on")
    grant = session.scalar(select(QualificationGrant).where(QualificationGrant.member_id == member.id,
                                                            QualificationGrant.qualification_id == qualification.id))
    if grant is None:
        grant = QualificationGrant(member_id=member.id, qualification_id=qualification.id)
        session.add(grant)
    grant.expires_on, grant.granted_by_id, grant.granted_at = expires_on, actor.id, now
    grant.revoked_at = grant.revoked_by_id = None
    if expires_on is None:
        notify(session, member.id, "qualification_granted", "You now hold the qualification %(qualification)s.", now,
               qualification=qualification.name)
    else:
        notify(session, member.id, "qualification_granted",
               "You now hold the qualification %(qualification)s, valid until %(expires)s.", now,
               qualification=qualification.name, expires=expires_on.isoformat())
    session.flush()
    return grant


def revoke_grant(session: Session, actor: Member, grant_id: int, now: datetime) -> QualificationGrant:
    """Revoke a grant. Bookings already made are kept (a coordinator cancels them if need be)."""
    grant = get_grant(session, actor, grant_id)
    if grant.revoked_at is not None:
        raise Conflict("This qualification is already revoked.")
    grant.revoked_at, grant.revoked_by_id = now, actor.id
    notify(session, grant.member_id, "qualification_revoked", "Your qualification %(qualification)s was revoked.",
           now, qualification=grant.qualification.name)
    session.flush()
    return grant
