"""Coordinators add and remove an asset's catalogue photos from its edit page. The upload is a photo form
(app/uploads.py): a file over the limit still answers with the edit page, the error beside the photo field.
The form's handling is shared with the owner's item page (app/web/asset_photo_forms.py)."""
from __future__ import annotations

from flask import redirect, url_for

from app.uploads import photo_form
from app.web.asset_photo_forms import add_photo_from_form, remove_photo
from app.web.manage import bp
from app.web.manage.assets import render_edit_page


def _photo_upload_form(errors: dict, status: int, asset_id: int):
    """The edit page again, for a body too large to read (app/uploads.py)."""
    return render_edit_page(asset_id, errors, status)


@bp.route("/assets/<int:asset_id>/photos", methods=["POST"])
@photo_form(_photo_upload_form)
def add_asset_photo(asset_id: int):
    add_photo_from_form(asset_id, lambda errors, status, typed: render_edit_page(asset_id, errors, status,
                                                                                 photo_values=typed))
    return redirect(url_for("manage.edit_asset", asset_id=asset_id) + "#photos")


@bp.route("/assets/<int:asset_id>/photos/<int:photo_id>/delete", methods=["POST"])
def delete_asset_photo(asset_id: int, photo_id: int):
    remove_photo(asset_id, photo_id)
    return redirect(url_for("manage.edit_asset", asset_id=asset_id) + "#photos")
