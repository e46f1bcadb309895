"""Background wiring of compliance, quality and notifications (listed in
``racine.wiring.AREAS``; the API process and ``racine worker`` both load it).

Kinds: ``compliance.evaluate`` (one evaluation; the CPU part in a worker
thread of this process), ``quality.run`` (assertions by id), ``quality.schedule`` (every minute:
queue assertions whose cron tick came), ``webhook.deliver`` (deliveries by id)
and ``webhook.sweep`` (every 10 s: retries that came due, and any delivery
whose dispatch was lost).

The platform secret (to decrypt source URLs and webhook secrets) and the webhook
destination allowlist come from the settings passed in (or held by the queue), else
from the environment (``RACINE_*``), which is what ``racine serve`` and ``racine
worker`` read too.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from racine.config import Settings, load_settings
from racine.connectors import connector_for
from racine.domain.access.model import Principal
from racine.domain.compliance.evaluation import EVALUATE_KIND, run_evaluation
from racine.domain.incidents.destinations import DestinationPolicy
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.runner import QuerySource
from racine.domain.quality.sources import source_opener
from racine.domain.quality.use_cases import QUALITY_RUN_KIND, fire_due_assertions, run_assertions
from racine.domain.runs.context import JobContext
from racine.domain.runs.model import JobRun
from racine.domain.scanning.credentials import CredentialCipher
from racine.jobs.base import RunQueue
from racine.notifications.delivery import DeliveryPolicy, deliver_due

__all__ = [
    "DELIVER_KIND",
    "QUALITY_SCHEDULE_KIND",
    "SWEEP_KIND",
    "dispatch_deliveries",
    "register_jobs",
]

DELIVER_KIND = "webhook.deliver"
SWEEP_KIND = "webhook.sweep"
QUALITY_SCHEDULE_KIND = "quality.schedule"
QUALITY_STATEMENT_TIMEOUT_S = 30.0


async def dispatch_deliveries(queue: Any, ids: Sequence[uuid.UUID]) -> None:
    """Queue the first attempt of fresh deliveries (the sweep catches misses)."""
    if ids and queue is not None:
        await queue.submit(DELIVER_KIND, {"ids": [str(i) for i in ids]})


def _connector(url: str) -> QuerySource:
    return connector_for(url, statement_timeout_s=QUALITY_STATEMENT_TIMEOUT_S)


def register_jobs(
    queue: RunQueue, settings: Settings | None = None, policy: DeliveryPolicy | None = None
) -> None:
    known = settings or getattr(queue, "settings", None)

    @functools.cache
    def cipher() -> CredentialCipher:
        return CredentialCipher((known or load_settings()).secret())

    @functools.cache
    def delivery_policy() -> DeliveryPolicy:
        if policy is not None:
            return policy
        allowed = (known or load_settings()).webhook_allowed_networks
        return DeliveryPolicy(destinations=DestinationPolicy(allowed))

    def uows(ctx: JobContext) -> Callable[[], IncidentsUnitOfWork]:
        return ctx.uow_factory  # type: ignore[return-value]

    async def evaluate(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        # In a worker thread of this process, not the CPU pool: shipping a snapshot of
        # 100,000s of facts to another process and the violations back cost more
        # than evaluating them (bench/compliance/RESULTS.md).
        outcome = await run_evaluation(uows(ctx), uuid.UUID(str(run.payload["evaluation_id"])))
        await dispatch_deliveries(queue, outcome.delivery_ids)
        return {"counts": outcome.run.counts}

    async def quality(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        ids = [uuid.UUID(i) for i in run.payload.get("assertion_ids", [])]
        opener = source_opener(uows(ctx), cipher(), _connector)
        outcome = await run_assertions(uows(ctx), opener, ids, Principal.system())
        await dispatch_deliveries(queue, outcome.delivery_ids)
        return {
            "results": {
                r.status.value: sum(1 for x in outcome.results if x.status is r.status)
                for r in outcome.results
            }
        }

    async def quality_schedule(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        ids = await fire_due_assertions(uows(ctx), queue)
        return {"queued": len(ids)}

    async def deliver(ctx: JobContext, run: JobRun) -> dict[str, Any]:
        raw = run.payload.get("ids")
        ids = None if raw is None else [uuid.UUID(i) for i in raw]
        done = await deliver_due(uows(ctx), cipher(), delivery_policy(), ids)
        return {"attempted": len(done)}

    queue.register(EVALUATE_KIND, evaluate)
    queue.register(QUALITY_RUN_KIND, quality)
    queue.register(QUALITY_SCHEDULE_KIND, quality_schedule)
    queue.register(DELIVER_KIND, deliver)
    queue.register(SWEEP_KIND, deliver)
    queue.schedule(QUALITY_SCHEDULE_KIND, "* * * * *", dict)
    queue.schedule(SWEEP_KIND, "* * * * * */10", dict)
