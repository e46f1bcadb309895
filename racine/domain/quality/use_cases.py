"""Use cases of data quality: define assertions, run them (on demand, on their
cron schedule, after a scan), score assets.

A FAIL opens an incident for the assertion (one while open) and raises an
ASSERTION_FAILED alert; a later PASS fixes the incident.

An assertion on an asset a scan removed (soft-deleted: the source no longer has
it) is not run: its source would only answer that the table is missing. The first
run that finds it removed records one SKIPPED result saying so (later scheduled
and post-scan runs record nothing more); run on demand it is a CONFLICT. It runs
again as usual once a scan finds the asset again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.editable import editable
from racine.domain.compliance.packs import describe_errors
from racine.domain.errors import Conflict, NotFound, ValidationFailed
from racine.domain.incidents.alerts import raise_alerts
from racine.domain.incidents.model import Alert, AlertKind, CauseKind
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.incidents.use_cases import Cause, open_incidents, resolve_incidents
from racine.domain.paging import Page, PageRequest
from racine.domain.ports import JobQueue
from racine.domain.quality.guard import checked_select
from racine.domain.quality.masking import mask_result, result_masks
from racine.domain.quality.model import (
    COLUMN_KINDS,
    PARAMS,
    Assertion,
    AssertionKind,
    AssertionResult,
    RegexParams,
    ResultStatus,
    SchemaParams,
)
from racine.domain.quality.pyregex import compile_pattern
from racine.domain.quality.runner import Location, QuerySource, execute_assertion
from racine.domain.runs.use_cases import submit_run
from racine.domain.schedules import cron_schedule, next_tick

__all__ = [
    "QUALITY_RUN_KIND",
    "CreateAssertion",
    "RunOutcome",
    "SourceOpener",
    "assertion_results",
    "create_assertion",
    "fire_due_assertions",
    "run_assertion",
    "run_assertions",
]

QUALITY_RUN_KIND = "quality.run"
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

SourceOpener = Callable[[uuid.UUID], Awaitable[QuerySource]]
"""Opens a read-only connector to a data source by id (see ``quality.sources``)."""


@dataclass(frozen=True)
class CreateAssertion:
    asset_id: uuid.UUID
    kind: AssertionKind
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "HIGH"
    description: str = ""
    schedule: str | None = None


@dataclass
class RunOutcome:
    results: list[AssertionResult]
    delivery_ids: list[uuid.UUID]
    skipped: dict[uuid.UUID, str] = field(default_factory=dict)
    """Assertions not run because a scan removed their asset, with the reason (a
    SKIPPED result is in ``results`` only the first time)."""


async def create_assertion(
    uow: IncidentsUnitOfWork, actor: Principal, cmd: CreateAssertion
) -> Assertion:
    """EDITOR or above. Column kinds need a COLUMN asset, the others a TABLE/VIEW.
    Parameters are validated for the kind; CUSTOM_SQL is checked for the source's
    dialect; a REGEX must compile; SCHEMA without columns takes the catalog's."""
    actor.require(Role.EDITOR)
    if cmd.severity not in SEVERITIES:
        raise ValidationFailed("severity must be LOW, MEDIUM, HIGH or CRITICAL", field="severity")
    try:
        params = PARAMS[cmd.kind].model_validate(cmd.params or {})
    except ValidationError as exc:
        raise ValidationFailed(f"invalid params: {describe_errors(exc)}", field="params") from None
    schedule = cron_schedule(cmd.schedule)
    async with uow:
        editable(await uow.catalog.get(cmd.asset_id), field="assetId")
        found = await uow.quality.locate(cmd.asset_id)
        if found is None:
            raise NotFound("Asset", cmd.asset_id, field="assetId")
        asset_kind, table_id, source_id, where = found
        if cmd.kind in COLUMN_KINDS and asset_kind != "COLUMN":
            raise ValidationFailed(f"{cmd.kind.value} applies to a column", field="assetId")
        if cmd.kind not in COLUMN_KINDS and asset_kind not in ("TABLE", "VIEW"):
            raise ValidationFailed(f"{cmd.kind.value} applies to a table or view", field="assetId")
        if isinstance(params, RegexParams):
            compile_pattern(params.pattern)
        if cmd.kind is AssertionKind.CUSTOM_SQL:
            checked_select(str(cmd.params.get("sql", "")), where.dialect)
        stored = params.model_dump(mode="json")
        if isinstance(params, SchemaParams) and not params.columns:
            stored["columns"] = [{"name": n, "type": t} for n, t in where.catalog_columns]
        now = datetime.now(UTC)
        assertion = Assertion(
            asset_id=cmd.asset_id,
            table_id=table_id,
            source_id=source_id,
            kind=cmd.kind,
            params=stored,
            severity=cmd.severity,
            description=cmd.description[:2000],
            schedule=schedule,
            next_run_at=next_tick(schedule, now) if schedule else None,
            created_by=actor.user_id,
        )
        await uow.quality.add(assertion)
        await record(
            uow,
            actor,
            "quality.assertion.create",
            "QualityAssertion",
            assertion.id,
            {
                "kind": cmd.kind.value,
                "asset": str(cmd.asset_id),
                "params": stored,
                "schedule": schedule,
            },
        )
        await uow.commit()
    return assertion


async def run_assertions(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    opener: SourceOpener,
    assertion_ids: Sequence[uuid.UUID],
    actor: Principal,
    *,
    now: datetime | None = None,
) -> RunOutcome:
    """Run assertions (EDITOR or above; schedules run as the system). One source
    connection per source; results, incidents and alerts commit together."""
    actor.require(Role.EDITOR)
    now = now or datetime.now(UTC)
    async with uow_factory() as uow:
        assertions: dict[uuid.UUID, Assertion] = await uow.quality.get_many(assertion_ids)
        missing = [i for i in assertion_ids if i not in assertions]
        if missing:
            raise NotFound("QualityAssertion", missing[0], field="id")
        places: dict[uuid.UUID, Location] = {}
        for a in assertions.values():
            found = await uow.quality.locate(a.asset_id)
            if found is not None:
                places[a.id] = found[3]
        unplaced = [a.asset_id for a in assertions.values() if a.id not in places]
        removed = {
            i: x.qualified_name
            for i, x in (await uow.catalog.get_many(unplaced) if unplaced else {}).items()
            if x.deleted
        }
        masks = await result_masks(uow, list(assertions.values()))
    results: list[AssertionResult] = []
    skipped: dict[uuid.UUID, str] = {}
    by_source: dict[uuid.UUID | None, list[Assertion]] = {}
    for a in assertions.values():
        if a.id in places or a.asset_id not in removed:
            by_source.setdefault(a.source_id, []).append(a)
            continue
        skipped[a.id] = (
            f"{removed[a.asset_id]} was removed from its source (a scan no "
            "longer finds it): the assertion is not run until a scan finds it"
        )
        if a.last_status is not ResultStatus.SKIPPED:
            results.append(
                AssertionResult(
                    a.id, a.asset_id, ResultStatus.SKIPPED, message=skipped[a.id], run_at=now
                )
            )
    for source_id, items in by_source.items():
        source: QuerySource | None = None
        try:
            if source_id is not None and any(a.kind is not AssertionKind.SCHEMA for a in items):
                source = await opener(source_id)
            for a in items:
                where = places.get(a.id)
                if where is None:
                    results.append(
                        AssertionResult(
                            a.id,
                            a.asset_id,
                            ResultStatus.ERROR,
                            message="the asset no longer exists",
                            run_at=now,
                        )
                    )
                    continue
                results.append(await execute_assertion(a, where, source, now=now))
        except Exception as exc:  # opening the source failed: every run is an ERROR
            message = getattr(exc, "message", None) or "the source could not be opened"
            done = {r.assertion_id for r in results}
            results += [
                AssertionResult(a.id, a.asset_id, ResultStatus.ERROR, message=message, run_at=now)
                for a in items
                if a.id not in done
            ]
        finally:
            if source is not None:
                await source.close()
    results = [
        mask_result(r, assertions[r.assertion_id].kind, masks.get(r.assertion_id)) for r in results
    ]  # before they are stored, alerted or returned
    outcome = await _store(uow_factory, assertions, results, now)
    outcome.skipped = skipped
    return outcome


async def run_assertion(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    opener: SourceOpener,
    assertion_id: uuid.UUID,
    actor: Principal,
    *,
    now: datetime | None = None,
) -> RunOutcome:
    """``run_assertions`` for one assertion, on demand (its result is the first), or
    CONFLICT on ``id`` when a scan removed its asset (it was not run)."""
    outcome = await run_assertions(uow_factory, opener, [assertion_id], actor, now=now)
    if assertion_id in outcome.skipped:
        raise Conflict(outcome.skipped[assertion_id], field="id")
    return outcome


async def assertion_results(
    uow: IncidentsUnitOfWork, actor: Principal, assertion_id: uuid.UUID, request: PageRequest
) -> Page[AssertionResult]:
    """VIEWER or above. An assertion's results, newest first, masked with the
    labels of now (a result stored before its column was labelled included)."""
    actor.require(Role.VIEWER)
    async with uow:
        page: Page[AssertionResult] = await uow.quality.results_page(assertion_id, request)
        assertion = await uow.quality.get(assertion_id) if page.items else None
        masks = {} if assertion is None else await result_masks(uow, [assertion])
    if assertion is not None and assertion.id in masks:
        page = replace(
            page, items=[mask_result(r, assertion.kind, masks[assertion.id]) for r in page.items]
        )
    return page


async def _store(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    assertions: dict[uuid.UUID, Assertion],
    results: list[AssertionResult],
    now: datetime,
) -> RunOutcome:
    alerts: list[Alert] = []
    async with uow_factory() as uow:
        await uow.quality.add_results(results)
        failed, passed = [], []
        for r in results:
            a = assertions[r.assertion_id]
            await uow.quality.mark_run(a.id, r.status, now)
            if r.status is ResultStatus.FAIL:
                failed.append((a, r))
            elif r.status is ResultStatus.PASS:
                passed.append(a.id)
        names = await uow.quality.asset_names([a.asset_id for a, _ in failed])
        for a, r in failed:
            title = f"{a.kind.value} failed on {names.get(a.asset_id, str(a.asset_id))}"
            alerts.append(
                Alert(
                    AlertKind.ASSERTION_FAILED,
                    a.severity,
                    title,
                    a.id,
                    (a.asset_id,),
                    {"message": r.message, "observed": r.observed, "resultId": str(r.id)},
                )
            )
        alerts += await open_incidents(
            uow,
            [
                Cause(
                    CauseKind.ASSERTION,
                    a.id,
                    f"{a.kind.value} failing on {names.get(a.asset_id, str(a.asset_id))}",
                    a.severity,
                    tuple(dict.fromkeys((a.asset_id, a.table_id))),
                )
                for a, _ in failed
            ],
        )
        alerts += await resolve_incidents(uow, CauseKind.ASSERTION, passed, "assertion passes")
        delivery_ids = await raise_alerts(uow, alerts)
        await uow.commit()
    return RunOutcome(results, delivery_ids)


async def fire_due_assertions(
    uow_factory: Callable[[], IncidentsUnitOfWork],
    queue: JobQueue,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """Queue one ``quality.run`` for the assertions whose cron tick has come and
    advance their next tick; returns the assertion ids queued. An assertion on an
    asset a scan removed that has recorded its SKIPPED result already is not queued
    (its run would do nothing), but its tick advances: it runs again on its schedule
    once a scan finds the asset (that scan runs it first)."""
    now = now or datetime.now(UTC)
    async with uow_factory() as uow:
        due: list[Assertion] = await uow.quality.due(now)
        for a in due:
            if a.schedule:
                await uow.quality.set_next_run(a.id, next_tick(a.schedule, now))
        assets = await uow.catalog.get_many([a.asset_id for a in due]) if due else {}
        await uow.commit()
    ids = [
        a.id
        for a in due
        if not (
            a.last_status is ResultStatus.SKIPPED
            and a.asset_id in assets
            and assets[a.asset_id].deleted
        )
    ]
    if ids:
        await submit_run(
            uow_factory(), queue, QUALITY_RUN_KIND, {"assertion_ids": [str(i) for i in ids]}, None
        )
    return ids
