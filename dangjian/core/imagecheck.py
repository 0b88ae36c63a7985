"""Decoding an uploaded image safely with Pillow, for any upload that must be an image
(contributors' photos, city applications' letters): only the formats asked for, never a
"pixel bomb" (the size in the header is checked before any pixel is decoded), and the
whole file decoded so a truncated or damaged one is refused. Callers word the refusals."""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, UnidentifiedImageError


class NotAnImage(ValueError):
    """Not one of the formats asked for."""


class TooManyPixels(ValueError):
    pass


class Damaged(ValueError):
    pass


def image_decoded(data: bytes, *, formats: list[str], max_pixels: int) -> Image.Image:
    try:
        image = Image.open(BytesIO(data), formats=formats)
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        raise TooManyPixels from None
    except (UnidentifiedImageError, OSError):
        raise NotAnImage from None
    if image.width * image.height > max_pixels:
        raise TooManyPixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Damaged from None
    return image
