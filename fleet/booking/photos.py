"""Damage photos: accepted only when the bytes are really a raster image, then re-encoded (which drops
EXIF and any trailing payload), scaled down to MAX_SIDE on the longer side and stored under a generated name
outside the web root. The largest upload accepted is the operator's setting (COMMONPOOL_PHOTO_MAX_BYTES,
config.py), passed in by the caller; a phone photo of several megabytes is normal and stored far smaller.

What the uploader claims (file name, Content-Type) is never trusted: HTML, SVG or a script with an image's
name is refused because Pillow cannot decode it as one of the allowed formats.

A photo is written while its damage report is being inserted, inside the database transaction: when that
transaction (or the savepoint the photo was written in) rolls back, the file is deleted again, so no file is
left that no row refers to. Files orphaned anyway (a process killed between the write and the commit) are
found by `orphaned_photos` (`flask bookings clean-photos`).
"""
from __future__ import annotations

import io
import logging
import re
import secrets
import stat
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.messages import msg
from fleet.models import DamageReport

log = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
MAX_PIXELS = 40_000_000          # a decompression bomb is refused before it is decoded
# A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that still covers MAX_SIDE (Pillow's draft mode), so
# a 48 or 50 megapixel phone photo costs no more memory than a 12 megapixel one.
MAX_JPEG_PIXELS = 120_000_000
MAX_SIDE = 2048                  # stored photos are scaled down to this on the longer side
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
NAME_PATTERN = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


class PhotoTooLarge(ValidationFailed):
    """More bytes than the photo limit: the delivery layer answers 413 (Content Too Large)."""

    status = 413


def megabytes(size: int) -> str:
    """A byte count as people read a file size: '10', '2.5' (MB of 1024 x 1024 bytes, as file managers show)."""
    return f"{size / MEGABYTE:.1f}".removesuffix(".0")


def photo_too_large(max_bytes: int) -> PhotoTooLarge:
    return PhotoTooLarge(msg("The photo is larger than %(size)s MB."), field="photo", size=megabytes(max_bytes))


def check_photo_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise photo_too_large(max_bytes)


def clean_photo(data: bytes, *, max_bytes: int) -> tuple[bytes, str]:
    """Check and re-encode an uploaded photo of at most `max_bytes`; returns (bytes, extension 'jpg' or 'png')."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ValidationFailed("The photo is empty.", field="photo")
    check_photo_size(len(data), max_bytes)
    refused = ValidationFailed("The photo must be a JPEG, PNG, WebP or GIF image.", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise refused
            jpeg = probe.format == "JPEG"
            if probe.width * probe.height > (MAX_JPEG_PIXELS if jpeg else MAX_PIXELS):
                raise ValidationFailed("The photo has too many pixels.", field="photo")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if jpeg:
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode only as many pixels as will be kept
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            keep_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            out = io.BytesIO()
            if keep_alpha:
                image.convert("RGBA").save(out, format="PNG", optimize=True)
                return out.getvalue(), "png"
            image.convert("RGB").save(out, format="JPEG", quality=85)
            return out.getvalue(), "jpg"
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise refused from None


def store_photo(directory: Path, data: bytes, extension: str, *, session: Session | None = None) -> str:
    """Write cleaned bytes under a random name; returns the name. With a session, the file belongs to its
    current transaction: it is deleted again if that transaction rolls back."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    path = directory / name
    fh = open(path, "xb")  # refuses an existing name before creating anything
    try:
        with fh:
            if session is not None:
                _written_in_transaction(session, path)
            fh.write(data)
        path.chmod(0o640)
    except BaseException:
        path.unlink(missing_ok=True)  # ours: created above
        raise
    return name


def photo_path(directory: Path, name: str) -> Path:
    """The stored file for a generated name; anything else (a path, '..') is not found."""
    if not NAME_PATTERN.match(name or ""):
        raise NotFound("No such photo.")
    path = directory / name
    if not path.is_file():
        raise NotFound("No such photo.")
    return path


def content_type_for(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


# --- files written inside a transaction ----------------------------------------------------------------------
#
# Why delete on rollback rather than write under a temporary name and rename on commit: whatever goes wrong
# here (a crash, a failed unlink) can then only leave a file no row refers to, which the sweep below removes.
# Renaming after COMMIT would have the opposite failure: a crash or a failed rename right after the commit
# leaves a committed damage report whose photo does not exist, and readers would see the row before its file.
#
# The files are tracked per SessionTransaction in session.info, so a savepoint that rolls back deletes the
# files written inside it, a released savepoint hands them to the transaction around it, and only the outermost
# commit keeps them. Rollback and close both end the transaction without a commit: both delete.

_PENDING = "fleet.booking.photos.pending"        # {SessionTransaction: [Path, ...]} files written in that transaction
_COMMITTING = "fleet.booking.photos.committing"  # the transaction whose commit has just succeeded


def _written_in_transaction(session: Session | scoped_session, path: Path) -> None:
    if isinstance(session, scoped_session):
        session = session()  # the transaction is the current Session's
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        session.connection()  # begins the transaction the row will be written in
        transaction = session.get_transaction()
    session.info.setdefault(_PENDING, {}).setdefault(transaction, []).append(path)


def pending_photo_files(session: Session | scoped_session) -> list[Path]:
    """Files written in the session's open transactions, not committed yet."""
    if isinstance(session, scoped_session):
        session = session()
    return [p for paths in session.info.get(_PENDING, {}).values() for p in paths]


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.get(_PENDING):
        # Fired for a released savepoint too; the innermost open transaction is the one committing.
        session.info[_COMMITTING] = session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    if _PENDING not in session.info and _COMMITTING not in session.info:  # the common case: no photo here
        return
    committed = session.info.get(_COMMITTING) is transaction
    if committed:
        session.info.pop(_COMMITTING, None)
    pending = session.info.get(_PENDING, {})
    paths = pending.pop(transaction, None)
    if not pending:
        session.info.pop(_PENDING, None)
    if not paths:
        return
    if committed:
        if transaction.nested and transaction.parent is not None:
            pending = session.info.setdefault(_PENDING, {})
            pending.setdefault(transaction.parent, []).extend(paths)
        return
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete the photo %s of a rolled-back transaction; the orphan sweep will",
                        path.name)


# --- photo files no row refers to ------------------------------------------------------------------------------

ORPHAN_MIN_AGE = timedelta(hours=1)  # younger files may belong to a transaction still in progress


def orphaned_photos(session: Session, directory: Path, now: datetime, *,
                    min_age: timedelta = ORPHAN_MIN_AGE) -> list[Path]:
    """Stored photo files (generated names only) older than `min_age` that no damage report refers to."""

    if not directory.is_dir():
        return []
    cutoff = (now - min_age).timestamp()
    candidates: dict[str, Path] = {}
    for path in directory.iterdir():
        if not NAME_PATTERN.match(path.name):
            continue
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
            candidates[path.name] = path
    names = sorted(candidates)
    referenced: set[str] = set()
    for i in range(0, len(names), 500):  # a bounded IN list per query, however many files there are
        referenced.update(session.scalars(select(DamageReport.photo_name)
                                          .where(DamageReport.photo_name.in_(names[i:i + 500]))))
    return [candidates[n] for n in names if n not in referenced]


def delete_photo_files(paths: Iterable[Path]) -> int:
    """Delete the files; returns how many were deleted."""
    deleted = 0
    for path in paths:
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass
    return deleted
