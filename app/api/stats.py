"""GET /stats/utilisation and /stats/impact: the figures of the pool page and the dashboard, as JSON.

Public like the pool page: nothing here names, mails or locates a member."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import PUBLIC_ENDPOINTS
from app.api.input import datetime_arg, float_arg, int_arg
from app.extensions import db
from app.pools import chosen_pool
from app.read_replica import read_only_session
from fleet.members.pools import public_pool_ids
from fleet.reporting import impact as impact_service
from fleet.reporting import utilisation as util
from fleet.core.db import utcnow

PUBLIC_ENDPOINTS.update({"api.utilisation_stats", "api.impact_stats"})
DEFAULT_WEEKS = 13


def _pool_ids() -> set[int]:
    """The public pool the figures are about (`pool_id`; by default the first public pool by name)."""
    pool = chosen_pool(public_pool_ids(db.session), "pool_id", blank=False)[1]
    return {pool.id} if pool else set()


@bp.get("/stats/utilisation")
def utilisation_stats():
    period = util.resolve_period(datetime_arg("from"), datetime_arg("until"), utcnow(), DEFAULT_WEEKS)
    scope = dict(hub_id=int_arg("hub"), category_id=int_arg("category"), asset_id=int_arg("asset"))
    idle_below = float_arg("idle_below", 0, 100)
    threshold = util.DEFAULT_IDLE_THRESHOLD if idle_below is None else idle_below / 100
    pools = _pool_ids()
    reads = read_only_session()
    report = util.utilisation_report(reads, period.start, period.end, pool_ids=pools, **scope)
    heat = util.heat_map(reads, report.period.start, report.period.end, pool_ids=pools, **scope)
    demand = util.demand_beside_supply(reads, report)
    return jsonify({
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "pool": report.pool.as_dict(),
        "categories": [r.as_dict() for r in report.categories],
        "types": [r.as_dict() for r in report.types],
        "hubs": [r.as_dict() for r in report.hubs],
        "assets": [r.as_dict() for r in report.assets],
        "idle_assets": [r.as_dict() for r in report.idle_assets(threshold)],
        "idle_below": threshold * 100,
        "weeks": [w.as_dict() for w in report.weeks],
        "heat_map": heat.as_dict(),
        "unmet_demand": [d.as_dict() for d in demand],
        "definitions": {
            "bookable_hours": "The hub's opening hours in its own zone, minus maintenance.",
            "booked_hours": "Confirmed, checked-out and completed bookings inside the opening hours.",
            "held_hours": "The whole time such bookings keep the asset, inside the period.",
            "utilisation": "booked_hours / bookable_hours; null when nothing was bookable.",
            "unmet_demand": "From: " + ", ".join(util.unmet_demand_sources()) + ".",
        },
    })


@bp.get("/stats/impact")
def impact_stats():
    report = impact_service.impact_report(read_only_session(), utcnow(), category_id=int_arg("category"),
                                          pool_ids=_pool_ids())
    return jsonify({**report.as_dict(), "sources": impact_service.source_table()})
