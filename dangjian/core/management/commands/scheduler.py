import threading

from django.utils.translation import gettext_lazy

from dangjian.core.management.base import TranslatedCommand
from dangjian.core.scheduler import Scheduler


class Command(TranslatedCommand):
    help = gettext_lazy("Enqueue the periodic background tasks (scheduled publishing and others) at their intervals.")

    def handle(self, *args, **options):
        stop = threading.Event()
        try:
            Scheduler().run(stop)
        except KeyboardInterrupt:
            stop.set()
