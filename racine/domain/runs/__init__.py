"""Durable background runs: the state of every job lives in our database."""

from racine.domain.runs.context import JobContext, RunCancelled, RunHandler
from racine.domain.runs.model import JobRun, RunState
from racine.domain.runs.use_cases import cancel_run, submit_run

__all__ = [
    "JobContext",
    "JobRun",
    "RunCancelled",
    "RunHandler",
    "RunState",
    "cancel_run",
    "submit_run",
]
