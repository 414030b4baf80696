"""Who gets what in an optimiser run: the per-request table on the run's page (filtered by change and
category) and the same rows as CSV, in the reader's language."""
from __future__ import annotations

import csv
import io

from flask import Response, request
from flask_babel import gettext as _, lazy_gettext, pgettext
from flask_login import current_user

from app.extensions import db
from app.web.manage import bp
from app.web.stats_tables import neutralise
from fleet.allocation import run_preview
from fleet.allocation.run_preview import CHANGES, PreviewRow

CHANGE_LABELS = {
    run_preview.GAINED: lazy_gettext("Served here, not by first come, first served"),
    run_preview.LOST: lazy_gettext("First come, first served would serve it, this run does not"),
    run_preview.MOVED: lazy_gettext("Moved: another asset or time than first come, first served"),
    run_preview.SAME: lazy_gettext("As first come, first served"),
    run_preview.UNSERVED: lazy_gettext("Not served by either"),
}


def preview_filters(args) -> tuple[dict, dict]:
    """The filter as typed (to put back in the form) and the errors of a value that is not one of the choices."""
    values = {"change": (args.get("change") or "").strip(), "category": (args.get("category") or "").strip()}
    errors = {}
    if values["change"] and values["change"] not in CHANGES:
        errors["change"] = _("Choose one of the listed changes.")
    if values["category"] and not values["category"].isdigit():
        errors["category"] = _("Choose one of the listed categories.")
    return values, errors


def filtered_rows(run_id: int, values: dict, errors: dict) -> list[PreviewRow]:
    change = values["change"] if values["change"] and "change" not in errors else None
    category = int(values["category"]) if values["category"] and "category" not in errors else None
    return run_preview.preview_rows(db.session, current_user, run_id, change=change, category_id=category)


def preview_context(run_id: int) -> dict:
    values, errors = preview_filters(request.args)
    everything = run_preview.preview_rows(db.session, current_user, run_id)
    rows = filtered_rows(run_id, values, errors)
    categories = sorted({(r.category_id, r.category_name) for r in everything}, key=lambda c: c[1])
    return {"preview_rows": rows, "preview_total": len(everything), "preview_filter": values,
            "preview_errors": errors, "preview_categories": categories, "change_labels": CHANGE_LABELS,
            "change_counts": run_preview.change_counts(everything)}


@bp.route("/optimiser/<id:run_id>/preview.csv")
def optimiser_preview_csv(run_id: int):
    values, errors = preview_filters(request.args)
    rows = filtered_rows(run_id, values, errors)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in (
        _("Request"), _("Member"), _("Category"), _("Types"), _("Window start"), _("Window end"), _("Minutes"),
        _("Asset"), _("Hub"), _("Start"), _("End"), _("Distance (km)"), _("First come, first served: asset"),
        _("First come, first served: start"), pgettext("difference", "Change"))])
    for r in rows:
        writer.writerow([neutralise(c) for c in (
            r.request_id, r.member_name, r.category_name, " | ".join(r.types), r.earliest_start.isoformat(),
            r.latest_end.isoformat(), r.duration_minutes,
            r.run.asset_name if r.run else "", r.run.hub_name if r.run else "",
            r.run.start.isoformat() if r.run else "", r.run.end.isoformat() if r.run else "",
            r.run.distance_km if r.run and r.run.distance_km is not None else "",
            r.fcfs.asset_name if r.fcfs else "", r.fcfs.start.isoformat() if r.fcfs else "",
            str(CHANGE_LABELS[r.change]) if r.change else "")])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="optimiser-run-{run_id}.csv"'})
