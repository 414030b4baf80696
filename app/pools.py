"""Which pool a page or an API call is about, when the reader belongs to several: the `pool` query or form
value, when it names one of the pools offered, else the first of them (by name)."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.extensions import db
from fleet.core.errors import ValidationFailed
from fleet.members.pools import coordinated_pool_ids, pools_of
from fleet.models import Pool


def chosen_pool(pool_ids: set[int], name: str = "pool", blank: bool = True) -> tuple[list[Pool], Pool | None]:
    """The pools offered (by name) and the one chosen among them (None when none is offered). `blank`: an empty
    value means no choice, as a form's empty option does; the API (blank=False) refuses it, as its schema says."""
    pools = pools_of(db.session, pool_ids)
    text = request.values.get(name)
    wanted = None
    if text == "" and not blank:
        raise ValidationFailed("Choose one of the pools.", field=name)
    if text not in (None, ""):
        try:
            wanted = int(text)
        except ValueError:
            wanted = 0
        if not 0 < wanted < 2**31:
            raise ValidationFailed("Choose one of the pools.", field=name)
    chosen = next((p for p in pools if p.id == wanted), pools[0] if pools else None)
    return pools, chosen





def reader():
    """Who is asking: the API token's member in the API, else the logged-in member (None: nobody)."""
    member = g.get("api_member") or current_user
    return member if getattr(member, "is_authenticated", False) else None


def coordinated() -> set[int]:
    """The pools the one asking coordinates (the administrator: every pool)."""
    return coordinated_pool_ids(db.session, reader())


def coordinated_pools() -> list[Pool]:
    return pools_of(db.session, coordinated())
