"""Catalogue photos of assets. Checked and re-encoded exactly like damage photos (fleet.booking.photos: the
bytes must decode as a raster image, metadata and trailing payloads are dropped, the size is capped), plus a
small copy for result lists. Both files are written inside the transaction that inserts the row, so a
rollback deletes them again.

They live in their own directory (`assets/` under the photo directory), so the damage photo sweep, which only
knows damage reports, never sees them; `orphaned_asset_photos` is their own sweep. Deleting a photo deletes its
row only: the files go with the next sweep, so a rolled-back delete never leaves a row without its file.

Who may add or remove photos: coordinators, and the member who lends the asset as their own item (only that
asset's photos); anyone else is refused exactly as before.
"""
from __future__ import annotations

import io
import stat
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.booking.owned_items import owned_item_for
from fleet.booking.photos import ORPHAN_MIN_AGE, NAME_PATTERN, clean_photo, photo_path, store_photo
from fleet.catalogue.assets import get_asset
from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.text import single_line
from fleet.members.permissions import require_coordinator
from fleet.models import Asset, AssetPhoto, Member

THUMB_SIDE = 480          # twice the largest size a result list shows it at, for sharp screens
MAX_PHOTOS_PER_ASSET = 12
ALT_TEXT_MAX = 200


def asset_photo_dir(photo_dir: Path) -> Path:
    return photo_dir / "assets"


def _thumbnail(cleaned: bytes, extension: str) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(cleaned)) as image:
        image.load()
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        if extension == "png":
            image.save(out, format="PNG", optimize=True)
        else:
            image.convert("RGB").save(out, format="JPEG", quality=80)
        return out.getvalue()


def _may_change_photos(session: Session, actor: Member, asset: Asset) -> None:
    if actor is not None and actor.active and not actor.coordinates_pool(asset.category.pool_id):
        item = owned_item_for(session, asset.id)
        if item is not None and item.owner_id == actor.id:
            return
        if actor.is_coordinator:  # of another pool: the asset is not theirs to know
            raise NotFound("No such asset.")
    require_coordinator(actor)


def check_may_change_photos(session: Session, actor: Member, asset_id: int) -> Asset:
    """The asset, if the actor may add or remove its photos (for a caller that checks before reading a body)."""
    asset = get_asset(session, asset_id)
    _may_change_photos(session, actor, asset)
    return asset


def add_asset_photo(session: Session, actor: Member, asset_id: int, data: bytes | None, *, photo_dir: Path,
                    max_bytes: int, now: datetime, alt_text: str = "") -> AssetPhoto:
    """Check, re-encode and store a photo of the asset with its thumbnail; returns the new row."""
    asset = check_may_change_photos(session, actor, asset_id)
    alt_text = single_line(alt_text or "", "alt_text")
    if len(alt_text) > ALT_TEXT_MAX:
        raise ValidationFailed("Describe the photo in at most %(count)s characters.", field="alt_text",
                               count=ALT_TEXT_MAX)
    if data is None:
        raise ValidationFailed("Choose a photo to upload.", field="photo")
    count = session.scalar(select(func.count()).select_from(AssetPhoto).where(AssetPhoto.asset_id == asset.id))
    if count >= MAX_PHOTOS_PER_ASSET:
        raise ValidationFailed("An asset has at most %(count)s photos; delete one first.", field="photo",
                               count=MAX_PHOTOS_PER_ASSET)
    cleaned, extension = clean_photo(data, max_bytes=max_bytes)
    directory = asset_photo_dir(photo_dir)
    file_name = store_photo(directory, cleaned, extension, session=session)
    thumb_name = store_photo(directory, _thumbnail(cleaned, extension), extension, session=session)
    photo = AssetPhoto(asset_id=asset.id, file_name=file_name, thumb_name=thumb_name, alt_text=alt_text,
                       position=count, uploaded_by_id=actor.id, created_at=now)
    session.add(photo)
    session.flush()
    return photo


def get_asset_photo(session: Session, asset_id: int, photo_id: int) -> AssetPhoto:
    photo = session.get(AssetPhoto, photo_id)
    if photo is None or photo.asset_id != asset_id:
        raise NotFound("No such photo.")
    return photo


def asset_photo_file(photo_dir: Path, photo: AssetPhoto, *, thumbnail: bool = False) -> Path:
    return photo_path(asset_photo_dir(photo_dir), photo.thumb_name if thumbnail else photo.file_name)


def delete_asset_photo(session: Session, actor: Member, asset_id: int, photo_id: int) -> Asset:
    """Remove the photo from the asset; its files go with the next sweep."""
    photo = get_asset_photo(session, asset_id, photo_id)
    _may_change_photos(session, actor, photo.asset)
    asset = photo.asset
    session.delete(photo)
    session.flush()
    return asset


def orphaned_asset_photos(session: Session, photo_dir: Path, now: datetime, *,
                          min_age: timedelta = ORPHAN_MIN_AGE) -> list[Path]:
    """Asset photo files older than `min_age` that no asset photo row refers to (a deleted photo's files)."""
    directory = asset_photo_dir(photo_dir)
    if not directory.is_dir():
        return []
    cutoff = (now - min_age).timestamp()
    candidates = {p.name: p for p in directory.iterdir()
                  if NAME_PATTERN.match(p.name) and stat.S_ISREG(p.lstat().st_mode) and p.lstat().st_mtime < cutoff}
    names = sorted(candidates)
    referenced: set[str] = set()
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        referenced.update(session.scalars(select(AssetPhoto.file_name).where(AssetPhoto.file_name.in_(chunk))))
        referenced.update(session.scalars(select(AssetPhoto.thumb_name).where(AssetPhoto.thumb_name.in_(chunk))))
    return [candidates[n] for n in names if n not in referenced]
