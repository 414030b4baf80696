"""Fleet planning for coordinators: ask for a plan on the recorded demand (a POST stores it queued and hands it
to a background job), watch it being computed, read its recommendations with their evidence, download the
instance it ran on."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors, optional_int, required_int, required_time_limit
from app.i18n import N_, translate_message
from app.jobs import start_planning_run
from app.transaction import after_commit, flash_on_refusal, on_refusal
from app.web.manage import bp
from fleet.core import job_runs
from fleet.reporting import fleet_plans as planning_service
from fleet.core.db import utcnow

DEFAULTS = {"days": "28", "time_limit": "30"}
REFRESH_SECONDS = 2


def _list_page(form: dict, errors: dict, status: int = 200):
    runs, _total = planning_service.list_plans(db.session, current_user)
    return render_template("manage/planning.html", runs=runs, form=form, errors=errors,
                           max_days=planning_service.MAX_PERIOD_DAYS,
                           max_time=int(planning_service.MAX_TIME_LIMIT)), status


@bp.route("/planning")
def planning():
    return _list_page(DEFAULTS, {})


@bp.route("/planning", methods=["POST"])
def start_planning():
    form = request.form
    on_refusal(lambda exc: _list_page(form.to_dict(), field_errors(exc), exc.status), unless=(403, 404))
    time_limit = required_time_limit(form)
    run = planning_service.create_plan(db.session, current_user, required_int(form, "days", N_("a period in days")),
                                       time_limit, utcnow(), pool_id=optional_int(form, "pool_id"))
    run_id = run.id
    after_commit(lambda: _hand_over(run_id))
    return redirect(url_for("manage.planning_run", run_id=run_id))


def _hand_over(run_id: int) -> None:
    """Once the plan is committed, give it to a worker (the job opens its own session) and say how."""
    how = start_planning_run(run_id)
    if how == "failed":
        flash(_("Plan %(id)s could not be started; see the error below.", id=run_id), "error")
    else:
        flash(_("Plan %(id)s started (on a worker).", id=run_id) if how == "rq"
              else _("Plan %(id)s started (in the background).", id=run_id), "success")


@bp.route("/planning/<id:run_id>/again", methods=["POST"])
def plan_again(run_id: int):
    """A failed plan (its worker stopped, or it could not be handed over) again, with the same settings."""
    flash_on_refusal(url_for("manage.planning_run", run_id=run_id), unless=(403, 404))
    new_id = planning_service.plan_again(db.session, current_user, run_id, utcnow()).id
    after_commit(lambda: _hand_over(new_id))
    return redirect(url_for("manage.planning_run", run_id=new_id))


@bp.route("/planning/<id:run_id>")
def planning_run(run_id: int):
    view = planning_service.get_plan(db.session, current_user, run_id)
    progress = translate_message(*planning_service.progress_message(view.run)) or ""
    return render_template("manage/planning_run.html", run=view.run, report=view.report, progress=progress,
                           refresh_seconds=REFRESH_SECONDS, stalled=job_runs.stalled(view.run, utcnow()))


@bp.route("/planning/<id:run_id>/instance.json")
def planning_instance(run_id: int):
    view = planning_service.finished_plan(db.session, current_user, run_id)
    return Response(view.run.instance_json, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="planning-{run_id}-instance.json"'})


@bp.route("/planning/<id:run_id>/report.json")
def planning_report(run_id: int):
    view = planning_service.finished_plan(db.session, current_user, run_id)
    return Response(json.dumps(view.report, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="planning-{run_id}-report.json"'})
