import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy
from django_tasks_db.management.commands import db_worker
from django_tasks_rq.backend import RQBackend

from dangjian.core.management.base import TranslatedCommand
from dangjian.core.scheduler import Scheduler, coordination


class DatabaseWorker(db_worker.Command):
    """db_worker logs every task it runs at -v1; ours keeps that for -v2 and shows only
    warnings and failures by default, so the terminal of `dangjian serve` stays readable."""

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity + 1 if verbosity >= 2 else verbosity)
        if verbosity == 1:
            logging.getLogger("django_tasks").setLevel(logging.WARNING)
            db_worker.logger.setLevel(logging.WARNING)


class Command(TranslatedCommand):
    help = gettext_lazy("Run background tasks: from the database queue (embedded) or from Redis (production).")

    def add_arguments(self, parser):
        parser.add_argument("--with-scheduler", action="store_true", help=gettext_lazy("Also run the scheduler in this process"))
        parser.add_argument("--batch", action="store_true", help=gettext_lazy("Run what is queued, then exit"))

    def handle(self, *args, with_scheduler: bool, batch: bool, verbosity: int, **options):
        if with_scheduler:
            threading.Thread(target=Scheduler(coordination=coordination()).run, args=(threading.Event(),), daemon=True, name="scheduler").start()
        if issubclass(import_string(settings.TASKS["default"]["BACKEND"]), RQBackend):
            # rqworker sets RQ's level from the verbosity: WARNING at 0, its routine job lines
            # (INFO) only when asked for with -v 2 (DEBUG).
            call_command("rqworker", "default", burst=batch, verbosity=2 if verbosity >= 2 else 0)
        else:
            call_command(DatabaseWorker(), queue_name="default", batch=batch, no_startup_delay=True, verbosity=verbosity)
