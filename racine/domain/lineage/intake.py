"""OpenLineage intake: one RunEvent, DatasetEvent or JobEvent into assets and edges.

Namespaces map to registered data sources by host and port (or SQLite file),
read from the source's display URL (never its credentials); a namespace no
source matches keeps its datasets as EXTERNAL assets of no source, named
``namespace/name``. Datasets unknown to the catalog become EXTERNAL placeholders,
their schema facet becomes columns, their columnLineage facet column edges.
Jobs and runs are JOB and RUN assets (``job namespace/name``, ``run:<runId>``);
a run keeps every state it went through. The raw event is kept, and its
idempotency key ((runId, eventType, eventTime) for runs) makes a retry a no-op.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, AssetKind, utcnow
from racine.domain.lineage.assets import AssetIndex
from racine.domain.lineage.catalog import TableCatalog
from racine.domain.lineage.edges import EdgeLevel, LineageEdge, merge_edges
from racine.domain.lineage.events import lineage_changed
from racine.domain.lineage.model import Provenance, Transformation, TransformationType
from racine.domain.lineage.openlineage import (
    DatasetEvent,
    DatasetRef,
    JobEvent,
    OpenLineageDataset,
    OpenLineageEvent,
    RunEvent,
    parse_openlineage_event,
)
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.lineage.sourcehint import SourceHint, namespace_to_source_hint

__all__ = ["IntakeOutcome", "Namespaces", "ingest_openlineage", "job_name", "run_name"]


@dataclass(frozen=True)
class IntakeOutcome:
    key: str
    kind: str
    duplicate: bool
    edges: int = 0


def job_name(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def run_name(run_id: uuid.UUID) -> str:
    return f"run:{run_id}"


class Namespaces:
    """OpenLineage namespace <-> registered data source."""

    def __init__(self, sources: Iterable[tuple[uuid.UUID, str, str, str]]) -> None:
        self._hints: list[tuple[uuid.UUID, SourceHint]] = []
        for source_id, _name, _engine, url in sources:
            hint = namespace_to_source_hint(url)
            if hint is not None:
                self._hints.append((source_id, hint))

    def source_for(self, namespace: str) -> uuid.UUID | None:
        wanted = namespace_to_source_hint(namespace)
        if wanted is None:
            return None
        for source_id, hint in self._hints:
            if hint.kind != wanted.kind:
                continue
            if hint.kind == "sqlite" and hint.path and hint.path == wanted.path:
                return source_id
            if hint.kind != "sqlite" and (hint.host, hint.port) == (wanted.host, wanted.port):
                return source_id
        return None

    def namespace_of(self, source_id: uuid.UUID) -> str | None:
        for known, hint in self._hints:
            if known == source_id:
                if hint.kind == "sqlite":
                    return f"sqlite://{hint.path or ''}"
                scheme = "postgres" if hint.kind == "postgresql" else hint.kind
                return f"{scheme}://{hint.host}:{hint.port}"
        return None


class _Datasets:
    """Datasets of one event, resolved per source, placeholders created on demand."""

    def __init__(self, uow: LineageUnitOfWork, spaces: Namespaces) -> None:
        self.uow = uow
        self.spaces = spaces
        self.indexes: dict[uuid.UUID | None, AssetIndex] = {}
        self.catalogs: dict[uuid.UUID, TableCatalog] = {}

    async def prepare(self, refs: Iterable[DatasetRef]) -> None:
        loose: list[str] = []
        for ref in refs:
            source_id = self.spaces.source_for(ref.namespace)
            if source_id is None:
                loose.append(job_name(ref.namespace, ref.name))
            elif source_id not in self.indexes:
                index = self.indexes[source_id] = AssetIndex(self.uow, source_id, "OPENLINEAGE")
                await index.load_all()
                self.catalogs[source_id] = TableCatalog(index.schema(), None)
        index = self.indexes.setdefault(None, AssetIndex(self.uow, None, "OPENLINEAGE"))
        await index.prefetch(loose)

    def table(self, ref: DatasetRef) -> Asset:
        source_id = self.spaces.source_for(ref.namespace)
        index = self.indexes[source_id]
        if source_id is None:
            return index.ensure_table(
                job_name(ref.namespace, ref.name),
                {"openlineage": {"namespace": ref.namespace, "name": ref.name}},
            )
        catalog = self.catalogs[source_id]
        hint = namespace_to_source_hint(ref.namespace)
        found = catalog.resolve_name(ref.name)
        if found is None and hint is not None:
            _db, schema, table = hint.split_name(ref.name)
            found = catalog.resolve(tuple(p for p in (schema, table) if p))
        return index.ensure_table(found or ref.name)

    def column(self, ref: DatasetRef, name: str, data_type: str | None = None) -> Asset:
        table = self.table(ref)
        return self.indexes[self.spaces.source_for(ref.namespace)].ensure_column(
            table, name, data_type
        )

    async def flush(self) -> list[Asset]:
        created: list[Asset] = []
        for index in self.indexes.values():
            await index.flush()
            created.extend(index.created)
        return created


async def ingest_openlineage(
    uow: LineageUnitOfWork, actor: Principal, payload: Mapping[str, Any]
) -> IntakeOutcome:
    """Validate and store one event. EDITOR or above. Raises ValidationFailed (with
    a field path into the event) for a bad event; nothing is written then."""
    actor.require(Role.EDITOR)
    event = parse_openlineage_event(payload)
    kind = type(event).__name__
    async with uow:
        if await uow.lineage.has_event(event.idempotency_key):
            return IntakeOutcome(event.idempotency_key, kind, duplicate=True)
        await uow.lineage.add_event(_event_row(event, payload, actor))
        spaces = Namespaces(await uow.lineage.sources())
        datasets = _Datasets(uow, spaces)
        inputs, outputs = _io(event)
        refs = [d.ref for d in (*inputs, *outputs)]
        refs += [f.source for d in outputs for f in d.column_edges]
        await datasets.prepare(refs)
        for dataset in (*inputs, *outputs):
            table = datasets.table(dataset.ref)
            for column in dataset.columns:
                datasets.column(dataset.ref, column.name, column.type)
            del table
        job, run = await _job_and_run(uow, event)
        job_id = None if job is None else job.id
        run_id = None if run is None else run.id
        edges: list[LineageEdge] = []
        direct = Transformation(TransformationType.DIRECT)
        for source in inputs:
            for target in outputs:
                a, b = datasets.table(source.ref), datasets.table(target.ref)
                if a.id != b.id:
                    edges.append(
                        LineageEdge(
                            a.id,
                            b.id,
                            EdgeLevel.TABLE,
                            Provenance.OPENLINEAGE,
                            direct,
                            job_id,
                            run_id,
                        )
                    )
        for target in outputs:
            for f in target.column_edges:
                a = datasets.column(f.source, f.source_field)
                b = (
                    datasets.table(f.target)
                    if f.target_field is None
                    else datasets.column(f.target, f.target_field)
                )
                if a.id != b.id:
                    edges.append(
                        LineageEdge(
                            a.id,
                            b.id,
                            EdgeLevel.COLUMN,
                            Provenance.OPENLINEAGE,
                            f.transformation,
                            job_id,
                            run_id,
                        )
                    )
        created = await datasets.flush()
        stored = await uow.lineage.upsert_edges(merge_edges(edges)) if edges else []
        await record(uow, actor, "lineage.openlineage", "OpenLineageEvent", None, {
            "kind": kind, "key": event.idempotency_key, "edges": len(stored),
            "placeholders": len(created),
        })  # fmt: skip
        columns = [e.source_id for e in stored if e.level is EdgeLevel.COLUMN]
        copies = await uow.lineage.propagated(assets=columns)
        uow.emit(
            lineage_changed([e.id for e in stored], {*columns, *(c.source_asset for c in copies)})
        )
        await uow.commit()
    return IntakeOutcome(event.idempotency_key, kind, False, len(stored))


def _io(event: OpenLineageEvent) -> tuple[tuple[OpenLineageDataset, ...], ...]:
    if isinstance(event, DatasetEvent):
        return (), (event.dataset,)
    return event.inputs, event.outputs


def _event_row(
    event: OpenLineageEvent, payload: Mapping[str, Any], actor: Principal
) -> dict[str, Any]:
    run = event.run if isinstance(event, RunEvent) else None
    job = event.job if isinstance(event, RunEvent | JobEvent) else None
    return {
        "id": uuid.uuid4(), "idempotency_key": event.idempotency_key,
        "kind": type(event).__name__, "event_type": run.state.value if run else None,
        "event_time": event.event_time, "run_id": run.id if run else None,
        "job_namespace": job.namespace if job else None, "job_name": job.name if job else None,
        "producer": event.producer, "payload": dict(payload), "received_by": actor.user_id,
        "received_at": utcnow(),
    }  # fmt: skip


async def _job_and_run(
    uow: LineageUnitOfWork, event: OpenLineageEvent
) -> tuple[Asset | None, Asset | None]:
    if isinstance(event, DatasetEvent):
        return None, None
    ref = event.job
    name = job_name(ref.namespace, ref.name)
    found = await uow.lineage.by_qualified_names(None, [name], [AssetKind.JOB])
    job = found.get(name)
    detail = {"namespace": ref.namespace, "name": ref.name, "sql": ref.sql}
    if job is None:
        job = Asset(
            kind=AssetKind.JOB, name=ref.name, qualified_name=name, source_id=None, detail=detail
        )
        await uow.catalog.save_many([job], [])
        await uow.catalog.reindex([job.id])
    elif ref.sql and job.detail.get("sql") != ref.sql:
        job.detail = {**job.detail, **detail}
        job.updated_at = utcnow()
        await uow.catalog.save(job)
    if not isinstance(event, RunEvent):
        return job, None
    rname = run_name(event.run.id)
    run = (await uow.lineage.by_qualified_names(None, [rname], [AssetKind.RUN])).get(rname)
    state = {"state": event.run.state.value, "at": event.event_time.astimezone(UTC).isoformat()}
    if run is None:
        run = Asset(kind=AssetKind.RUN, name=str(event.run.id), qualified_name=rname,
                    source_id=None, parent_id=job.id, detail={
                        "runId": str(event.run.id), "state": state["state"],
                        "stateAt": state["at"], "states": [state],
                        "parentRunId": str(event.run.parent_id) if event.run.parent_id else None,
                    })  # fmt: skip
        await uow.catalog.save_many([run], [])
        return job, run
    states = [*run.detail.get("states", []), state]
    states.sort(key=lambda s: s["at"])
    latest = states[-1]
    run.detail = {**run.detail, "states": states, "state": latest["state"], "stateAt": latest["at"]}
    run.updated_at = utcnow()
    await uow.catalog.save(run)
    return job, run
