"""Lists to choose from: a pool's hubs or categories by name, by one prebuilt statement per shape."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, load_only
from sqlalchemy.sql import Select


def list_by_name(session: Session, model: type, include_retired: bool = False, pool_ids: set[int] | None = None,
                 shown: tuple[str, ...] | None = None) -> list:
    """Rows of `model` (named, retirable, of a pool) by name; only those of `pool_ids` when given. `shown`: the only
    columns loaded (what a list to choose from shows); the rest loads on first use."""
    stmt = _statement(model, include_retired, pool_ids is not None, shown)
    return list(session.scalars(stmt, {"pool_ids": sorted(pool_ids)} if pool_ids is not None else {}))


@cache
def _statement(model: type, include_retired: bool, by_pools: bool, shown: tuple[str, ...] | None) -> Select:
    # Built once per shape (every search page lists both for its form): its cache key costs more than its run.
    stmt = select(model).order_by(model.name)
    if not include_retired:
        stmt = stmt.where(model.retired.is_(False))
    if by_pools:
        stmt = stmt.where(model.pool_id.in_(bindparam("pool_ids", expanding=True)))
    return stmt.options(load_only(*(getattr(model, column) for column in shown))) if shown else stmt
