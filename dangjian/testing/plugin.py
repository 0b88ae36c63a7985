"""Loaded with `-p dangjian.testing.plugin` (see pyproject.toml), before Django's settings.

Each test run gets its own data directory, so tests never touch ./var (the demo site's
database, media and file cache) and never see what an earlier run left there.
"""

import os
import shutil
import tempfile

_data_dir = tempfile.mkdtemp(prefix="dangjian-test-")
os.environ["DANGJIAN_DATA_DIR"] = _data_dir


def pytest_unconfigure(config):
    shutil.rmtree(_data_dir, ignore_errors=True)
