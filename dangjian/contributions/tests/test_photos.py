"""Photos as contributors might send them, harmless or not."""

from __future__ import annotations

import os
import re
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from dangjian.contributions.photos import REQUEST_PIXELS, STORED_PIXELS, photo_clean, request_budget
from dangjian.core.imagecheck import DECODE_PIXELS


def content(clean) -> bytes:
    clean.file.seek(0)
    return clean.file.read()


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
    image = Image.open(BytesIO(content(clean)))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"Exif" not in content(clean) and b"taken at home" not in content(clean)
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
    assert Image.open(BytesIO(content(clean))).format == "PNG"
    assert b"someone@example.com" not in content(clean)


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
    assert b"<script" not in content(clean) and b"<html" not in content(clean)
    assert Image.open(BytesIO(content(clean))).size == (50, 50)


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


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    big = encoded(Image.new("RGB", (7300, 5475), (240, 240, 240)), "JPEG", quality=80)  # 40 million pixels
    clean = photo_clean(big)
    assert (clean.width, clean.height) == (1825, 1369)  # its decoder's 1/4 scale: below STORED_PIXELS
    assert clean.width * clean.height <= STORED_PIXELS
    phone = encoded(Image.new("RGB", (4000, 3000), (240, 240, 240)), "JPEG", quality=80)  # 12 million: a phone's photo
    assert (photo_clean(phone).width, photo_clean(phone).height) == (2000, 1500)


def test_a_png_too_large_to_decode_is_refused_with_a_clear_message():
    side = int(DECODE_PIXELS**0.5) + 10
    with pytest.raises(ValidationError, match="PNG 和 WebP|PNG and WebP"):
        photo_clean(encoded(Image.new("RGB", (side, side), "white"), "PNG"))


def test_one_request_decodes_at_most_its_pixel_budget():
    png = encoded(Image.new("RGB", (3000, 3900), "white"), "PNG")  # 11.7 million pixels, 50 KB
    budget = request_budget()
    accepted = 0
    with pytest.raises(ValidationError, match="一次上传的大照片太多|Too many large photos"):
        for _ in range(20):
            photo_clean(png, budget=budget)
            accepted += 1
    assert accepted == REQUEST_PIXELS // (3000 * 3900)


def _peak_memory_of_cleaning(paths, results) -> None:
    """In a forked child: the growth of peak resident memory while one request's photos
    are cleaned, and what came out (a count, or the refusals)."""
    from pathlib import Path

    from django.core.files import File

    from dangjian.contributions.forms import PhotosField

    def kilobytes(field: str) -> int:
        return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = kilobytes("VmRSS")
    uploads = [File(open(path, "rb"), name=path.name) for path in paths]  # noqa: SIM115 (the child exits)
    try:
        outcome = len(PhotosField().clean(uploads))
    except ValidationError as error:
        outcome = len(error.messages)
    results.put(((kilobytes("VmHWM") - before) / 1024, outcome))


@pytest.mark.parametrize("case", ["png-at-the-decode-limit", "jpeg-noise-near-10-mb", "jpeg-40-million-pixels"])
def test_the_costliest_request_stays_within_100_mb(tmp_path, case):
    """20 photos, the most one submission takes, each as costly as the checks allow. CPU
    time is measured by bench/uploads.py, not here."""
    import multiprocessing
    import random

    if case == "png-at-the-decode-limit":
        side = int(DECODE_PIXELS**0.5)
        data, expected = encoded(Image.new("RGB", (side, side), "white"), "PNG"), REQUEST_PIXELS // (side * side)
    elif case == "jpeg-noise-near-10-mb":
        data, expected = encoded(Image.frombytes("RGB", (4000, 3000), random.randbytes(36_000_000)), "JPEG", quality=75), 20
    else:
        data, expected = encoded(Image.new("RGB", (7300, 5475), "white"), "JPEG", quality=90), 20
    paths = []
    for n in range(20):
        paths.append(tmp_path / f"{n}.img")
        paths[-1].write_bytes(data)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_peak_memory_of_cleaning, args=(paths, results))
    child.start()
    extra_mb, outcome = results.get(timeout=120)
    child.join()
    assert extra_mb <= 100
    # The PNGs: those within the request's pixel budget are cleaned, the rest refused by name.
    assert outcome == (20 - expected if expected < 20 else 20)
