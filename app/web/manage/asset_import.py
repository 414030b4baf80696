"""Importing assets from CSV: upload or paste, see every row checked, then import all of them at once."""
from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.web.manage import bp
from app.web.stats_tables import neutralise
from fleet.catalogue.asset_import import MAX_BYTES, MAX_ROWS, REQUIRED, import_assets, template_rows
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed

NAME_SHOWN = 80  # a longer name is cut in the result table (and refused: names have at most 120 characters)
EXAMPLE = ("name,category,hub,cap_seats,cap_towbar,purchase_cost,currency,purchase_date,meter_unit\n"
           "Blue van,Cars,Central,7,yes,18500,EUR,2024-05-17,km\n")


def _limits() -> dict:
    """The limits the form states before upload."""
    return dict(max_kib=MAX_BYTES // 1024, max_rows=MAX_ROWS)


def _uploaded_text() -> str:
    upload = request.files.get("file")
    if upload and upload.filename:
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("The file is not UTF-8 text; save it as 'CSV UTF-8'.", field="file") from None
    text = request.form.get("csv", "")
    if not text.strip():
        raise ValidationFailed("Choose a CSV file or paste its contents.", field="file")
    return text


@bp.route("/assets/import", methods=["GET", "POST"])
def import_assets_page():
    if request.method == "GET":
        return render_template("manage/asset_import.html", result=None, text="", errors={}, example=EXAMPLE,
                               required=REQUIRED, **_limits())
    text = request.form.get("csv", "")  # a refused upload keeps what was pasted beside it
    on_refusal(lambda exc: (render_template("manage/asset_import.html", result=None, text=text,
                                            errors=field_errors(exc), example=EXAMPLE, required=REQUIRED,
                                            **_limits()), 422),
               unless=())
    text = _uploaded_text()
    apply = request.form.get("action") == "apply"
    result = import_assets(db.session, current_user, text, apply=apply, now=utcnow())
    if result.applied:
        flash(_("Imported %(count)s assets.", count=len(result.rows)), "success")
        return redirect(url_for("manage.assets"))
    db.session.rollback()  # a preview writes nothing, though its answer is a success
    status = 200 if result.valid and not apply else 422
    return render_template("manage/asset_import.html", result=result, text=text, errors={}, example=EXAMPLE,
                           required=REQUIRED, name_shown=NAME_SHOWN), status


@bp.route("/assets/import/template.csv")
def import_template():
    """A file with every column the import reads, and an example row per category, to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in template_rows(db.session, current_user, _("Example asset")):
        writer.writerow([neutralise(cell) for cell in row])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="assets-template.csv"'})
