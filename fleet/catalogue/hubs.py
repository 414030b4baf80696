"""Coordinator services for hubs."""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from fleet.catalogue.listing import list_by_name
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.geo import check_coordinates
from fleet.core.localtime import is_valid_zone_name
from fleet.models import Hub, Member
from fleet.core.opening_hours import parse_opening_hours
from fleet.core.text import multi_line, single_line
from fleet.members.pools import pool_for_new_object, require_object_pool


def list_hubs(session: Session, include_retired: bool = False, pool_ids: set[int] | None = None,
              names_only: bool = False) -> list[Hub]:
    """Hubs by name; only those of `pool_ids` when given. `names_only`: loaded with only what a list to choose
    from shows (the rest loads on first use)."""
    return list_by_name(session, Hub, include_retired, pool_ids, ("pool_id", "name") if names_only else None)


class HubChoice(NamedTuple):
    id: int
    name: str


def hub_choices(session: Session, pool_ids: set[int] | None = None) -> list[HubChoice]:
    """The hubs in use by name, as a list to choose from shows them (id and name); only those of `pool_ids` when
    given. Plain rows, not objects: a search form lists every hub (seventy at ten times the demo). The statement is
    `list_hubs(..., names_only=True)`'s, so hubs of one name come in the same order."""
    rows = session.execute(_choices_statement(pool_ids is not None),
                           {"pool_ids": sorted(pool_ids)} if pool_ids is not None else {})
    return [HubChoice(hub_id, name) for hub_id, _pool_id, name in rows]


@cache
def _choices_statement(by_pools: bool) -> Select:
    stmt = select(Hub.id, Hub.pool_id, Hub.name).where(Hub.retired.is_(False)).order_by(Hub.name)
    return stmt.where(Hub.pool_id.in_(bindparam("pool_ids", expanding=True))) if by_pools else stmt


def get_hub(session: Session, hub_id: int) -> Hub:
    hub = session.get(Hub, hub_id)
    if hub is None:
        raise NotFound("No such hub.")
    return hub


def get_coordinated_hub(session: Session, actor: Member, hub_id: int) -> Hub:
    """A hub of a pool `actor` coordinates; another pool's hub is answered as a missing one."""
    hub = session.get(Hub, hub_id)
    require_object_pool(session, actor, hub.pool_id if hub is not None else None, NotFound("No such hub."))
    return hub


def _apply(session: Session, hub: Hub, name: str, address: str, lat: float | None, lon: float | None,
           timezone: str, opening_hours: str) -> None:
    name = single_line(name, "name")
    address = single_line(address, "address")
    opening_hours = multi_line(opening_hours, "opening_hours")
    if not name or len(name) > 120:
        raise ValidationFailed("Enter a name of at most 120 characters.", field="name")
    clash = session.scalar(select(Hub.id).where(Hub.pool_id == hub.pool_id, Hub.name == name,
                                                Hub.id != (hub.id or 0)))
    if clash is not None:
        raise Conflict("A hub named '%(name)s' exists already.", field="name", name=name)
    lat, lon = check_coordinates(lat, lon)
    timezone = single_line(timezone, "timezone")
    if not is_valid_zone_name(timezone):
        raise ValidationFailed("'%(zone)s' is not an IANA time zone such as Europe/Amsterdam.", field="timezone",
                               zone=timezone)
    parse_opening_hours(opening_hours)
    hub.name, hub.address, hub.lat, hub.lon = name, address[:300], lat, lon
    hub.timezone, hub.opening_hours = timezone, opening_hours


def create_hub(session: Session, actor: Member, *, name: str, address: str = "", lat: float | None,
               lon: float | None, timezone: str, opening_hours: str = "24/7", pool_id: int | None = None) -> Hub:
    """A new hub in pool `pool_id`, which `actor` coordinates (None: their only pool)."""
    hub = Hub(pool_id=pool_for_new_object(session, actor, pool_id))
    _apply(session, hub, name, address, lat, lon, timezone, opening_hours)
    session.add(hub)
    session.flush()
    return hub


def update_hub(session: Session, actor: Member, hub_id: int, *, name: str, address: str = "",
               lat: float | None, lon: float | None, timezone: str, opening_hours: str = "24/7") -> Hub:
    hub = get_coordinated_hub(session, actor, hub_id)
    _apply(session, hub, name, address, lat, lon, timezone, opening_hours)
    session.flush()
    return hub


def set_hub_retired(session: Session, actor: Member, hub_id: int, retired: bool) -> Hub:
    """A retired hub keeps its history; its assets can no longer be booked."""
    hub = get_coordinated_hub(session, actor, hub_id)
    hub.retired = retired
    session.flush()
    return hub
