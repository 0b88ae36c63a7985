"""`dangjian serve`: the production-grade server (granian), static and media included.

Static files come from WhiteNoise in front of the app (wsgi.with_static) and media from
Django, both with nosniff and a Content-Type on every answer (granian's own file server
sends neither), so the embedded default needs no nginx. In the embedded default it also runs the task
worker with the scheduler (`dangjian worker --with-scheduler`), so scheduled publishing and
other background work need no second command; with Redis they run as their own services.
If either process dies, both are stopped and serve exits with an error, for the process
manager to restart.

SIGHUP (`systemctl reload`, `dangjian upgrade`) moves it onto the code now on disk without
dropping a request: granian starts a new process for each of its workers before it stops the
old one, on the socket it keeps open; the embedded worker is restarted.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.broadcast import follow_in_thread
from dangjian.core.management.base import TranslatedCommand
from dangjian.core.middleware import page_cache_sync_version
from dangjian.settings import env as settings_env

logger = logging.getLogger("dangjian.serve")


class Command(TranslatedCommand):
    help = gettext_lazy("Start the web server (granian, several processes); it also serves static files and uploaded media.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings_env("DANGJIAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--workers", type=int, default=int(settings_env("DANGJIAN_WORKERS") or os.cpu_count() or 1),
            help=gettext_lazy("Number of worker processes; defaults to the number of CPU cores"),
        )

    def handle(self, *args, host: str, port: int, workers: int, **options):
        if workers < 1:
            raise CommandError(_("--workers must be at least 1"))
        self._migrate_or_refuse()
        self._links_name_this_port(host, port)
        call_command("collectstatic", interactive=False, verbosity=0)
        if page_cache_sync_version():
            self.stdout.write(_("Page cache emptied: it was written by another version of the code."))
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            # Each thread may hold a database connection (CONN_MAX_AGE): granian's default of
            # up to 512 per worker could exhaust PostgreSQL's max_connections.
            "--blocking-threads", str(int(settings_env("DANGJIAN_THREADS", "8"))),
            "--respawn-failed-workers",
            *self._granian_log_options(),
            "dangjian.wsgi:application",
        ]
        banner = _("Site: http://%(host)s:%(port)s/  (%(workers)s worker processes; press Ctrl+C to stop)") % {
            "host": host, "port": port, "workers": workers,
        }
        if settings.LOG_FORMAT == "json":
            logger.info(banner)  # every line on stdout stays one JSON object
        else:
            self.stdout.write(banner)
        sys.stdout.flush()
        children = [subprocess.Popen(argv)]
        if settings.SERVE_RUNS_WORKER:
            children.append(subprocess.Popen([sys.executable, "-m", "dangjian", "worker", "--with-scheduler"]))
        follow_in_thread()  # with Redis: the other hosts' purges, applied to this host's cache
        pid_file = serve_pid_file()
        pid_file.write_text(f"{os.getpid()}\n")
        try:
            raise SystemExit(_supervise(children))
        finally:
            pid_file.unlink(missing_ok=True)


    @staticmethod
    def _links_name_this_port(host: str, port: int) -> None:
        """Without DANGJIAN_BASE_URL, the site's own links (canonical, share, the copied link)
        name the address it is served on: `serve --port 9000` must not link to :8000. Only a
        default site on this machine's loopback name is moved; a configured one is left alone."""
        if settings_env("DANGJIAN_BASE_URL"):
            return
        name = host if host in ("127.0.0.1", "localhost") else "127.0.0.1"
        os.environ["DANGJIAN_BASE_URL"] = f"http://{name}:{port}"  # for the processes started below
        from wagtail.models import Site

        for site in Site.objects.filter(is_default_site=True, hostname__in=("127.0.0.1", "localhost")).exclude(port=port):
            site.port = port
            site.save(update_fields=["port"])

    @staticmethod
    def _granian_log_options() -> list[str]:
        """Granian's own log lines in the project's format (JSON in production)."""
        if settings.LOG_FORMAT != "json":
            return []
        path = settings.DATA_DIR / "granian-logging.json"
        path.write_text(json.dumps({
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "dangjian.core.logs.JsonFormatter"}},
            # The handler and logger names granian's own configuration uses (granian/log.py).
            "handlers": {
                name: {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
                for name in ("console", "access")
            },
            "loggers": {
                "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            },
            "root": {"handlers": ["console"], "level": settings.LOGGING["root"]["level"]},
        }))
        return ["--log-config", str(path)]

    def _migrate_or_refuse(self) -> None:
        """Pending migrations would break pages and crash the worker. The embedded default is
        one command, so it applies them; production migrates as a deliberate step."""
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not pending:
            return
        if connection.vendor != "sqlite":
            raise CommandError(
                _("The database needs %(count)s migrations. Run `dangjian migrate` first.") % {"count": len(pending)}
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database updated (%(count)s migrations applied).") % {"count": len(pending)})


def serve_pid_file():
    return settings.DATA_DIR / "serve.pid"


def _stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _supervise(children: list[subprocess.Popen]) -> int:
    """Wait until a child exits or we are told to stop; then stop them all. On SIGHUP, granian
    (the first child) respawns its workers and the others are restarted."""
    stopping = reloading = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    def reload(signum, frame):
        nonlocal reloading
        reloading = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    while not stopping and all(child.poll() is None for child in children):
        if reloading:
            reloading = False
            logger.info("reloading onto the code on disk")
            children[0].send_signal(signal.SIGHUP)
            for index, child in enumerate(children[1:], start=1):
                _stop(child)
                children[index] = subprocess.Popen(child.args)
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        _stop(child)
    return 0 if stopping else 1
