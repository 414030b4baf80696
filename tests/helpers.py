"""Builders for test data and small helpers shared by the test packages."""
from __future__ import annotations

import uuid

import os
import socket
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from fleet.members.accounts import hash_password
from fleet.members.pools import default_pool, join_pool
from fleet.models import (
    Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, Hub, Member, Pool, PoolRole, Role,
)

PASSWORD = "correct horse battery"
_HASH_CACHE: dict[str, str] = {}


def postgres_admin_url() -> str:
    return os.environ.get("COMMONPOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return bool(os.environ.get("COMMONPOOL_TEST_POSTGRES_URL"))


# "Today" for the whole test session, fixed when it starts: a module-level NOW = at(0, 6) and an at(3, 8)
# inside a test must agree even when the run crosses midnight.
TODAY = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def at(days: int = 1, hour: int = 10, minute: int = 0) -> datetime:
    """A UTC instant `days` from today at hour:minute; tests use the future so bookings are allowed."""
    return TODAY + timedelta(days=days, hours=hour, minutes=minute)


def password_hash() -> str:
    # scrypt is slow on purpose; one hash serves every test member
    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = hash_password(PASSWORD)
    return _HASH_CACHE[PASSWORD]


class Maker:
    """Creates rows with sensible defaults and flushes; tests override what they care about."""

    def __init__(self, session):
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def member(self, role: Role = Role.member, **kw) -> Member:
        n = self._next()
        pool = kw.pop("pool", None)
        m = Member(email=kw.pop("email", f"m{n}@example.org"), name=kw.pop("name", f"Member {n}"),
                   password_hash=password_hash(), role=role, **kw)
        self.session.add(m)
        self.session.flush()
        # a member of the default pool (or `pool`), its coordinator when role says so, as migration 0026 made them
        join_pool(self.session, m, (pool or self.pool()).id,
                  PoolRole.coordinator if role == Role.coordinator else PoolRole.member)
        return m

    def pool(self, slug: str | None = None, **kw) -> Pool:
        """The default pool (made when missing), or a new pool with this slug."""
        if slug is None:
            return default_pool(self.session)
        pool = Pool(slug=slug, name=kw.pop("name", slug.title()), **kw)
        self.session.add(pool)
        self.session.flush()
        return pool

    def hub(self, **kw) -> Hub:
        n = self._next()
        defaults = dict(name=f"Hub {n}", address="Main street 1", lat=52.09, lon=5.12,
                        timezone="Europe/Amsterdam", opening_hours="24/7")
        pool = kw.pop("pool", None) or self.pool()
        hub = Hub(**{**defaults, "pool_id": pool.id, **kw})
        self.session.add(hub)
        self.session.flush()
        return hub

    def category(self, **kw) -> Category:
        n = self._next()
        defaults = dict(name=f"Category {n}", kind=CategoryKind.vehicle, min_duration_minutes=30,
                        max_duration_minutes=3 * 1440, min_notice_minutes=0, max_advance_days=90,
                        approval_required=False, capability_schema={"seats": "number", "towbar": "bool"})
        pool = kw.pop("pool", None) or self.pool()
        category = Category(**{**defaults, "pool_id": pool.id, **kw})
        self.session.add(category)
        self.session.flush()
        return category

    def asset(self, category: Category | None = None, hub: Hub | None = None, **kw) -> Asset:
        n = self._next()
        category = category or self.category()
        hub = hub or self.hub()
        defaults = dict(name=f"Asset {n}", capabilities={"seats": 5, "towbar": True}, status=AssetStatus.active)
        asset = Asset(category_id=category.id, hub_id=hub.id, **{**defaults, **kw})
        self.session.add(asset)
        self.session.flush()
        return asset

    def booking(self, asset: Asset, member: Member, start: datetime, end: datetime,
                status: BookingStatus = BookingStatus.confirmed) -> Booking:
        booking = Booking(asset_id=asset.id, member_id=member.id, start_at=start, end_at=end, status=status)
        self.session.add(booking)
        self.session.flush()
        return booking


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def make_admin(session) -> Member:
    """The installation's administrator, for what belongs to every pool (installation settings, partners)."""
    return Maker(session).member(Role.admin, email=f"admin-{uuid.uuid4().hex[:12]}@example.org")


@contextmanager
def each_statement(engine, note: Callable):
    """While open, a list of `note(connection, statement)` for every statement the engine sends."""
    seen: list = []

    def record(conn, _cursor, statement, *_args):
        seen.append(note(conn, statement))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
