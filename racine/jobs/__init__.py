"""Background jobs: the :class:`~racine.domain.ports.JobQueue` implementations.

Embedded mode runs jobs in the serving process (:class:`InProcessJobQueue`);
production enqueues run ids on PostgreSQL through pgqueuer and ``racine worker``
processes execute them (:class:`PgJobQueue`, :func:`run_worker`). Either way the
``job_runs`` row is the truth and the queue only dispatches.
"""

from racine.domain.runs.context import JobContext, RunCancelled, RunHandler
from racine.jobs.base import RunQueue
from racine.jobs.context import RunnerContext
from racine.jobs.factory import build_job_queue
from racine.jobs.inprocess import InProcessJobQueue
from racine.jobs.options import JobOptions
from racine.jobs.pgqueue import PgJobQueue
from racine.jobs.reasons import failure_reason, redact
from racine.jobs.recovery import Recovered, recover_orphans
from racine.jobs.registry import HandlerRegistry
from racine.jobs.runner import REQUEUED_AT_SHUTDOWN, OutcomeHook, Runner
from racine.jobs.scheduler import Schedule, Scheduler, tick_run_id
from racine.jobs.schema import install_queue_schema
from racine.jobs.worker import run_worker

__all__ = [
    "REQUEUED_AT_SHUTDOWN",
    "HandlerRegistry",
    "InProcessJobQueue",
    "JobContext",
    "JobOptions",
    "OutcomeHook",
    "PgJobQueue",
    "Recovered",
    "RunCancelled",
    "RunHandler",
    "RunQueue",
    "Runner",
    "RunnerContext",
    "Schedule",
    "Scheduler",
    "build_job_queue",
    "failure_reason",
    "install_queue_schema",
    "recover_orphans",
    "redact",
    "run_worker",
    "tick_run_id",
]
