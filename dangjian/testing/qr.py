"""Reading QR codes back with zbar (Debian's libzbar0, through pyzbar), as a phone's camera would.

Without zbar the tests that read codes are skipped, unless DANGJIAN_REQUIRE_ZBAR=1 (as in
.ci/run), where that is a failure."""

from __future__ import annotations

import os

import pytest
from PIL import Image


def qr_read(image: Image.Image) -> list[str]:
    try:
        from pyzbar.pyzbar import ZBarSymbol, decode
    except ImportError as error:  # pyzbar imports, then fails to find the library
        if os.environ.get("DANGJIAN_REQUIRE_ZBAR") == "1":
            pytest.fail(f"zbar not available (apt-get install libzbar0): {error}")
        pytest.skip("zbar not available (apt-get install libzbar0)")
    return [symbol.data.decode() for symbol in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])]
