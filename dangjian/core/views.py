from __future__ import annotations

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .tasks import HEARTBEAT_KEY

# The worker records a heartbeat every 15 s (scheduler.PERIODIC); allow a few misses.
HEARTBEAT_MAX_AGE = 90

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready for traffic: the database and the cache answer and a task worker has run
    recently. 503 names what does not."""
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
    try:
        beat = cache.get(HEARTBEAT_KEY)
        checks["worker"] = "ok" if beat and time.time() - beat < HEARTBEAT_MAX_AGE else "error"
    except Exception:
        checks["worker"] = "error"
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
