"""The photo form of an asset's catalogue photos, shared by the coordinator's edit page (app/web/manage/) and the
owner's item page (app/web/owners.py). The file is read by the same helper as damage photos
(app/web/handover.py) and checked, re-encoded and stored by fleet.booking.asset_photos, which also says who may;
a refused photo answers with the page again (`render`), the error beside its field and nothing written."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.uploads import photo_max_bytes
from app.web.handover import photo_dir, uploaded_photo
from fleet.booking import asset_photos
from fleet.core.db import utcnow


def add_photo_from_form(asset_id: int, render: Callable[[dict, int, dict], object]) -> None:
    """Add the form's photo to the asset; a refusal answers `render(errors, status, typed values)`."""
    typed = {"alt_text": request.form.get("alt_text", "")}
    on_refusal(lambda exc: render(field_errors(exc), exc.status, typed), unless=(403, 404))
    asset_photos.add_asset_photo(db.session, current_user, asset_id, uploaded_photo(), photo_dir=photo_dir(),
                                 max_bytes=photo_max_bytes(), now=utcnow(), alt_text=typed["alt_text"])
    flash(_("Photo added."), "success")


def remove_photo(asset_id: int, photo_id: int) -> None:
    asset_photos.delete_asset_photo(db.session, current_user, asset_id, photo_id)
    flash(_("Photo removed."), "success")
