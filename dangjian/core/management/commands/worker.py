import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from dangjian.core.scheduler import Scheduler


class Command(BaseCommand):
    help = gettext_lazy("Run background tasks: from the database queue (embedded) or from Redis (production).")

    def add_arguments(self, parser):
        parser.add_argument("--with-scheduler", action="store_true", help=gettext_lazy("Also run the scheduler in this process"))
        parser.add_argument("--batch", action="store_true", help=gettext_lazy("Run what is queued, then exit"))

    def handle(self, *args, with_scheduler: bool, batch: bool, **options):
        if with_scheduler:
            threading.Thread(target=Scheduler().run, args=(threading.Event(),), daemon=True, name="scheduler").start()
        backend = settings.TASKS["default"]["BACKEND"]
        if backend == "django_tasks_rq.RQBackend":
            call_command("rqworker", "default", burst=batch)
        else:
            call_command("db_worker", queue_name="default", batch=batch, no_startup_delay=True)
