"""Background work: the scheduler enqueues, a real worker runs, scheduled pages go live."""

import os

import pytest

from dangjian.testing.processes import backend_env, dangjian, dangjian_shell, demo_load

SCHEDULE = (
    "import datetime as dt; from django.utils import timezone;"
    "from dangjian.portal.models import ArticlePage;"
    "a = ArticlePage.objects.live().first(); a.title = '定时发布的新标题';"
    "r = a.save_revision(approved_go_live_at=timezone.now() - dt.timedelta(seconds=1));"
    "print(a.pk)"
)


def test_worker_runs_queued_tasks_and_publishes_scheduled_revisions(tmp_path):
    """On the database queue in the embedded default, on RQ with Redis."""
    with backend_env(tmp_path) as env:
        demo_load("--articles", "3", "--cities", "0", env=env)
        page_id = dangjian_shell(SCHEDULE, env=env).split()[-1]
        enqueue = (
            "from dangjian.core.tasks import publish_scheduled_pages, record_heartbeat;"
            "publish_scheduled_pages.enqueue(); record_heartbeat.enqueue()"
        )
        dangjian_shell(enqueue, env=env)
        title = f"from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.get(pk={page_id}).title)"
        assert dangjian_shell(title, env=env).strip() != "定时发布的新标题"
        worked = dangjian("worker", "--batch", env=env)
        assert worked.returncode == 0, worked.stderr
        if "REDIS_URL" in env:  # JSON logs by default with Redis: every line one object, no routine job lines
            lines = [line for line in (worked.stdout + worked.stderr).splitlines() if line.strip()]
            assert all(line.startswith("{") for line in lines) and not any("Job OK" in line for line in lines), lines
        assert dangjian_shell(title, env=env).strip() == "定时发布的新标题"
        beat = "from django.core.cache import cache; print(cache.get('dangjian:worker-heartbeat') is not None)"
        assert dangjian_shell(beat, env=env).strip() == "True"


@pytest.mark.django_db
def test_expired_sessions_are_cleared_by_the_scheduled_task(client):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from dangjian.core.scheduler import PERIODIC
    from dangjian.core.tasks import clear_expired_sessions

    assert clear_expired_sessions in [task for task, _seconds in PERIODIC]
    client.get("/login/")  # a visit to the login page starts a session
    Session.objects.create(session_key="x" * 40, session_data="", expire_date=timezone.now() - dt.timedelta(days=1))
    clear_expired_sessions.call()
    assert list(Session.objects.values_list("session_key", flat=True)) == [client.session.session_key]


@pytest.mark.django_db  # inside the test's transaction
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the RQ queue is used with REDIS_URL (the PostgreSQL + Redis run)")
def test_a_job_asked_for_inside_a_transaction_is_queued_when_it_commits(django_capture_on_commit_callbacks):
    import django_rq

    from dangjian.core.taskqueue import OnCommitRQBackend
    from dangjian.core.tasks import record_heartbeat

    backend = OnCommitRQBackend("on-commit-test", {"QUEUES": ["default"]})
    queue = django_rq.get_queue("default")
    before = set(queue.job_ids)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        backend.enqueue(record_heartbeat, (), {})
        assert set(queue.job_ids) == before  # a worker could otherwise run it before the commit
    for callback in callbacks:
        callback()  # the commit
    new = set(queue.job_ids) - before
    assert len(new) == 1
    queue.remove(new.pop())


def test_feature_apps_register_their_periodic_tasks():
    from dangjian.accounts.tasks import purge_account_records
    from dangjian.core.scheduler import PERIODIC
    from dangjian.pageviews.tasks import compact_hourly_views, flush_views, refresh_hot_lists

    registered = [task for task, _seconds in PERIODIC]
    for task in (purge_account_records, flush_views, refresh_hot_lists, compact_hourly_views):
        assert registered.count(task) == 1
