"""Photos as contributors might send them, harmless or not."""

from __future__ import annotations

import os
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from dangjian.contributions.photos import photo_clean


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (25.0, 2.0, 30.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "E", (102.0, 42.0, 10.0)
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def test_gps_exif_is_removed_and_the_photo_kept_upright():
    original = jpeg_with_gps()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)
    clean = photo_clean(original)
    image = Image.open(BytesIO(clean.content))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"Exif" not in clean.content and b"taken at home" not in clean.content
    assert (clean.width, clean.height) == (480, 640)  # the EXIF rotation applied, then dropped
    assert clean.name.endswith(".jpg") and len(clean.name) == 36


def test_png_with_transparency_stays_png_without_text_chunks():
    image = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    out = BytesIO()
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "someone@example.com")
    image.save(out, "PNG", pnginfo=info)
    clean = photo_clean(out.getvalue())
    assert Image.open(BytesIO(clean.content)).format == "PNG"
    assert b"someone@example.com" not in clean.content


def test_pixel_bomb_is_refused_before_decoding():
    out = BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    assert len(out.getvalue()) < 10 * 1024 * 1024
    with pytest.raises(ValidationError, match="4000 万像素|40 million"):
        photo_clean(out.getvalue())


def test_png_html_polyglot_comes_out_as_a_plain_image():
    out = BytesIO()
    Image.new("RGB", (50, 50), (10, 120, 10)).save(out, "PNG")
    polyglot = out.getvalue() + b"<html><script>alert(1)</script></html>"
    clean = photo_clean(polyglot)
    assert b"<script" not in clean.content and b"<html" not in clean.content
    assert Image.open(BytesIO(clean.content)).size == (50, 50)


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"",
        b"not an image at all",
    ],
    ids=["svg", "pdf", "gif", "empty", "text"],
)
def test_other_formats_are_refused_with_a_clear_message(data):
    with pytest.raises(ValidationError, match="JPEG、PNG|JPEG, PNG"):
        photo_clean(data)


def test_files_over_10_mb_are_refused():
    with pytest.raises(ValidationError, match="10 MB"):
        photo_clean(os.urandom(12 * 1024 * 1024))


def test_truncated_jpeg_is_refused():
    with pytest.raises(ValidationError, match="损坏|damaged"):
        photo_clean(jpeg_with_gps()[:2000])
