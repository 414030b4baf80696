"""Utilisation and impact pages: the public pool page, the coordinator dashboard with its factor settings, and
a member's own share. Every table has a CSV export; charts are drawn by static/js/stats-charts.js."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.pools import chosen_pool, coordinated, reader
from app.read_replica import read_only_session
from fleet.members.pools import visible_pool_ids
from app.i18n import translate_message
from app.forms import field_errors
from app.transaction import on_refusal
from app.web import stats_tables as t
from app.web.category_names import reader_names, rename_categories
from fleet.reporting import impact as impact_service
from fleet.reporting import utilisation as util
from fleet.catalogue.categories import list_categories
from fleet.core.db import utcnow
from fleet.core.errors import DomainError, ValidationFailed
from fleet.catalogue.hubs import list_hubs

bp = Blueprint("stats", __name__)
DEFAULT_WEEKS = 13
QUERY_KEYS = ("from", "until", "hub", "category", "asset", "idle_below")


@bp.app_template_filter("dict_without")
def _dict_without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


@bp.app_template_filter("dict_with")
def _dict_with(mapping: dict, key: str, value) -> dict:
    return {**mapping, key: value}


bp.add_app_template_filter(t.cell_text, "stats_cell")
bp.add_app_template_filter(t.source_label, "source_label")


def _query() -> dict[str, str]:
    """The page's own query parameters, to carry into its CSV and drill-down links."""
    return {k: request.args[k] for k in QUERY_KEYS if request.args.get(k)}


def _date_arg(name: str) -> datetime | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=timezone.utc)
    except ValueError:
        raise ValidationFailed("%(name)s must be a date, YYYY-MM-DD.", field=name, name=name) from None


def _period(now: datetime) -> util.Period:
    """From the `from` and `until` dates (UTC, until exclusive), else the last 13 weeks."""
    return util.resolve_period(_date_arg("from"), _date_arg("until"), now, DEFAULT_WEEKS)


def _int_arg(name: str) -> int | None:
    text = request.args.get(name) or ""
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def _threshold() -> float:
    try:
        value = float(request.args.get("idle_below") or util.DEFAULT_IDLE_THRESHOLD * 100)
    except ValueError:
        raise ValidationFailed("The idle threshold must be a percentage.", field="idle_below") from None
    if not 0 <= value <= 100:
        raise ValidationFailed("The idle threshold must be between 0 and 100 %.", field="idle_below")
    return value / 100


def _coordinator() -> None:
    if not current_user.is_coordinator:
        abort(403)


def _csv(table: t.Table, prefix: str) -> Response:
    return Response(t.to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{prefix}-{table.name}.csv"'})


# --- the public pool page --------------------------------------------------------------------------------------

def _public_pool():
    """The pool the public page is about: one the reader may see (`pool` chooses), by default the first."""
    return chosen_pool(visible_pool_ids(db.session, reader()))[1]


def _pool_data():
    now = utcnow()
    period = _period(now)
    pools = {_public_pool().id} if _public_pool() else set()
    reads = read_only_session()
    report = util.utilisation_report(reads, period.start, period.end, pool_ids=pools)
    impact = impact_service.impact_report(reads, now, pool_ids=pools)
    rename_categories(reader_names(reads), report=report, impact=impact)
    tables = util_tables = t.utilisation_tables(report, with_assets=False)
    tables = {**util_tables, "impact": t.impact_table(impact)}
    charts = {"categories": t.utilisation_chart(report.categories), "weeks": t.weekly_chart(report),
              "impact": t.impact_chart(impact)}
    return report, impact, tables, charts


@bp.route("/pool")
def pool():
    try:
        report, impact, tables, charts = _pool_data()
    except ValidationFailed as exc:
        abort(400, translate_message(exc))
    return render_template("stats/pool.html", report=report, impact=impact, tables=tables, charts=charts,
                           sources=impact_service.source_table(), claims=impact_service.CLAIMS_NOT_USED,
                           caveats=impact_service.CAVEATS, args=_query(), csv_endpoint="stats.pool_csv")


@bp.route("/pool/<name>.csv")
def pool_csv(name: str):
    try:
        tables = _pool_data()[2]
    except ValidationFailed as exc:
        abort(400, translate_message(exc))
    if name not in tables:
        abort(404)
    return _csv(tables[name], "pool")


# --- the coordinator dashboard -----------------------------------------------------------------------------------

def _dashboard_data():
    period = _period(utcnow())
    scope = dict(hub_id=_int_arg("hub"), category_id=_int_arg("category"), asset_id=_int_arg("asset"))
    threshold = _threshold()
    reads = read_only_session()
    report = util.utilisation_report(reads, period.start, period.end, with_meter_use=True,
                                     pool_ids=coordinated(), **scope)
    heat = util.heat_map(reads, period.start, period.end, pool_ids=coordinated(), **scope)
    demand = util.demand_beside_supply(reads, report)
    rename_categories(reader_names(reads), report=report, demand=demand)
    tables = {**t.utilisation_tables(report, with_assets=True, with_meters=True),
              "idle": t.idle_table(report, threshold),
              "demand": t.demand_table(demand), "heatmap": t.heat_table(heat)}
    charts = {"categories": t.utilisation_chart(report.categories), "hubs": t.utilisation_chart(report.hubs),
              "weeks": t.weekly_chart(report), "demand": t.demand_chart(demand)}
    return report, heat, threshold, tables, charts


@bp.route("/stats")
@login_required
def dashboard():
    _coordinator()
    on_refusal(lambda exc: (render_template("stats/dashboard.html", errors=field_errors(exc), report=None,
                                            args=_query(), hubs=list_hubs(read_only_session(), pool_ids=coordinated()),
                                            categories=list_categories(read_only_session(), pool_ids=coordinated())),
                                            400), unless=())
    report, heat, threshold, tables, charts = _dashboard_data()
    return render_template("stats/dashboard.html", errors={}, report=report, heat=heat,
                           heat_classes=t.heat_classes(heat), threshold=threshold, tables=tables, charts=charts,
                           hubs=list_hubs(read_only_session(), pool_ids=coordinated()),
                           categories=list_categories(read_only_session(), pool_ids=coordinated()), args=_query(),
                           weekdays=util.WEEKDAYS, sources=util.unmet_demand_sources(),
                           csv_endpoint="stats.dashboard_csv")


@bp.route("/stats/<name>.csv")
@login_required
def dashboard_csv(name: str):
    _coordinator()
    try:
        tables = _dashboard_data()[3]
    except DomainError as exc:
        abort(400, translate_message(exc))
    if name not in tables:
        abort(404)
    return _csv(tables[name], "dashboard")


# --- impact factors per category (coordinators) ------------------------------------------------------------------

@bp.route("/stats/factors", methods=["GET", "POST"])
@login_required
def factors():
    _coordinator()
    if request.method == "POST":
        form = request.form
        on_refusal(lambda exc: _factors_page({**field_errors(exc), "_form": translate_message(exc)}), unless=())
        category_id = int(form.get("category_id") or 0)
        if form.get("action") == "reset":
            impact_service.reset_category_factors(db.session, current_user, category_id)
        else:
            overrides = {}
            for name in impact_service.OVERRIDABLE:
                triple = [form.get(f"{name}_{s}", "").strip() for s in impact_service.SCENARIOS]
                if any(triple):
                    overrides[name] = triple
            impact_service.set_category_factors(db.session, current_user, category_id,
                                                form.get("factor_key") or None, overrides, form.get("note", ""),
                                                utcnow())
        flash(_("Impact factors saved."), "success")
        return redirect(url_for("stats.factors"))
    return _factors_page({})


def _factors_page(errors: dict):
    return render_template("stats/factors.html", choices=impact_service.category_choices(db.session),
                           categories=list_categories(db.session, pool_ids=coordinated()), table=impact_service.factor_table(),
                           labels=impact_service.FIELD_LABELS, fields=impact_service.OVERRIDABLE,
                           scenarios=impact_service.SCENARIOS, errors=errors), (400 if errors else 200)


# --- a member's share ---------------------------------------------------------------------------------------------

@bp.route("/my/share")
@login_required
def my_share():
    period, lines = impact_service.member_share(read_only_session(), current_user, utcnow())
    rename_categories(reader_names(read_only_session()), share=lines)
    table = t.share_table(lines)
    return render_template("stats/share.html", period=period, lines=lines, table=table,
                           total_hours=sum(line.hours for line in lines), charts={"share": t.share_chart(lines)},
                           total_co2e=t.total_band(line.owned_co2e_kg for line in lines))


@bp.route("/my/share.csv")
@login_required
def my_share_csv():
    _, lines = impact_service.member_share(read_only_session(), current_user, utcnow())
    rename_categories(reader_names(read_only_session()), share=lines)
    return _csv(t.share_table(lines), "my")
