"""Evaluate frameworks: request one (a background job), run one, hook it to scans.

``run_evaluation`` is the job body: load the facts snapshot (a few bulk
queries), evaluate every check off the event loop (in a worker thread that
hands each control's result over as it is done), reconcile findings, store
tallies and the run's scores, open incidents for new CRITICAL findings, fix
those of resolved ones, and raise alerts — all in one transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.compliance.evaluate import Evaluation, Tally, evaluate, iter_evaluate
from racine.domain.compliance.facts import FactIndex, Facts, gc_paused
from racine.domain.compliance.model import (
    EvaluationRun,
    Finding,
    TallyRow,
    custom_pack,
)
from racine.domain.compliance.packs import shipped_packs
from racine.domain.compliance.reconcile import (
    NOT_REPRODUCED,
    Reconciler,
    Refresh,
    StoredFinding,
)
from racine.domain.compliance.rules import RulePack, Severity
from racine.domain.compliance.scoring import score_frameworks
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.incidents.alerts import capped, raise_alerts
from racine.domain.incidents.model import Alert, AlertKind, CauseKind
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.incidents.use_cases import Cause, open_incidents, resolve_incidents
from racine.domain.ports import JobQueue
from racine.domain.runs.use_cases import submit_run

__all__ = [
    "EVALUATE_KIND",
    "EvaluationOutcome",
    "available_packs",
    "evaluate_after_scan",
    "evaluate_snapshot",
    "request_evaluation",
    "run_evaluation",
]

EVALUATE_KIND = "compliance.evaluate"


@dataclass
class EvaluationOutcome:
    run: EvaluationRun
    delivery_ids: list[uuid.UUID]


async def available_packs(uow: IncidentsUnitOfWork) -> list[RulePack]:
    """Shipped packs plus the custom-rule pack (inside an open unit of work)."""
    packs = shipped_packs()
    custom = custom_pack(await uow.compliance.latest_rules())
    return [*packs, custom] if custom is not None else packs


def _choose(packs: list[RulePack], frameworks: Sequence[str] | None) -> list[RulePack]:
    if not frameworks:
        return packs
    by_key = {p.framework: p for p in packs}
    out = []
    for name in frameworks:
        pack = by_key.get(name.upper())
        if pack is None:
            raise NotFound("ComplianceFramework", name, field="framework")
        out.append(pack)
    return out


async def request_evaluation(
    uow: IncidentsUnitOfWork,
    queue: JobQueue,
    actor: Principal,
    frameworks: Sequence[str] | None,
    source_ids: Sequence[uuid.UUID] | None,
) -> EvaluationRun:
    """EDITOR or above. Validates the frameworks and sources, records a QUEUED
    evaluation and submits the ``compliance.evaluate`` job (same id)."""
    actor.require(Role.EDITOR)
    async with uow:
        chosen = _choose(await available_packs(uow), frameworks)
        if source_ids:
            known = await uow.compliance.source_names(source_ids)
            for sid in source_ids:
                if sid not in known:
                    raise NotFound("DataSource", sid, field="sourceIds")
        run = EvaluationRun(
            frameworks=[p.framework for p in chosen],
            source_ids=list(source_ids) if source_ids else None,
            created_by=actor.user_id,
        )
        await uow.compliance.add_run(run)
        await record(
            uow,
            actor,
            "compliance.evaluate",
            "ComplianceEvaluation",
            run.id,
            {"frameworks": run.frameworks, "sources": run.source_ids},
        )
        await uow.commit()
    try:
        await submit_run(
            uow, queue, EVALUATE_KIND, {"evaluation_id": str(run.id)}, actor.user_id, run_id=run.id
        )
    except Exception:
        async with uow:
            run.state, run.error = "FAILED", "could not be queued"
            await uow.compliance.save_run(run)
            await uow.commit()
        raise
    return run


def evaluate_snapshot(
    facts: Facts,
    packs: list[RulePack],
    source_ids: list[uuid.UUID] | None,
    types: dict[str, tuple[str, int]] | None = None,
) -> Evaluation:
    """Build the index and evaluate, in one call (what the benchmark times)."""
    with gc_paused():
        index = FactIndex(facts, types)
        scope = frozenset(source_ids) if source_ids else None
        return evaluate(index, packs, source_ids=scope)


def _alerts_for_new(new: list[Finding], reopened: list[Refresh], run_id: uuid.UUID) -> list[Alert]:
    """FINDING_NEW alerts for the most severe new or reopened findings, and one
    summary for the rest (see ``capped``): no alert is built per finding beyond."""

    def parts(i: Finding | Refresh) -> tuple[Severity, str, str, str, uuid.UUID, str]:
        if isinstance(i, Finding):
            return i.severity, i.framework, i.control_id, i.check_id, i.asset_id, i.asset_name
        v = i.violation
        return v.severity, v.framework, v.control_id, v.check_id, v.asset_id, i.asset_name

    def build(i: Finding | Refresh) -> Alert:
        level, framework, control, check, asset_id, name = parts(i)
        return Alert(
            AlertKind.FINDING_NEW,
            level.value,
            f"{framework} {control}: {name}",
            i.id,
            (asset_id,),
            {"framework": framework, "control": control, "check": check, "asset": name},
        )

    items: list[Finding | Refresh] = [*new, *reopened]
    return capped(
        AlertKind.FINDING_NEW,
        items,
        build,
        attrgetter("severity"),  # a StrEnum member is its own string
        lambda i: i.id,
        "new findings of this evaluation",
        {"evaluation": str(run_id)},
    )


async def run_evaluation(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    evaluation_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> EvaluationOutcome:
    """Evaluate a recorded evaluation request now (the job handler calls this)."""
    now = now or datetime.now(UTC)
    async with uow_factory() as uow:
        run: EvaluationRun | None = await uow.compliance.get_run(evaluation_id)
        if run is None:
            raise NotFound("ComplianceEvaluation", evaluation_id)
        run.state = "RUNNING"
        await uow.compliance.save_run(run)
        await uow.commit()
    try:
        return await _evaluate(uow_factory, run, now)
    except Exception as exc:
        async with uow_factory() as uow:
            run.state, run.finished_at = "FAILED", datetime.now(UTC)
            run.error = getattr(exc, "message", None) or type(exc).__name__
            await uow.compliance.save_run(run)
            await uow.commit()
        raise


async def _evaluate(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    run: EvaluationRun,
    now: datetime,
) -> EvaluationOutcome:
    # Hundreds of thousands of objects are built (snapshot, index, violations,
    # findings): the cyclic collector is paused throughout, and everything is freed
    # before it resumes, so it never walks them (measured: a full pass each time
    # it resumed with the snapshot still alive).
    with gc_paused():
        async with uow_factory() as uow:
            packs = _choose(await available_packs(uow), run.frameworks)
            # Evaluations write one at a time (a scan's follow-up and a user's
            # request may overlap): the lock is taken, and the stored findings
            # read, before the facts and before the worker thread starts (which
            # would slow every reply the event loop waits for).
            await uow.compliance.lock_evaluations(run.id)
            stored = await uow.compliance.stored_findings(run.frameworks, run.source_ids)
            facts = await uow.compliance.load_facts(run.source_ids)
            facts.taken_at = now
            # A worker thread evaluates control by control and hands each part over
            # as it is done: the writer sends one control's new findings to the
            # database (COPY) while the next is evaluated, and no snapshot is copied
            # to another process (pickling 100,000s of facts there and the
            # violations back cost several times the evaluation itself).
            scope = frozenset(run.source_ids) if run.source_ids else None
            parts = _in_thread(partial(_evaluation, facts, packs, scope))
            outcome = await _write(uow, run, facts, stored, parts, now)
        del facts, parts, stored
    return outcome


def _evaluation(
    facts: Facts, packs: list[RulePack], scope: frozenset[uuid.UUID] | None
) -> Iterator[Evaluation]:
    return iter_evaluate(FactIndex(facts), packs, source_ids=scope)


def _in_thread(produce: Callable[[], Iterator[Evaluation]]) -> AsyncIterator[Evaluation]:
    """Start ``produce`` in a worker thread now; the returned iterator yields its
    parts as they come (and raises what it raised)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Evaluation | BaseException | None] = asyncio.Queue()

    def run() -> None:
        try:
            for part in produce():
                loop.call_soon_threadsafe(queue.put_nowait, part)
        except BaseException as exc:  # handed to the consumer, raised there
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    worker = loop.run_in_executor(None, run)

    async def parts() -> AsyncIterator[Evaluation]:
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            await worker

    return parts()


def _tally_rows(tallies: dict[tuple[str, str], Tally]) -> list[TallyRow]:
    rows = [
        TallyRow(fw, control, source, count)
        for (fw, control), tally in tallies.items()
        for source, count in tally.by_source.items()
    ]
    # Controls that evaluated nothing still appear (with zero) so they are reported.
    rows += [
        TallyRow(fw, control, None, 0)
        for (fw, control), tally in tallies.items()
        if tally.evaluated == 0
    ]
    return rows


async def _write(
    uow: IncidentsUnitOfWork,
    run: EvaluationRun,
    facts: Facts,
    stored: dict[str, StoredFinding],
    parts: AsyncIterator[Evaluation],
    now: datetime,
) -> EvaluationOutcome:
    """Reconcile and write, in ``uow`` (which holds the evaluations' lock)."""
    frameworks = set(run.frameworks)
    scope = set(run.source_ids) if run.source_ids else None
    reconciler = Reconciler(
        stored,
        facts.assets,
        run_id=run.id,
        now=now,
        in_scope=lambda f: f.framework in frameworks and (scope is None or f.source_id in scope),
        new_ids=uow.compliance.new_ids,
    )
    tallies: dict[tuple[str, str], Tally] = {}
    violations = 0

    async def new_findings() -> AsyncIterator[list[Finding]]:
        nonlocal violations
        async for part in parts:
            tallies.update(part.tallies)
            violations += len(part.violations)
            yield reconciler.add(part.violations)
            await asyncio.sleep(0)  # let the loop send what the writer buffered

    await uow.compliance.add_findings(new_findings())
    changes = reconciler.finish()
    # Findings merely seen again are not rewritten: their "last seen" is the
    # tallies' time (see ComplianceRepository._seen).
    await uow.compliance.refresh_findings(changes.refreshed, reopen=False, run_id=run.id, now=now)
    await uow.compliance.refresh_findings(changes.reopened, reopen=True, run_id=run.id, now=now)
    await uow.compliance.resolve_findings(changes.resolved, NOT_REPRODUCED, now)
    await uow.compliance.replace_tallies(run.frameworks, run.source_ids, _tally_rows(tallies), now)
    failing: Counter[tuple[str, str, uuid.UUID | None]] = await uow.compliance.failing_counts(
        run.frameworks
    )
    scores = score_frameworks(run.frameworks, await uow.compliance.tallies(run.frameworks), failing)
    run.scores = {k: v.to_json() for k, v in scores.items()}
    run.counts = {
        "new": len(changes.new),
        "resolved": len(changes.resolved),
        "reopened": len(changes.reopened),
        "evaluated": sum(t.evaluated for t in tallies.values()),
        "violations": violations,
    }
    run.state, run.finished_at = "SUCCEEDED", datetime.now(UTC)
    await uow.compliance.save_run(run)
    alerts = _alerts_for_new(changes.new, changes.reopened, run.id)
    # A new finding's incident needs no lookup (nothing can be open for it yet).
    alerts += await open_incidents(
        uow,
        [
            Cause(
                CauseKind.FINDING,
                f.id,
                f"{f.framework} {f.control_id}: {f.asset_name}",
                f.severity.value,
                (f.asset_id,),
            )
            for f in changes.new
            if f.severity is Severity.CRITICAL
        ],
        new_causes=True,
    )
    alerts += await open_incidents(
        uow,
        [
            Cause(
                CauseKind.FINDING,
                r.id,
                f"{r.violation.framework} {r.violation.control_id}: {r.asset_name}",
                r.violation.severity.value,
                (r.violation.asset_id,),
            )
            for r in changes.reopened
            if r.violation.severity is Severity.CRITICAL
        ],
    )
    alerts += await resolve_incidents(
        uow, CauseKind.FINDING, changes.resolved, "finding not reproduced"
    )
    delivery_ids = await raise_alerts(uow, alerts)
    await record(
        uow,
        Principal.system(),
        "compliance.evaluated",
        "ComplianceEvaluation",
        run.id,
        run.counts,
    )
    await uow.commit()
    return EvaluationOutcome(run, delivery_ids)


async def evaluate_after_scan(
    uow: IncidentsUnitOfWork, queue: JobQueue, source_id: uuid.UUID
) -> EvaluationRun:
    """Call after every successful scan of ``source_id``: queues an evaluation of
    every framework (shipped and custom) limited to that source's assets."""
    run = await request_evaluation(uow, queue, Principal.system(), None, [source_id])
    if not run.frameworks:
        raise ValidationFailed("no framework to evaluate")
    return run
