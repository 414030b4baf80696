"""The open-book pages: the public cost summary per category (/pool/costs, no personal data) and a member's
own ledger (/my/ledger)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.pools import chosen_pool, reader
from app.read_replica import read_only_session
from fleet.members.pools import visible_pool_ids
from app.i18n import translate_message
from app.web.stats import _period
from fleet.reporting import costs as cost_service
from fleet.reporting import statements
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models import Member

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

bp = Blueprint("costs", __name__)


@bp.route("/pool/costs")
def pool_costs():
    now = utcnow()
    try:
        period = _period(now) if request.args.get("from") or request.args.get("until") \
            else cost_service.default_period(now)
    except ValidationFailed as exc:
        abort(400, translate_message(exc))
    pools, pool = chosen_pool(visible_pool_ids(db.session, reader()))
    summary = cost_service.cost_summary(read_only_session(), period, pool.id if pool else -1)
    return render_template("costs/pool.html", summary=summary, pools=pools, pool=pool)


@bp.route("/my/ledger")
@login_required
def my_ledger():
    return render_template("costs/my_ledger.html", ledger=cost_service.member_ledger(db.session, current_user))


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text  # no formula injection


def statement_response(member: Member, csv_url: str):
    """A member's monthly statement (`month` = YYYY-MM, default this month): the printable page, or CSV with
    `format=csv`."""
    try:
        month = statements.parse_month(request.args.get("month"), utcnow().date())
    except ValidationFailed as exc:
        abort(400, translate_message(exc))
    statement = statements.monthly_statement(db.session, member, month)
    if request.args.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in statements.statement_rows(statement):
            writer.writerow([_text_cell(c) if i in (3, 4) else c for i, c in enumerate(row)])
        return Response(buffer.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="statement-{statement.label}.csv"'})
    return render_template("costs/statement.html", statement=statement,
                           csv_url=csv_url + ("&" if "?" in csv_url else "?") + f"month={statement.label}&format=csv")


@bp.route("/my/statement")
@login_required
def statement():
    return statement_response(current_user, url_for("costs.statement"))
