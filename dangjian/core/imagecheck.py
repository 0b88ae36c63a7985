"""Decoding an uploaded image safely with Pillow, for any upload that must be an image
(contributors' photos, city applications' letters): only the formats asked for, never a
"pixel bomb" (the size in the header is checked before any pixel is decoded), a bounded
amount of memory (a large JPEG is decoded at 1/2, 1/4 or 1/8 of its size by the JPEG
decoder itself; other formats cannot be, so they are refused above that bound), and the
whole file decoded so a truncated or damaged one is refused. Callers word the refusals."""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, UnidentifiedImageError

# Pillow holds 4 bytes a pixel (RGB is padded): 12 million pixels are 48 MB.
DECODE_PIXELS = 12_000_000


class NotAnImage(ValueError):
    """Not one of the formats asked for."""


class TooManyPixels(ValueError):
    pass


class TooLargeToDecode(ValueError):
    """Not a JPEG, and more pixels than may be held decoded."""


class Damaged(ValueError):
    pass


class OverBudget(ValueError):
    """The pixels decoded in one request, all images together, would exceed its budget."""


class PixelBudget:
    """Pixels one request may still decode, for requests carrying several images."""

    def __init__(self, pixels: int):
        self.remaining = pixels

    def take(self, pixels: int) -> None:
        if pixels > self.remaining:
            raise OverBudget
        self.remaining -= pixels


def image_decoded(data: bytes, *, formats: list[str], max_pixels: int, jpeg_pixels: int = DECODE_PIXELS,
                  budget: PixelBudget | None = None) -> Image.Image:
    """The decoded image. A JPEG of more than `jpeg_pixels` comes out scaled down by a power
    of two, enough to fit; any other format above DECODE_PIXELS is refused."""
    try:
        image = Image.open(BytesIO(data), formats=formats)
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise TooManyPixels from None
    except (UnidentifiedImageError, OSError):
        raise NotAnImage from None
    pixels = image.width * image.height
    if pixels > max_pixels:
        raise TooManyPixels
    if image.format == "JPEG" and pixels > jpeg_pixels:
        scale = next((s for s in (2, 4) if pixels / (s * s) <= jpeg_pixels), 8)
        image.draft(None, (image.width // scale, image.height // scale))
        pixels = image.width * image.height
    elif pixels > DECODE_PIXELS:
        raise TooLargeToDecode
    if budget is not None:
        budget.take(pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Damaged from None
    return image
