"""The share poster: a PNG for phones (750 pixels wide) that readers save and forward. Its
Chinese lines break as Chinese typesetting does (禁则): no line begins with a closing mark
(，。、；：？！）》」…) and none ends with an opening one (（《「…); English words and
numbers are not split."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont

from .qr import qr_image

WIDTH, HEIGHT = 750, 1334
MARGIN = 48
RED, INK, MUTED, PAPER = (181, 18, 27), (34, 34, 34), (110, 110, 110), (255, 255, 255)
NO_LINE_START = set("，。、；：？！）》」』】〉〕”’…‥·．，、,.;:?!)]}%～—")
NO_LINE_END = set("（《「『【〈〔“‘([{")
ELLIPSIS = "…"
WORD = re.compile(r"[A-Za-z0-9@#&+\-_/.%]+")


@lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(settings.POSTER_FONT, size, index=settings.POSTER_FONT_INDEX)
    except OSError as error:
        raise ImproperlyConfigured(
            f"DANGJIAN_POSTER_FONT={settings.POSTER_FONT} (index {settings.POSTER_FONT_INDEX}) cannot be opened: {error}; "
            "install Debian's fonts-noto-cjk or point it at a Chinese font") from None


def units(text: str) -> list[str]:
    """The pieces a line may break between: a character with the opening marks before it
    and the closing marks after it, or a whole word of Latin letters and digits."""
    pieces: list[str] = []
    position = 0
    while position < len(text):
        match = WORD.match(text, position)
        token = match.group() if match else text[position]
        position += len(token)
        if pieces and (token[0] in NO_LINE_START or pieces[-1][-1] in NO_LINE_END):
            pieces[-1] += token
        else:
            pieces.append(token)
    return pieces


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """At most `max_lines` lines no wider than `width`, the last ending in … when text is left."""
    text = " ".join(text.split())
    lines: list[str] = []
    line = ""
    for piece in units(text):
        if line and face.getlength(line + piece) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) <= max_lines:
        return lines
    kept, last = lines[:max_lines], units(lines[max_lines - 1])
    while last and face.getlength("".join(last) + ELLIPSIS) > width:
        last.pop()
    kept[-1] = "".join(last).rstrip("".join(NO_LINE_END) + "，。、；： ") + ELLIPSIS
    return kept


@dataclass
class PosterContent:
    site_name: str
    title: str
    summary: str
    date: str
    url: str
    scan_hint: str
    logo: Image.Image | None = None
    cover: Image.Image | None = None


def _cover(image: Image.Image, width: int, height: int) -> Image.Image:
    """Filled and cropped to width × height from the middle."""
    scale = max(width / image.width, height / image.height)
    resized = image.convert("RGB").resize((max(width, round(image.width * scale)), max(height, round(image.height * scale))))
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    return resized.crop((left, top, left + width, top + height))


def poster_draw(content: PosterContent) -> bytes:
    canvas = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(canvas)
    text_width = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 128), fill=RED)
    x = MARGIN
    if content.logo is not None:
        logo = content.logo.convert("RGBA")
        logo.thumbnail((160, 72))
        canvas.paste(logo, (x, (128 - logo.height) // 2), logo)
        x += logo.width + 16
    name = wrap(content.site_name, font(40), WIDTH - MARGIN - x, 1)
    draw.text((x, 64), name[0] if name else "", font=font(40), fill=PAPER, anchor="lm")
    y = 128
    if content.cover is not None:
        canvas.paste(_cover(content.cover, WIDTH, 400), (0, y))
        y += 400
    y += 40
    for line in wrap(content.title, font(46), text_width, 3):
        draw.text((MARGIN, y), line, font=font(46), fill=INK, stroke_width=1, stroke_fill=INK)
        y += 66
    y += 8
    for line in wrap(content.summary, font(28), text_width, 3 if content.cover is None else 2):
        draw.text((MARGIN, y), line, font=font(28), fill=MUTED)
        y += 42
    draw.text((MARGIN, y + 8), content.date, font=font(26), fill=MUTED)
    bottom = HEIGHT - 280
    draw.line((MARGIN, bottom - 24, WIDTH - MARGIN, bottom - 24), fill=(230, 230, 230), width=2)
    code = qr_image(content.url, size=232)
    canvas.paste(code, (WIDTH - MARGIN - code.width, bottom))
    hint_width = WIDTH - 3 * MARGIN - code.width
    hint_y = bottom + 40
    for line in wrap(content.scan_hint, font(30), hint_width, 3):
        draw.text((MARGIN, hint_y), line, font=font(30), fill=INK)
        hint_y += 46
    for line in wrap(content.site_name, font(24), hint_width, 1):
        draw.text((MARGIN, hint_y + 16), line, font=font(24), fill=MUTED)
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()
