"""Member accounts: sign-up, authentication with throttling, passwords, home location, roles."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.geo import check_coordinates
from fleet.core.messages import msg
from fleet.core.text import single_line
from fleet.members.passwords import check_password_strength
from fleet.members.pools import coordinated_pool_ids, default_pool, join_pool, pool_for_new_object
from fleet.members.tokens import revoke_all_tokens
from fleet.models import Hub, LoginThrottle, Member, PoolMembership, PoolRole, Role
from fleet.models.members import new_session_token

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A real hash to compare against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def normalise_email(email: str) -> str:
    email = single_line(email, "email").lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address.", field="email")
    return email


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_member(session: Session, email: str, name: str, password: str, now: datetime,
                  role: Role = Role.member, site_names: Iterable[str] = (), pool_id: int | None = None) -> Member:
    """A new member of pool `pool_id` (None: the default pool), its coordinator when `role` is coordinator. The
    password must pass the policy (fleet.members.passwords), judged against this email, name and `site_names`
    (the names the pool goes by)."""
    email = normalise_email(email)
    name = single_line(name, "name")
    if not name or len(name) > 120:
        raise ValidationFailed("Enter your name (at most 120 characters).", field="name")
    check_password_strength(password, email=email, name=name, site_names=site_names)
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise Conflict("An account with this email already exists.", field="email")
    # made by an operator (the CLI, an admin), so approved at once; sign-up is where accounts wait
    member = Member(email=email, name=name, password_hash=hash_password(password), role=role, created_at=now,
                    approved_at=now)
    session.add(member)
    session.flush()
    join_pool(session, member, pool_id if pool_id is not None else default_pool(session).id,
              PoolRole.coordinator if role == Role.coordinator else PoolRole.member)
    return member


def add_member(session: Session, actor: Member, email: str, name: str, password: str, now: datetime,
               role: Role = Role.member, site_names: Iterable[str] = (), pool_id: int | None = None) -> Member:
    """A coordinator adds an account for someone (who can change the password later) to one of the pools they
    coordinate, with the password policy of sign-up; only an admin adds an admin."""
    if not actor.is_coordinator:
        raise Forbidden("Only a coordinator can add members.")
    if role == Role.admin and not actor.is_admin:
        raise Forbidden("Only an admin can add an admin.", field="role")
    pool_id = pool_for_new_object(session, actor, pool_id)
    return create_member(session, email, name, password, now, role=role, site_names=site_names, pool_id=pool_id)


class LoginThrottled(Forbidden):
    """Raised with the wait in whole seconds as `seconds`; the delivery layer sends it as Retry-After."""

    status = 429

    @property
    def retry_after(self) -> int:
        return int(self.params["seconds"])


@dataclass(frozen=True)
class LoginPolicy:
    """How hard guessing is made. Under each key (an account from one client address, and a client address)
    the first `max_per_account` / `max_per_address` failures are free; the N-th failure past that makes the
    next attempt under the key wait 2**(N - limit) seconds, at most `max_delay`. Failures are forgotten
    after `window` without a new one, counted from the end of the delay."""

    max_per_account: int
    max_per_address: int
    window: timedelta
    max_delay: timedelta


@dataclass(frozen=True)
class LoginClaim:
    """An attempt counted as a failure before its password is checked; `check_login` takes it back when the
    password is right. `previous_wait` holds each key's delay from before the claim."""

    email: str
    account_key: str
    address_key: str
    previous_wait: dict[str, datetime | None]


def _locked_throttle_row(session: Session, key: str) -> LoginThrottle:
    """The key's row, created when missing, locked until the transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL; on SQLite every transaction is BEGIN IMMEDIATE and so already holds the write lock)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(LoginThrottle.__table__).values(key=key, failures=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    return session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                           .execution_options(populate_existing=True)).one()


def _delay(failures: int, limit: int, max_delay: timedelta) -> timedelta | None:
    if failures < limit:
        return None
    return min(timedelta(seconds=2 ** min(failures - limit, 30)), max_delay)


def claim_login_attempt(session: Session, email: str, address: str, now: datetime,
                        policy: LoginPolicy) -> LoginClaim:
    """Count this attempt as a failure of its account from this address and of this address, or raise
    LoginThrottled while a delay from earlier failures runs. The caller commits before checking the password
    (`check_login`): parallel attempts then each see the ones claimed before them. Someone else's failures
    from another address never delay this one."""
    email = single_line(email, "email").lower()[:254]
    address = (address or "unknown")[:64]
    account_key, address_key = f"account:{address} {email}", f"address:{address}"
    limits = {account_key: policy.max_per_account, address_key: policy.max_per_address}
    rows = [_locked_throttle_row(session, key) for key in sorted(limits)]  # one order: no deadlock
    for row in rows:
        quiet_since = max(filter(None, (row.last_failure_at, row.wait_until)), default=None)
        if quiet_since is not None and now - quiet_since >= policy.window:
            row.failures, row.last_failure_at, row.wait_until = 0, None, None
    waits = [row.wait_until - now for row in rows if row.wait_until is not None and row.wait_until > now]
    if waits:
        session.flush()
        # `msg`: LoginThrottled is not an extraction keyword, the template must still reach the catalogue
        raise LoginThrottled(msg("Too many failed attempts. Wait a moment and try again (%(seconds)s s)."),
                             seconds=max(1, math.ceil(max(waits).total_seconds())))
    previous = {row.key: row.wait_until for row in rows}
    for row in rows:
        row.failures += 1
        row.last_failure_at = now
        delay = _delay(row.failures, limits[row.key], policy.max_delay)
        row.wait_until = now + delay if delay is not None else row.wait_until
    session.flush()
    return LoginClaim(email, account_key, address_key, previous)


def check_login(session: Session, claim: LoginClaim, password: str) -> Member:
    """The member whose email and password these are, or ValidationFailed (the claim stays a failure).
    A right password takes the claim back: the account's count from this address starts again."""
    member = session.scalar(select(Member).where(Member.email == claim.email))
    valid = check_password_hash(member.password_hash if member else _DUMMY_HASH, password or "")
    if not valid or member is None:
        raise ValidationFailed("Email or password is not right.", field="password")
    account = _locked_throttle_row(session, claim.account_key)
    account.failures, account.last_failure_at, account.wait_until = 0, None, None
    address = _locked_throttle_row(session, claim.address_key)
    address.failures = max(0, address.failures - 1)
    address.wait_until = claim.previous_wait.get(claim.address_key)
    session.flush()
    if not member.active:
        raise Forbidden("This account is deactivated. Ask a coordinator.")
    return member


def end_sessions(member: Member) -> None:
    """Make every session cookie issued so far unusable."""
    member.session_token = new_session_token()


def change_password(session: Session, member: Member, current: str, new: str, now: datetime,
                    site_names: Iterable[str] = ()) -> None:
    """Set a new password. Whoever may have learnt the old one loses what it gave them: every other session
    ends and every API token is revoked (the caller logs the current session in again)."""
    if not check_password_hash(member.password_hash, current or ""):
        raise ValidationFailed("The current password is not right.", field="current_password")
    check_password_strength(new, email=member.email, name=member.name, site_names=site_names)
    member.password_hash = hash_password(new)
    end_sessions(member)
    revoke_all_tokens(session, member, now)
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


def shared_pool_ids(session: Session, actor: Member, member: Member) -> set[int]:
    """The pools `actor` coordinates that `member` belongs to."""
    return coordinated_pool_ids(session, actor) & {m.pool_id for m in member.pool_memberships}


def get_coordinated_member(session: Session, actor: Member, member_id: int) -> Member:
    """A member of one of the pools `actor` coordinates (the administrator: anyone); else NotFound, as if the
    member did not exist."""
    if not actor.is_coordinator:
        raise NotFound("No such member.")
    member = get_member(session, member_id)
    if not actor.is_admin and not shared_pool_ids(session, actor, member):
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
    if not actor.is_admin:
        stmt = stmt.where(Member.id.in_(select(PoolMembership.member_id).where(
            PoolMembership.pool_id.in_(coordinated_pool_ids(session, actor)))))
    search = single_line(search, "search")[:254]
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
    member = get_coordinated_member(session, actor, member_id)
    if (role == Role.admin or member.role == Role.admin) and not actor.is_admin:
        raise Forbidden("Only an admin can grant or remove the admin role.")
    if member.id == actor.id and role != actor.role:
        raise ValidationFailed("You cannot change your own role.", field="role")
    # the role in the pools both share; the member row's role says "coordinator" while they coordinate any pool
    pool_role = PoolRole.coordinator if role == Role.coordinator else PoolRole.member
    for pool_id in shared_pool_ids(session, actor, member):
        join_pool(session, member, pool_id, pool_role)
    if role == Role.admin:
        member.role = Role.admin
    else:
        coordinates = any(m.role == PoolRole.coordinator for m in member.pool_memberships)
        member.role = Role.coordinator if coordinates else Role.member
    session.flush()
    return member


def set_active(session: Session, actor: Member, member_id: int, active: bool) -> Member:
    member = get_coordinated_member(session, actor, member_id)
    if member.id == actor.id:
        raise ValidationFailed("You cannot deactivate yourself.", field="active")
    if member.role == Role.admin and not actor.is_admin:
        raise Forbidden("Only an admin can deactivate an admin.")
    member.active = active
    if not active:
        end_sessions(member)
    session.flush()
    return member
