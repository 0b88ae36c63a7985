"""`dangjian upgrade`: after new code is installed (git pull, `python3 dev.py setup`), bring
the running site onto it without answering a reader with an error.

1. Migrations, while the old code still serves: a release's migrations must keep working
   with the code before it (add columns and tables; remove them a release later).
2. Static files collected: the old pages' files stay, the new ones are added.
3. The web moved onto the new code: SIGHUP to `dangjian serve`, whose granian replaces its
   workers one at a time on the socket it keeps open; this waits until none of the old
   workers is left and the web reports the new code.
4. The page cache emptied if the code changed: only now, or old workers would have written
   pages of the old templates into the emptied cache.

The worker and the scheduler are separate services in production: restart them afterwards
(`systemctl restart dangjian-worker dangjian-scheduler`); a job in progress finishes first.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.management.base import TranslatedCommand
from dangjian.core.management.commands.serve import serve_pid_file
from dangjian.core.middleware import code_version, page_cache_sync_version
from dangjian.settings import env as settings_env


def _children(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid ...: comm may hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Command(TranslatedCommand):
    help = gettext_lazy("After installing new code: migrate, collect static files, move the running web onto the new code without downtime, then empty the page cache if the code changed.")

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=300, help=gettext_lazy("Seconds to wait for the web to run the new code"))

    def handle(self, *args, timeout: float, verbosity: int, **options):
        call_command(DjangoMigrate(), interactive=False, verbosity=verbosity)
        call_command("collectstatic", interactive=False, verbosity=0)
        version = code_version()
        self._reload_web(version, timeout)
        if page_cache_sync_version():
            self.stdout.write(_("Page cache emptied: it was written by another version of the code."))
        self.stdout.write(_("Done. Restart the worker and the scheduler: systemctl restart dangjian-worker dangjian-scheduler"))

    def _reload_web(self, version: str, timeout: float) -> None:
        try:
            serve = int(serve_pid_file().read_text())
        except (FileNotFoundError, ValueError):
            serve = 0
        if not serve or not _alive(serve):
            self.stdout.write(_("The web (`dangjian serve`) is not running here: it runs the new code when it starts."))
            return
        old_workers = {worker for server in _children(serve) for worker in _children(server)}
        os.kill(serve, signal.SIGHUP)
        url = f"http://{settings_env('DANGJIAN_HOST', '127.0.0.1')}:{settings.PORT}/healthz"
        deadline = time.monotonic() + timeout
        while True:
            if not any(_alive(pid) for pid in old_workers) and self._running_version(url) == version:
                break
            if time.monotonic() > deadline:
                raise CommandError(_("The web did not move onto the new code within %(seconds)d s.") % {"seconds": timeout})
            time.sleep(0.5)
        self.stdout.write(_("The web runs the new code."))

    @staticmethod
    def _running_version(url: str) -> str | None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response).get("version")
        except OSError:
            return None
