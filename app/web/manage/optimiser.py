"""Batch optimiser runs for coordinators: start one, watch it, compare its preview with first come, first
served, then apply or discard it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.i18n import N_, translate_message
from app.forms import field_errors, optional_int, required_int, required_time_limit
from app.jobs import start_run
from app.transaction import after_commit, flash_on_refusal, on_refusal
from app.web.manage import bp
from app.web.manage.optimiser_preview import preview_context
from fleet.core import job_runs
from fleet.allocation import optimiser_runs as run_service
from fleet.core.db import utcnow

DEFAULTS = {"horizon_days": "14", "time_limit": "30", "method": "cpsat"}
METHODS = (("cpsat", "CP-SAT (best plan, proves a bound)"), ("greedy", "Greedy (fast; the first-come-first-served baseline)"))


def _list_page(form: dict, errors: dict, status: int = 200):
    return render_template("manage/optimiser.html", runs=run_service.list_runs(db.session, current_user), form=form,
                           errors=errors, methods=METHODS, max_horizon=run_service.MAX_HORIZON_DAYS), status


@bp.route("/optimiser")
def optimiser():
    return _list_page(DEFAULTS, {})


@bp.route("/optimiser", methods=["POST"])
def start_optimiser_run():
    form = request.form
    on_refusal(lambda exc: _list_page(form.to_dict(), field_errors(exc), exc.status), unless=(403, 404))
    time_limit = required_time_limit(form)
    horizon = required_int(form, "horizon_days", N_("a horizon in days"))
    run = run_service.create_run(db.session, current_user, horizon, utcnow(), time_limit=time_limit,
                                 method=form.get("method", "cpsat"), pool_id=optional_int(form, "pool_id"))
    run_id = run.id
    after_commit(lambda: _hand_over(run_id))
    return redirect(url_for("manage.optimiser_run", run_id=run_id))


def _hand_over(run_id: int) -> None:
    """Once the run is committed, give it to a worker (the job opens its own session) and say how."""
    how = start_run(run_id)
    if how == "failed":
        flash(_("Run %(id)s could not be started; see the error below.", id=run_id), "error")
    else:
        flash(_("Run %(id)s started (on a worker).", id=run_id) if how == "rq"
              else _("Run %(id)s started (in the background).", id=run_id), "success")


@bp.route("/optimiser/<id:run_id>/again", methods=["POST"])
def run_optimiser_again(run_id: int):
    """A failed run (its worker stopped, or it could not be handed over) again, with the same settings."""
    flash_on_refusal(url_for("manage.optimiser_run", run_id=run_id), unless=(403, 404))
    new_id = run_service.run_again(db.session, current_user, run_id, utcnow()).id
    after_commit(lambda: _hand_over(new_id))
    return redirect(url_for("manage.optimiser_run", run_id=new_id))


@bp.route("/optimiser/<id:run_id>")
def optimiser_run(run_id: int):
    run = run_service.get_run(db.session, current_user, run_id)
    return render_template("manage/optimiser_run.html", run=run, stalled=job_runs.stalled(run, utcnow()),
                           **preview_context(run_id))


@bp.route("/optimiser/<id:run_id>/apply", methods=["POST"])
def apply_optimiser_run(run_id: int):
    flash_on_refusal(url_for("manage.optimiser_run", run_id=run_id), unless=(403, 404))
    run = run_service.apply_run(db.session, current_user, run_id, utcnow())
    flash(translate_message(*run_service.progress_message(run)), "success")
    return redirect(url_for("manage.optimiser_run", run_id=run_id))


@bp.route("/optimiser/<id:run_id>/discard", methods=["POST"])
def discard_optimiser_run(run_id: int):
    flash_on_refusal(url_for("manage.optimiser_run", run_id=run_id), unless=(403, 404))
    run_service.discard_run(db.session, current_user, run_id, utcnow())
    flash(_("Run %(id)s discarded: nothing was booked.", id=run_id), "success")
    return redirect(url_for("manage.optimiser_run", run_id=run_id))
