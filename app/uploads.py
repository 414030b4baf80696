"""Photo uploads from HTML forms (check-out, check-in, damage report).

The photo limit is one setting, PHOTO_MAX_BYTES (COMMONPOOL_PHOTO_MAX_BYTES). A form that takes a photo is
marked with `@photo_form(render)`. For such a form:

- each uploaded file is kept only up to the photo limit plus one byte (the rest of it is read and dropped),
  so a photo over the limit still lets the other fields be parsed: the view answers 413 with the form
  re-rendered, the values kept and the error beside the photo field;
- the body may be larger than MAX_CONTENT_LENGTH, up to PHOTO_FORM_FACTOR times the photo limit plus 1 MB; a body
  beyond even that is refused unread, and `render` re-renders the form with the error beside the photo (its
  other values cannot be known then).
"""
from __future__ import annotations

from collections.abc import Callable
from tempfile import SpooledTemporaryFile

from flask import Flask, Request, current_app
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.i18n import format_decimal
from fleet.booking.photos import MEGABYTE, photo_too_large
from fleet.core.errors import DomainError

PHOTO_FORM_FACTOR = 4
_IN_MEMORY = 500 * 1024  # like Werkzeug: a file part beyond this goes to a temporary file


def photo_max_bytes() -> int:
    return int(current_app.config["PHOTO_MAX_BYTES"])


def photo_limit_text() -> str:
    """The photo limit in MB as the reader's locale writes numbers, for the hint before an upload."""
    return format_decimal(photo_max_bytes() / MEGABYTE, 1)


def photo_form(render: Callable[..., object]):
    """Mark a view whose form takes a photo. `render(errors, status, **view_args)` renders that form."""
    def mark(view):
        view.photo_form_render = render
        return view
    return mark


def _photo_form_view(request: Request):
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "photo_form_render", None)


class _CappedFile(SpooledTemporaryFile):
    """A file part that keeps at most `keep` bytes; the parser goes on reading the rest of the body."""

    def __init__(self, keep: int):
        super().__init__(max_size=_IN_MEMORY, mode="rb+")
        self._room = keep

    def write(self, data) -> int:
        kept = data[:max(self._room, 0)]
        self._room -= len(kept)
        if kept:
            super().write(kept)
        return len(data)


class UploadRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and _photo_form_view(self) is not None:
            return PHOTO_FORM_FACTOR * photo_max_bytes() + 1024 * 1024
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if _photo_form_view(self) is not None:
            return _CappedFile(photo_max_bytes() + 1)
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


def too_large_photo_form(exc: RequestEntityTooLarge, request: Request):
    """For a photo form whose body was too large to read: the form again, the error beside its photo field.
    None for any other request."""
    from flask_login import current_user

    from app.forms import field_errors

    render = _photo_form_view(request)
    if render is None or not current_user.is_authenticated:
        return None
    try:
        return render(field_errors(photo_too_large(photo_max_bytes())), 413, **(request.view_args or {}))
    except DomainError:  # not theirs, or gone: the plain 413 page says enough
        db.session.rollback()
        return None


def init_uploads(app: Flask) -> None:
    app.request_class = UploadRequest
