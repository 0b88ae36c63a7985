"""Contributors' photos: checked, decoded with Pillow restricted to JPEG, PNG and WebP,
re-encoded, stripped of all metadata (EXIF with its GPS position, XMP, ICC, comments) and
given a generated name. Only the pixels of the upload survive, so a file that is also
something else (a PNG with HTML appended, say) comes out as a plain image.

What one request may cost is bounded (bench/uploads.py measures it): the photos are
decoded one at a time, a JPEG at a reduced scale when it is larger than a photo is stored
(its decoder does that for free), a PNG or WebP at most DECODE_PIXELS, and all photos of a
request together at most REQUEST_PIXELS; each cleaned photo waits in a temporary file."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ImageOps

from dangjian.core.imagecheck import (
    DECODE_PIXELS,
    Damaged,
    NotAnImage,
    OverBudget,
    PixelBudget,
    TooLargeToDecode,
    TooManyPixels,
    image_decoded,
)

MAX_BYTES = 10 * 1024 * 1024
FORMATS = ["JPEG", "PNG", "WEBP"]
# A JPEG larger than this is decoded at 1/2, 1/4 or 1/8 of its size: 6 million pixels
# (3000 x 2000) are more than any screen shows of a news photo.
STORED_PIXELS = 6_000_000
REQUEST_PIXELS = 80_000_000


@dataclass(frozen=True)
class CleanPhoto:
    file: IO[bytes]  # the re-encoded photo, at position 0
    name: str
    width: int
    height: int


def request_budget() -> PixelBudget:
    return PixelBudget(REQUEST_PIXELS)


def photo_clean(data: bytes, *, budget: PixelBudget | None = None) -> CleanPhoto:
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 10 MB. Please choose a smaller one."), code="too_large")
    megapixels = settings.PHOTO_MAX_PIXELS // 1_000_000
    try:
        image = image_decoded(data, formats=FORMATS, max_pixels=settings.PHOTO_MAX_PIXELS, jpeg_pixels=STORED_PIXELS, budget=budget)
        ImageOps.exif_transpose(image, in_place=True)  # upright once EXIF is gone; no copy when already upright
    except NotAnImage:
        raise ValidationError(_("Only JPEG, PNG or WebP photos can be uploaded."), code="format") from None
    except TooManyPixels:
        raise ValidationError(_("The photo has more than %(count)d million pixels. Please choose a smaller one.") % {"count": megapixels},
                              code="pixels") from None
    except TooLargeToDecode:
        raise ValidationError(_("PNG and WebP pictures may have at most %(count)d million pixels; please save it as JPEG or make it smaller.")
                              % {"count": DECODE_PIXELS // 1_000_000}, code="pixels") from None
    except OverBudget:
        raise ValidationError(_("Too many large photos at once; please upload some of them now and the rest after saving."),
                              code="budget") from None
    except (Damaged, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The photo is damaged or incomplete."), code="damaged") from None
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    clean = image if image.mode == mode else image.convert(mode)  # no second copy when not needed
    del image
    clean.info = {}  # no ICC profile, text chunks or comments carried into the new file
    out = tempfile.SpooledTemporaryFile(max_size=256 * 1024)  # noqa: SIM115 (handed to the caller)
    if has_alpha:
        clean.save(out, "PNG")
        extension = "png"
    else:
        clean.save(out, "JPEG", quality=85)
        extension = "jpg"
    out.seek(0)
    return CleanPhoto(file=out, name=f"{uuid.uuid4().hex}.{extension}", width=clean.width, height=clean.height)
