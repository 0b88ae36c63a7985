"""Health endpoints for load balancers, probes and monitors. HealthMiddleware answers them
before anything reads the Host header, so a probe to 127.0.0.1:PORT or to any name works
and logs nothing."""

from __future__ import annotations

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .middleware import code_version
from .tasks import HEARTBEAT_KEY, SCHEDULER_HEARTBEAT_KEY

# Taken when the app is loaded (HealthMiddleware imports this module): the code on disk may
# be newer than the code this process runs.
RUNNING_VERSION = code_version()

# The worker records a heartbeat every 15 s (a task the scheduler enqueues), the scheduler
# its own every 15 s; allow a few misses.
HEARTBEAT_MAX_AGE = 90

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive and answering; touches nothing else. `version` is the code this
    process runs (`dangjian upgrade` waits until every web process runs the new code)."""
    return JsonResponse({"status": "ok", "version": RUNNING_VERSION})


def web_checks() -> dict[str, str]:
    """What this web host needs to serve: the database and the cache."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; say which
        logger.warning("readyz: database: %s", error)
        checks["database"] = "error"
    try:
        token = uuid.uuid4().hex
        cache.set("dangjian:readyz", token, 10)
        checks["cache"] = "ok" if cache.get("dangjian:readyz") == token else "error"
    except Exception as error:
        logger.warning("readyz: cache: %s", error)
        checks["cache"] = "error"
    return checks


def background_checks() -> dict[str, str]:
    """The scheduler and the task worker, each by its name. The worker's heartbeat is a task
    the scheduler enqueues: with the scheduler down, a quiet worker is "unknown", not dead."""
    try:
        beats = cache.get_many([SCHEDULER_HEARTBEAT_KEY, HEARTBEAT_KEY])
    except Exception:
        return {"scheduler": "error", "worker": "error"}
    now = time.time()
    fresh = {key: bool(beat) and now - beat < HEARTBEAT_MAX_AGE for key in (SCHEDULER_HEARTBEAT_KEY, HEARTBEAT_KEY)
             for beat in [beats.get(key)]}
    scheduler = "ok" if fresh[SCHEDULER_HEARTBEAT_KEY] else "error"
    worker = "ok" if fresh[HEARTBEAT_KEY] else ("error" if scheduler == "ok" else "unknown")
    return {"scheduler": scheduler, "worker": worker}


def readyz(request):
    """This host can serve (database, cache): what a load balancer asks. With ?full=1 the
    scheduler and the worker too, for monitoring: a host whose background jobs are down
    still serves pages and must not be taken out of the pool for it. 503 names what fails."""
    checks = web_checks()
    if request.GET.get("full") == "1":
        checks |= background_checks()
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


HEALTH_VIEWS = {"/healthz": healthz, "/readyz": readyz}
