"""What the scan code calls after every successful scan of a source.

``after_scan`` queues (it never runs inline, so a scan finishes promptly):

* a ``compliance.evaluate`` run of every framework (shipped and custom) over
  the source's assets — new findings alert, resolved ones close, scores move;
* a ``quality.run`` of the source's enabled assertions, if it has any.

Before queuing, it masks the stored results of the source's assertions that the
scan's labels now call to mask (``quality.masking.scrub_stored_results``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from racine.domain.compliance.evaluation import evaluate_after_scan
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.ports import JobQueue
from racine.domain.quality.masking import scrub_stored_results
from racine.domain.quality.use_cases import QUALITY_RUN_KIND
from racine.domain.runs.use_cases import submit_run

__all__ = ["AfterScan", "after_scan"]


@dataclass(frozen=True)
class AfterScan:
    evaluation_id: uuid.UUID
    quality_run_id: uuid.UUID | None


async def after_scan(
    uow_factory: Callable[[], IncidentsUnitOfWork], queue: JobQueue, source_id: uuid.UUID
) -> AfterScan:
    evaluation = await evaluate_after_scan(uow_factory(), queue, source_id)
    async with uow_factory() as uow:
        every = await uow.quality.for_source(source_id, disabled_too=True)
        # Columns the scan labelled sensitive keep no raw value in past results either.
        await scrub_stored_results(uow, every)
        await uow.commit()
    assertions = [a for a in every if a.enabled]
    quality = None
    if assertions:
        run = await submit_run(
            uow_factory(),
            queue,
            QUALITY_RUN_KIND,
            {"assertion_ids": [str(a.id) for a in assertions]},
            None,
        )
        quality = run.id
    return AfterScan(evaluation.id, quality)
