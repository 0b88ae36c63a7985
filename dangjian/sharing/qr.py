"""QR codes of article URLs: SVG in the page (crisp at any size, no request of its own) and
PNG in the poster."""

from __future__ import annotations

import io

import segno
from PIL import Image


def qr_svg(url: str, *, title: str = "") -> str:
    """Inline SVG sized by CSS (a viewBox, no width or height)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="share-qr-code", lineclass=None, title=title or None)


def qr_image(url: str, *, size: int) -> Image.Image:
    """The code as a black-and-white image about `size` pixels wide, whole modules only."""
    code = segno.make(url, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=2)[0]
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(1, size // modules), border=2)
    out.seek(0)
    return Image.open(out).convert("RGB")
