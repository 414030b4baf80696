"""The open-book pages: the public cost summary per category (/pool/costs, no personal data) and a member's
own ledger (/my/ledger)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.extensions import db
from app.i18n import translate_message
from app.web.stats import _period
from fleet.reporting import costs as cost_service
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed

bp = Blueprint("costs", __name__)


@bp.route("/pool/costs")
def pool_costs():
    now = utcnow()
    try:
        period = _period(now) if request.args.get("from") or request.args.get("until") \
            else cost_service.default_period(now)
    except ValidationFailed as exc:
        abort(400, translate_message(exc))
    summary = cost_service.cost_summary(db.session, period)
    return render_template("costs/pool.html", summary=summary)


@bp.route("/my/ledger")
@login_required
def my_ledger():
    return render_template("costs/my_ledger.html", ledger=cost_service.member_ledger(db.session, current_user))
