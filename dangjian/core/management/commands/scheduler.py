import signal
import threading

from django.utils.translation import gettext_lazy

from dangjian.core.management.base import TranslatedCommand
from dangjian.core.scheduler import Scheduler, coordination


class Command(TranslatedCommand):
    help = gettext_lazy("Enqueue the periodic background tasks (scheduled publishing and others) at their intervals.")

    def handle(self, *args, **options):
        stop = threading.Event()
        # systemd stops with SIGTERM: give the lead up so another host's scheduler takes
        # over at once rather than when the lock expires.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            Scheduler(coordination=coordination()).run(stop)
        except KeyboardInterrupt:
            stop.set()
