import json
import logging

import pytest

from dangjian.core.logs import JsonFormatter
from dangjian.core.tasks import record_heartbeat
from dangjian.testing.processes import clean_env, dangjian_shell

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz_answer_when_all_is_well(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503, "no worker has run yet"
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "worker": "error"}
    record_heartbeat.call()  # what the worker runs every 15 seconds
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "worker": "ok"}
    assert response["Cache-Control"] == "no-store"


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
