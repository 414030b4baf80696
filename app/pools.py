"""Which pool a page or an API call is about, when the reader belongs to several: the `pool` query or form
value, when it names one of the pools offered, else the first of them (by name)."""
from __future__ import annotations

from flask import request

from app.extensions import db
from fleet.members.pools import pools_of
from fleet.models import Pool


def chosen_pool(pool_ids: set[int], name: str = "pool") -> tuple[list[Pool], Pool | None]:
    """The pools offered (by name) and the one chosen among them (None when none is offered)."""
    pools = pools_of(db.session, pool_ids)
    wanted = request.values.get(name, type=int)
    chosen = next((p for p in pools if p.id == wanted), pools[0] if pools else None)
    return pools, chosen


def pool_body(pool: Pool) -> dict:
    """A pool as the API names it in other objects."""
    return {"id": pool.id, "slug": pool.slug, "name": pool.name}
