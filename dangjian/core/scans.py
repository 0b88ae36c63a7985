"""Scanned papers people send with a request (a city channel application's stamped letter,
a copyright complaint's evidence): a PDF, JPEG or PNG of at most 10 MB, checked by what it
is, not by its name: a PDF must open with pypdf, have no password and 1 to `max_pages`
pages, an image must decode with Pillow and have at most 40 million pixels. Their readers
are staff, in the admin: they are stored privately, never under a public URL."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from dangjian.core.imagecheck import DECODE_PIXELS, Damaged, NotAnImage, TooLargeToDecode, TooManyPixels, image_decoded

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 20
MAX_PIXELS = 40_000_000
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class Scan:
    content: bytes
    kind: str  # a key of CONTENT_TYPES

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def scan_response(field_file, *, kind: str, filename: str) -> FileResponse:
    """A stored scan, for staff: shown inline by the browser, with nothing in it run
    (sandboxed, no sniffing) and kept by no cache; 404 when the file is gone."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(kind, "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


def scan_clean(data: bytes, *, max_pages: int = MAX_PAGES) -> Scan:
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB. Please scan it at a lower resolution."), code="too_large")
    if data.startswith(b"%PDF-"):
        return Scan(data, _pdf_checked(data, max_pages))
    return Scan(data, _image_checked(data))


def _pdf_checked(data: bytes, max_pages: int) -> str:
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
    if pages > max_pages:
        raise ValidationError(_("The PDF has more than %(count)d pages.") % {"count": max_pages}, code="pages")
    return "pdf"


def _image_checked(data: bytes) -> str:
    try:
        image = image_decoded(data, formats=["JPEG", "PNG"], max_pixels=MAX_PIXELS)
    except NotAnImage:
        raise ValidationError(_("The file must be a PDF, JPEG or PNG file."), code="format") from None
    except TooManyPixels:
        raise ValidationError(_("The image has more than 40 million pixels."), code="pixels") from None
    except TooLargeToDecode:
        raise ValidationError(_("A PNG image may have at most %(count)d million pixels; please scan it as PDF or JPEG.")
                              % {"count": DECODE_PIXELS // 1_000_000}, code="pixels") from None
    except Damaged:
        raise ValidationError(_("The image is damaged or incomplete."), code="damaged") from None
    return image.format.lower()
