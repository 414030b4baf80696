"""Damage photos: accepted only when the bytes are really a raster image, then re-encoded (which drops
EXIF and any trailing payload) and stored under a generated name outside the web root.

What the uploader claims (file name, Content-Type) is never trusted: HTML, SVG or a script with an image's
name is refused because Pillow cannot decode it as one of the allowed formats.
"""
from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from fleet.errors import NotFound, ValidationFailed

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000          # a decompression bomb is refused before it is decoded
MAX_SIDE = 2400                  # stored photos are scaled down to this on the longer side
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
NAME_PATTERN = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Check and re-encode an uploaded photo; returns (bytes, extension 'jpg' or 'png')."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ValidationFailed("The photo is empty.", field="photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed("The photo is larger than %(size)s MB.", field="photo",
                               size=MAX_PHOTO_BYTES // (1024 * 1024))
    refused = ValidationFailed("The photo must be a JPEG, PNG, WebP or GIF image.", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed("The photo has too many pixels.", field="photo")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
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


def store_photo(directory: Path, data: bytes, extension: str) -> str:
    """Write cleaned bytes under a random name; returns the name."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    path = directory / name
    with open(path, "xb") as fh:
        fh.write(data)
    path.chmod(0o640)
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
