"""The Redis task queue (django-tasks' RQ backend), with jobs queued when the transaction
that asked for them commits.

RQ pushes a job to Redis at once, and a worker may take it before the transaction that
enqueued it has committed: it then finds nothing, or the previous version (a search index
update for a page just published, the demo's 130 failed indexing jobs). The database
backend has no such race (its job row commits with the transaction), so this is only for
RQ. Outside a transaction, or once it commits, the job is queued as RQ would."""

from __future__ import annotations

from django.db import connection, transaction
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import RQBackend


class OnCommitRQBackend(RQBackend):
    def enqueue(self, task, args, kwargs):
        if not connection.in_atomic_block:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        transaction.on_commit(lambda: super(OnCommitRQBackend, self).enqueue(task, args, kwargs), robust=True)
        # The job gets its id when it is queued; nothing here reads a result by id.
        return TaskResult(task=task, id=get_random_id(), status=TaskResultStatus.READY, enqueued_at=None, started_at=None,
                          last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs, backend=self.alias,
                          errors=[], worker_ids=[])
