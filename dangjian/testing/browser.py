"""A headless Chromium (Debian's package) driven by Playwright, for what readers see.

Playwright's sync API keeps an event loop running in the thread that uses it. In the test's
own thread that would make Django hand out fresh database connections (losing, among other
things, the serialized data that transactional tests restore), so every browser call runs
in one dedicated thread: `browser.run(fn)` calls fn(chromium) there and returns its result
or raises its exception here.

Without Chromium the browser tests are skipped, unless DANGJIAN_REQUIRE_BROWSER=1 (as in
.ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("DANGJIAN_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("DANGJIAN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserThread:
    def __init__(self, executable: str):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self._pool.submit(self._start, executable).result()

    def _start(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._chromium = self._playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)

    def run(self, fn, *args, **kwargs):
        return self._pool.submit(fn, self._chromium, *args, **kwargs).result()

    def close(self) -> None:
        def stop():
            self._chromium.close()
            self._playwright.stop()

        self._pool.submit(stop).result()
        self._pool.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "Chromium not found (apt-get install chromium)"
        if os.environ.get("DANGJIAN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    thread = BrowserThread(executable)
    yield thread
    thread.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
