"""Fleet planning for coordinators: compute a plan on the recorded demand (on a POST, stored), read its
recommendations with their evidence, download the instance it ran on."""
from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors, optional_float, required_int
from app.i18n import N_
from app.web.manage import bp
from fleet import planning as planning_service
from fleet.db import utcnow
from fleet.errors import DomainError, ValidationFailed

DEFAULTS = {"days": "28", "time_limit": "30"}


def _list_page(form: dict, errors: dict, status: int = 200):
    return render_template("manage/planning.html", runs=planning_service.list_plans(db.session, current_user),
                           form=form, errors=errors, max_days=planning_service.MAX_PERIOD_DAYS,
                           max_time=int(planning_service.MAX_TIME_LIMIT)), status


@bp.route("/planning")
def planning():
    return _list_page(DEFAULTS, {})


@bp.route("/planning", methods=["POST"])
def start_planning():
    form = request.form
    try:
        time_limit = optional_float(form, "time_limit")
        if time_limit is None:
            raise ValidationFailed("Enter a time limit in seconds.", field="time_limit")
        run = planning_service.create_plan(db.session, current_user, required_int(form, "days", N_("a period in days")),
                                           time_limit, utcnow())
        run_id = run.id
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _list_page(form.to_dict(), field_errors(exc), exc.status)
    return redirect(url_for("manage.planning_run", run_id=run_id))


@bp.route("/planning/<id:run_id>")
def planning_run(run_id: int):
    view = planning_service.get_plan(db.session, current_user, run_id)
    return render_template("manage/planning_run.html", run=view.run, report=view.report)


@bp.route("/planning/<id:run_id>/instance.json")
def planning_instance(run_id: int):
    view = planning_service.get_plan(db.session, current_user, run_id)
    return Response(view.run.instance_json, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="planning-{run_id}-instance.json"'})


@bp.route("/planning/<id:run_id>/report.json")
def planning_report(run_id: int):
    view = planning_service.get_plan(db.session, current_user, run_id)
    return Response(json.dumps(view.report, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="planning-{run_id}-report.json"'})
