"""Coordinator pages under /manage: approvals, hubs, categories, assets, maintenance, members."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from app.pools import coordinated_pools

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
@login_required
def _coordinators_only():
    if not current_user.is_coordinator:
        abort(403)


@bp.context_processor
def _pools():
    """The pools this coordinator runs: a form that creates something offers them when there are several."""
    return {"my_pools": coordinated_pools}


from app.web.manage import (  # noqa: E402,F401  (routes register on import)
    asset_import, assets, categories, dashboard, eligibility, hubs, maintenance, members, optimiser,
)
from app.web.manage import asset_photos, costs, planning, tariffs  # noqa: E402,F401
from app.web.manage import partners  # noqa: E402,F401
from app.web.manage import agreements  # noqa: E402,F401
from app.web.manage import pools  # noqa: E402,F401
