"""Coordinators add and remove an asset's catalogue photos from its edit page. The upload is a photo form
(app/uploads.py): a file over the limit still answers with the edit page, the error beside the photo field.
The file is read by the same helper as damage photos (app/web/handover.py) and checked by the same code."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.uploads import photo_form, photo_max_bytes
from app.web.manage import bp
from app.web.handover import uploaded_photo
from app.web.manage.assets import render_edit_page
from fleet.booking import asset_photos
from fleet.core.db import utcnow


def photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def _photo_upload_form(errors: dict, status: int, asset_id: int):
    """The edit page again, for a body too large to read (app/uploads.py)."""
    return render_edit_page(asset_id, errors, status)


@bp.route("/assets/<int:asset_id>/photos", methods=["POST"])
@photo_form(_photo_upload_form)
def add_asset_photo(asset_id: int):
    typed = {"alt_text": request.form.get("alt_text", "")}
    on_refusal(lambda exc: render_edit_page(asset_id, field_errors(exc), exc.status, photo_values=typed))
    asset_photos.add_asset_photo(db.session, current_user, asset_id, uploaded_photo(), photo_dir=photo_dir(),
                                 max_bytes=photo_max_bytes(), now=utcnow(), alt_text=typed["alt_text"])
    flash(_("Photo added."), "success")
    return redirect(url_for("manage.edit_asset", asset_id=asset_id) + "#photos")


@bp.route("/assets/<int:asset_id>/photos/<int:photo_id>/delete", methods=["POST"])
def delete_asset_photo(asset_id: int, photo_id: int):
    asset_photos.delete_asset_photo(db.session, current_user, asset_id, photo_id)
    flash(_("Photo removed."), "success")
    return redirect(url_for("manage.edit_asset", asset_id=asset_id) + "#photos")
