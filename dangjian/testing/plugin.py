"""Loaded with `-p dangjian.testing.plugin` (see pyproject.toml), before Django's settings.

Each test run gets its own data directory, so tests never touch ./var (the demo site's
database, media and file cache) and never see what an earlier run left there.
"""

import os
import shutil
import tempfile

import pytest

_data_dir = tempfile.mkdtemp(prefix="dangjian-test-")
os.environ["DANGJIAN_DATA_DIR"] = _data_dir


def pytest_unconfigure(config):
    from dangjian.testing.processes import demo_sites_drop

    demo_sites_drop()
    shutil.rmtree(_data_dir, ignore_errors=True)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "one_backend: what the browser is sent is the same on every database (templates, styles, scripts): "
        "checked once, in the embedded default's pass",
    )


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL + Redis pass is the longer of the two run side by side; checks of the
    page's front end alone add nothing there."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="front end only: checked in the SQLite pass")
    for item in items:
        if item.get_closest_marker("one_backend"):
            item.add_marker(skip)
