"""Cover and body pictures drawn with Pillow, so the demo ships no photographs."""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw

PALETTES = [
    ((181, 18, 27), (255, 196, 70)),
    ((140, 13, 20), (240, 120, 60)),
    ((32, 96, 64), (200, 230, 120)),
    ((22, 72, 140), (120, 200, 240)),
    ((120, 60, 20), (250, 210, 120)),
    ((60, 40, 110), (230, 150, 190)),
]


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def make_picture(seed: int, size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG: a gradient sky, rolling hills and a few stars, varied by the seed."""
    rng = random.Random(seed)
    top, bottom = PALETTES[seed % len(PALETTES)]
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for layer in range(3):
        base = height * (0.55 + 0.13 * layer)
        shade = tuple(max(0, int(c * (0.5 - 0.12 * layer))) for c in bottom)
        points = [(0, height)]
        for x in range(0, width + 100, 100):
            points.append((x, base + rng.uniform(-60, 60)))
        points.append((width, height))
        draw.polygon(points, fill=shade)
    for _ in range(rng.randint(1, 5)):
        _star(draw, rng.uniform(80, width - 80), rng.uniform(60, height * 0.4), rng.uniform(20, 70), (255, 221, 85))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
