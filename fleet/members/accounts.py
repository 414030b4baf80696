"""Member accounts: sign-up, authentication with throttling, passwords, home location, roles."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.geo import check_coordinates
from fleet.core.messages import msg
from fleet.models import Hub, LoginAttempt, Member, Role
from fleet.models.members import new_session_token

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# A real hash to compare against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address.", field="email")
    return email


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed("Use at least %(count)s characters for the password.", field="password",
                               count=MIN_PASSWORD_LENGTH)
    if len(password) > 1024:
        raise ValidationFailed("That password is too long.", field="password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_member(session: Session, email: str, name: str, password: str, now: datetime,
                  role: Role = Role.member) -> Member:
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Enter your name (at most 120 characters).", field="name")
    check_password_strength(password)
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise Conflict("An account with this email already exists.", field="email")
    member = Member(email=email, name=name, password_hash=hash_password(password), role=role, created_at=now)
    session.add(member)
    session.flush()
    return member


class LoginThrottled(Forbidden):
    status = 429


def authenticate(session: Session, email: str, password: str, address: str, now: datetime,
                 max_per_account: int, max_per_address: int, window: timedelta) -> Member:
    """Return the member for these credentials or raise. Failures are recorded; too many recent failures
    for the account or the client address refuse further attempts until the window passes."""
    email = (email or "").strip().lower()
    since = now - window
    per_account = session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.email == email, LoginAttempt.at > since))
    per_address = session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.address == address, LoginAttempt.at > since))
    if per_account >= max_per_account or per_address >= max_per_address:
        # `msg`: LoginThrottled is not an extraction keyword, the template must still reach the catalogue
        raise LoginThrottled(msg("Too many failed attempts. Wait a few minutes and try again."))
    member = session.scalar(select(Member).where(Member.email == email))
    valid = check_password_hash(member.password_hash if member else _DUMMY_HASH, password or "")
    if not valid or member is None:
        session.add(LoginAttempt(email=email[:254], address=address[:64], at=now))
        session.flush()
        raise ValidationFailed("Email or password is not right.", field="password")
    if not member.active:
        raise Forbidden("This account is deactivated. Ask a coordinator.")
    return member


def end_sessions(member: Member) -> None:
    """Make every session cookie issued so far unusable."""
    member.session_token = new_session_token()


def change_password(session: Session, member: Member, current: str, new: str) -> None:
    if not check_password_hash(member.password_hash, current or ""):
        raise ValidationFailed("The current password is not right.", field="current_password")
    check_password_strength(new)
    member.password_hash = hash_password(new)
    end_sessions(member)
    session.flush()


def set_home(session: Session, member: Member, *, lat: float | None = None, lon: float | None = None,
             hub_id: int | None = None) -> None:
    """Home is either coordinates or 'near hub X'; setting one clears the other."""
    if hub_id is not None:
        hub = session.get(Hub, hub_id)
        if hub is None or hub.retired:
            raise ValidationFailed("Choose one of the hubs.", field="home_hub_id")
        member.home_hub_id, member.home_lat, member.home_lon = hub.id, None, None
    elif lat is None and lon is None:
        member.home_hub_id, member.home_lat, member.home_lon = None, None, None
    else:
        member.home_lat, member.home_lon = check_coordinates(lat, lon)
        member.home_hub_id = None
    session.flush()


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("No such member.")
    return member


@dataclass(frozen=True)
class MemberPage:
    members: list[Member]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_members(session: Session, actor: Member, search: str = "", page: int = 1, per_page: int = 50) -> MemberPage:
    """Members by name, those whose name or email contains `search`, one page at a time (pages from 1)."""
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators can list members.")
    stmt = select(Member)
    search = (search or "").strip()[:254]
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Member.name.ilike(pattern, escape="\\") | Member.email.ilike(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = min(max(1, page), max(1, -(-total // per_page)))
    stmt = stmt.order_by(Member.name, Member.id).offset((page - 1) * per_page).limit(per_page)
    members = list(session.scalars(stmt))
    return MemberPage(members, total, page, per_page)


def set_role(session: Session, actor: Member, member_id: int, role: Role) -> Member:
    """Coordinators promote members to coordinator; only admins grant or remove admin."""
    if not actor.is_coordinator:
        raise NotFound("No such member.")
    member = get_member(session, member_id)
    if (role == Role.admin or member.role == Role.admin) and not actor.is_admin:
        raise Forbidden("Only an admin can grant or remove the admin role.")
    if member.id == actor.id and role != actor.role:
        raise ValidationFailed("You cannot change your own role.", field="role")
    member.role = role
    session.flush()
    return member


def set_active(session: Session, actor: Member, member_id: int, active: bool) -> Member:
    if not actor.is_coordinator:
        raise NotFound("No such member.")
    member = get_member(session, member_id)
    if member.id == actor.id:
        raise ValidationFailed("You cannot deactivate yourself.", field="active")
    if member.role == Role.admin and not actor.is_admin:
        raise Forbidden("Only an admin can deactivate an admin.")
    member.active = active
    if not active:
        end_sessions(member)
    session.flush()
    return member
