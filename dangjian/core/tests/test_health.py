import json
import logging
import time

import pytest

from dangjian.core.logs import JsonFormatter
from dangjian.core.scheduler import Scheduler
from dangjian.core.tasks import record_heartbeat
from dangjian.testing.processes import clean_env, dangjian_shell

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeats():
    # The cache outlives a test (Redis in the PostgreSQL run): start without heartbeats.
    from django.core.cache import cache

    from dangjian.core.tasks import HEARTBEAT_KEY, SCHEDULER_HEARTBEAT_KEY

    cache.delete_many([HEARTBEAT_KEY, SCHEDULER_HEARTBEAT_KEY])


def test_readyz_is_about_this_host_and_full_names_the_scheduler_and_the_worker(client):
    from dangjian.core.middleware import code_version

    assert client.get("/healthz").json() == {"status": "ok", "version": code_version()}
    response = client.get("/readyz")
    assert response.status_code == 200, "no worker or scheduler has run: this host still serves"
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"} and response["Cache-Control"] == "no-store"
    full = client.get("/readyz", {"full": "1"})
    assert full.status_code == 503 and full.json()["checks"] == {"database": "ok", "cache": "ok", "scheduler": "error", "worker": "unknown"}
    Scheduler(periodic=[]).tick(time.monotonic())  # a scheduler's loop records its heartbeat
    assert client.get("/readyz", {"full": "1"}).json()["checks"]["worker"] == "error"  # scheduler up, no worker
    record_heartbeat.call()  # what the worker runs every 15 seconds
    full = client.get("/readyz", {"full": "1"})
    assert full.status_code == 200 and full.json()["checks"] == {"database": "ok", "cache": "ok", "scheduler": "ok", "worker": "ok"}


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "10.0.0.5:8000", "lb-probe.internal", "evil.example"])
def test_health_endpoints_answer_any_host_and_log_nothing_at_error(client, host):
    errors = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append
    logging.getLogger().addHandler(handler)
    try:
        for path in ("/healthz", "/readyz"):
            assert client.get(path, HTTP_HOST=host).status_code == 200, (path, host)
    finally:
        logging.getLogger().removeHandler(handler)
    assert errors == []
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400  # other paths still check the Host


def test_site_admins_see_the_background_jobs_on_the_admin_home(client):
    from dangjian.accounts import roles
    from dangjian.accounts.tests.test_roles import member

    client.force_login(member("admin", roles.SITE_ADMIN))
    home = client.get("/admin/").content.decode()
    assert "后台任务" in home and "定时调度：没有运行" in home
    Scheduler(periodic=[]).tick(time.monotonic())
    record_heartbeat.call()
    home = client.get("/admin/").content.decode()
    assert "定时调度：正在运行" in home and "后台任务进程：正在运行" in home
    client.force_login(member("editor", roles.FIRST_REVIEW))
    assert "background-jobs" not in client.get("/admin/").content.decode()


def test_readyz_fails_with_an_unreachable_database_in_a_real_process(tmp_path):
    code = (
        "from django.test import Client; r = Client().get('/readyz', HTTP_HOST='localhost');"
        "print(r.status_code, r.json()['checks']['database'])"
    )
    env = clean_env(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert dangjian_shell(code, env=env).split()[-2:] == ["503", "error"]


def test_json_log_lines():
    record = logging.LogRecord("dangjian.x", logging.ERROR, __file__, 1, "出错了 %s", ("原因",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "出错了 原因" and entry["level"] == "ERROR" and entry["logger"] == "dangjian.x"
    assert entry["time"].endswith("+00:00")
