"""Contributors' photos: checked, decoded with Pillow restricted to JPEG, PNG and WebP,
re-encoded, stripped of all metadata (EXIF with its GPS position, XMP, ICC, comments) and
given a generated name. Only the pixels of the upload survive, so a file that is also
something else (a PNG with HTML appended, say) comes out as a plain image."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ImageOps

from dangjian.core.imagecheck import Damaged, NotAnImage, TooManyPixels, image_decoded

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = ["JPEG", "PNG", "WEBP"]


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    name: str
    width: int
    height: int


def photo_clean(data: bytes) -> CleanPhoto:
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 10 MB. Please choose a smaller one."), code="too_large")
    try:
        image = image_decoded(data, formats=FORMATS, max_pixels=MAX_PIXELS)
        image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
    except NotAnImage:
        raise ValidationError(_("Only JPEG, PNG or WebP photos can be uploaded."), code="format") from None
    except TooManyPixels:
        raise ValidationError(_("The photo has more than 40 million pixels. Please choose a smaller one."), code="pixels") from None
    except (Damaged, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The photo is damaged or incomplete."), code="damaged") from None
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    clean = image.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}  # no ICC profile, text chunks or comments carried into the new file
    out = BytesIO()
    if has_alpha:
        clean.save(out, "PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, "JPEG", quality=85, optimize=True)
        extension = "jpg"
    return CleanPhoto(content=out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}", width=clean.width, height=clean.height)
