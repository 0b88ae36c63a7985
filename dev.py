#!/usr/bin/env python3
"""Set up and run dangjian from a fresh clone with nothing but Python 3.11+.

    python3 dev.py demo   # create .venv from the lock file, load the demo, serve on :8000
    python3 dev.py test   # create .venv from the lock file, run the whole test suite

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DANGJIAN_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def ensure_env() -> None:
    """Build .venv from requirements.lock, again only when the lock or pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit("dangjian needs Python 3.11 or newer; this is " + sys.version.split()[0])
    stamp_value = hashlib.sha256(
        LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    stamp = VENV / ".dangjian-lock"
    if stamp.exists() and stamp.read_text() == stamp_value and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT)
    stamp.write_text(stamp_value)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return 0
    if command == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    run(BIN / "dangjian", "demo")
    os.execv(BIN / "dangjian", [str(BIN / "dangjian"), "serve", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
