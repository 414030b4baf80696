"""An asset's catalogue photos, served to whoever may see its page (the catalogue is public). Routes live on
the catalogue blueprint."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request, send_file
from flask_login import current_user

from app.extensions import db
from app.web.catalogue import bp
from fleet.booking.asset_photos import asset_photo_file, get_asset_photo
from fleet.booking.photos import content_type_for
from fleet.core.errors import NotFound
from fleet.models import AssetStatus


@bp.route("/assets/<int:asset_id>/photos/<int:photo_id>")
def asset_photo(asset_id: int, photo_id: int):
    photo = get_asset_photo(db.session, asset_id, photo_id)
    if photo.asset.status == AssetStatus.retired and not (current_user.is_authenticated and
                                                          current_user.is_coordinator):
        raise NotFound("No such photo.")
    thumbnail = request.args.get("thumb") in ("1", "True", "true")
    path = asset_photo_file(Path(current_app.config["PHOTO_DIR"]), photo, thumbnail=thumbnail)
    name = photo.thumb_name if thumbnail else photo.file_name
    response = send_file(path, mimetype=content_type_for(name), conditional=True, max_age=3600)
    response.headers["Content-Disposition"] = f"inline; filename=asset-{asset_id}-{photo.id}.{name[-3:]}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; script-src 'none'; "
                                                   "style-src 'none'; frame-ancestors 'none'; sandbox")
    return response
