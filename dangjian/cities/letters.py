"""The official letter (公函) that comes with a city channel application: a PDF, JPEG or
PNG of at most 10 MB, checked by what it is, not by its name: a PDF must open with pypdf
and have 1 to 20 pages, an image must decode with Pillow and have at most 40 million
pixels. Only reviewers see it, in the admin (never under a public URL)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core.imagecheck import DECODE_PIXELS, Damaged, NotAnImage, TooLargeToDecode, TooManyPixels, image_decoded

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 20
MAX_PIXELS = 40_000_000
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class Letter:
    content: bytes
    kind: str  # a key of CONTENT_TYPES

    @property
    def name(self) -> str:
        return f"letter.{EXTENSIONS[self.kind]}"


def letter_clean(data: bytes) -> Letter:
    if not data:
        raise ValidationError(_("The letter file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The letter is larger than 10 MB. Please scan it at a lower resolution."), code="too_large")
    if data.startswith(b"%PDF-"):
        return Letter(data, _pdf_checked(data))
    return Letter(data, _image_checked(data))


def _pdf_checked(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    damaged = ValidationError(_("The PDF is damaged or cannot be read."), code="damaged")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("The PDF is protected by a password. Please upload it without one."), code="encrypted")
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise damaged from None
    if pages < 1:
        raise damaged
    if pages > MAX_PAGES:
        raise ValidationError(_("The letter has more than %(count)d pages.") % {"count": MAX_PAGES}, code="pages")
    return "pdf"


def _image_checked(data: bytes) -> str:
    try:
        image = image_decoded(data, formats=["JPEG", "PNG"], max_pixels=MAX_PIXELS)
    except NotAnImage:
        raise ValidationError(_("The letter must be a PDF, JPEG or PNG file."), code="format") from None
    except TooManyPixels:
        raise ValidationError(_("The letter image has more than 40 million pixels."), code="pixels") from None
    except TooLargeToDecode:
        raise ValidationError(_("A PNG letter may have at most %(count)d million pixels; please scan it as PDF or JPEG.")
                              % {"count": DECODE_PIXELS // 1_000_000}, code="pixels") from None
    except Damaged:
        raise ValidationError(_("The letter image is damaged or incomplete."), code="damaged") from None
    return image.format.lower()
