"""OpenLineage intake: validate a RunEvent, DatasetEvent or JobEvent (already
decoded from JSON) and normalise it into typed values.

Follows the OpenLineage 2-0-x spec for required fields. Unknown facets are
ignored, not rejected, since producers add their own. Every failure is a
:class:`ValidationFailed` whose ``field`` is a path into the event, e.g.
``outputs[0].facets.columnLineage.fields.email.inputFields[1].field``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.lineage.model import (
    Transformation,
    TransformationSubtype,
    TransformationType,
)
from racine.domain.lineage.sourcehint import SourceHint, namespace_to_source_hint

__all__ = [
    "MAX_DATASETS",
    "MAX_FIELDS",
    "DatasetColumn",
    "DatasetEvent",
    "DatasetRef",
    "EventType",
    "FieldEdge",
    "JobEvent",
    "JobRef",
    "OpenLineageDataset",
    "OpenLineageEvent",
    "RunEvent",
    "RunRef",
    "SourceHint",
    "namespace_to_source_hint",
    "parse_openlineage_event",
]

MAX_DATASETS = 1_000  # per inputs / outputs list
MAX_FIELDS = 10_000  # schema fields and column-lineage entries per dataset
_MAX_NAME = 1_000


class EventType(StrEnum):
    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True, order=True)
class DatasetRef:
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class DatasetColumn:
    name: str
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FieldEdge:
    """``source_field`` of ``source`` feeds ``target_field`` of ``target``;
    ``target_field`` is None for dataset-wide (INDIRECT) influence."""

    source: DatasetRef
    source_field: str
    target: DatasetRef
    target_field: str | None
    transformation: Transformation


@dataclass(frozen=True, slots=True)
class OpenLineageDataset:
    ref: DatasetRef
    columns: tuple[DatasetColumn, ...] = ()
    column_edges: tuple[FieldEdge, ...] = ()

    @property
    def source_hint(self) -> SourceHint | None:
        return namespace_to_source_hint(self.ref.namespace)


@dataclass(frozen=True, slots=True)
class JobRef:
    namespace: str
    name: str
    sql: str | None = None


@dataclass(frozen=True, slots=True)
class RunRef:
    id: uuid.UUID
    state: EventType
    time: datetime
    parent_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class RunEvent:
    event_time: datetime
    producer: str
    schema_url: str
    job: JobRef
    run: RunRef
    inputs: tuple[OpenLineageDataset, ...]
    outputs: tuple[OpenLineageDataset, ...]
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class DatasetEvent:
    event_time: datetime
    producer: str
    schema_url: str
    dataset: OpenLineageDataset
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class JobEvent:
    event_time: datetime
    producer: str
    schema_url: str
    job: JobRef
    inputs: tuple[OpenLineageDataset, ...]
    outputs: tuple[OpenLineageDataset, ...]
    idempotency_key: str


OpenLineageEvent = RunEvent | DatasetEvent | JobEvent


def parse_openlineage_event(payload: object) -> OpenLineageEvent:
    """Validate and normalise one decoded OpenLineage event.

    The kind is told by shape, as the spec's schemas do: ``run`` makes a
    RunEvent, else ``dataset`` a DatasetEvent, else ``job`` a JobEvent. A RunEvent
    without ``eventType`` is taken as OTHER (the field is optional in the spec).
    """
    event = _object(payload, "")
    event_time = _time(event.get("eventTime"), "eventTime")
    producer = _text(event.get("producer"), "producer")
    schema_url = _text(event.get("schemaURL"), "schemaURL")
    if "run" in event:
        job = _job(event.get("job"), "job")
        state = _event_type(event.get("eventType"))
        run = _run(event.get("run"), state, event_time)
        key = _key("run", str(run.id), state.value, _iso(event_time))
        return RunEvent(
            event_time, producer, schema_url, job, run,
            _datasets(event.get("inputs"), "inputs"),
            _datasets(event.get("outputs"), "outputs"),
            key,
        )  # fmt: skip
    if "dataset" in event:
        dataset = _dataset(event.get("dataset"), "dataset")
        key = _key("dataset", dataset.ref.namespace, dataset.ref.name, _iso(event_time))
        return DatasetEvent(event_time, producer, schema_url, dataset, key)
    if "job" in event:
        job = _job(event.get("job"), "job")
        key = _key("job", job.namespace, job.name, _iso(event_time))
        return JobEvent(
            event_time, producer, schema_url, job,
            _datasets(event.get("inputs"), "inputs"),
            _datasets(event.get("outputs"), "outputs"),
            key,
        )  # fmt: skip
    raise ValidationFailed("an event needs run, dataset or job", field="run")


# -- pieces --------------------------------------------------------------------------


def _key(*parts: str) -> str:
    """Stable across retries of the same event; parts are joined unambiguously."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{parts[0]}:{digest[:40]}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationFailed(f"{path or 'event'} must be an object", field=path or None)
    return value


def _text(value: object, path: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{path} must be a non-empty string", field=path)
    if len(value) > _MAX_NAME and not path.endswith("query"):
        raise LimitExceeded(f"{path} is longer than {_MAX_NAME} characters", field=path)
    return value


def _time(value: object, path: str) -> datetime:
    text = _text(value, path)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"{path} must be an ISO 8601 date-time", field=path) from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"{path} must carry a time zone offset", field=path)
    return moment


def _event_type(value: object) -> EventType:
    if value is None:
        return EventType.OTHER
    try:
        return EventType(str(value).upper()) if isinstance(value, str) else EventType("")
    except ValueError:
        allowed = ", ".join(e.value for e in EventType)
        raise ValidationFailed(f"eventType must be one of {allowed}", field="eventType") from None


def _uuid(value: object, path: str) -> uuid.UUID:
    try:
        return uuid.UUID(_text(value, path))
    except ValueError:
        raise ValidationFailed(f"{path} must be a UUID", field=path) from None


def _run(value: object, state: EventType, event_time: datetime) -> RunRef:
    run = _object(value, "run")
    run_id = _uuid(run.get("runId"), "run.runId")
    parent_id: uuid.UUID | None = None
    facets = run.get("facets")
    if isinstance(facets, Mapping):
        parent = facets.get("parent")
        if isinstance(parent, Mapping) and isinstance(parent.get("run"), Mapping):
            raw = parent["run"].get("runId")
            if raw is not None:
                parent_id = _uuid(raw, "run.facets.parent.run.runId")
    return RunRef(run_id, state, event_time, parent_id)


def _job(value: object, path: str) -> JobRef:
    job = _object(value, path)
    namespace = _text(job.get("namespace"), f"{path}.namespace")
    name = _text(job.get("name"), f"{path}.name")
    sql: str | None = None
    facets = job.get("facets")
    if isinstance(facets, Mapping) and isinstance(facets.get("sql"), Mapping):
        query = facets["sql"].get("query")
        if query is not None:
            sql = _text(query, f"{path}.facets.sql.query")
    return JobRef(namespace, name, sql)


def _datasets(value: object, path: str) -> tuple[OpenLineageDataset, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationFailed(f"{path} must be a list", field=path)
    if len(value) > MAX_DATASETS:
        raise LimitExceeded(f"{path} has more than {MAX_DATASETS} datasets", field=path)
    return tuple(_dataset(item, f"{path}[{i}]") for i, item in enumerate(value))


def _dataset(value: object, path: str) -> OpenLineageDataset:
    dataset = _object(value, path)
    ref = DatasetRef(
        _text(dataset.get("namespace"), f"{path}.namespace"),
        _text(dataset.get("name"), f"{path}.name"),
    )
    facets = dataset.get("facets")
    if facets is None:
        return OpenLineageDataset(ref)
    facets = _object(facets, f"{path}.facets")
    columns: tuple[DatasetColumn, ...] = ()
    if facets.get("schema") is not None:
        schema = _object(facets["schema"], f"{path}.facets.schema")
        columns = tuple(_fields(schema.get("fields"), f"{path}.facets.schema.fields", ""))
    edges: tuple[FieldEdge, ...] = ()
    if facets.get("columnLineage") is not None:
        edges = _column_lineage(facets["columnLineage"], ref, f"{path}.facets.columnLineage")
    return OpenLineageDataset(ref, columns, edges)


def _fields(value: object, path: str, prefix: str) -> list[DatasetColumn]:
    """Schema fields; nested struct fields are flattened to dotted names."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed(f"{path} must be a list", field=path)
    if len(value) > MAX_FIELDS:
        raise LimitExceeded(f"{path} has more than {MAX_FIELDS} fields", field=path)
    columns: list[DatasetColumn] = []
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        entry = _object(item, item_path)
        name = prefix + _text(entry.get("name"), f"{item_path}.name")
        kind = entry.get("type")
        description = entry.get("description")
        columns.append(
            DatasetColumn(
                name,
                _text(kind, f"{item_path}.type") if kind is not None else None,
                description if isinstance(description, str) else None,
            )
        )
        columns.extend(_fields(entry.get("fields"), f"{item_path}.fields", f"{name}."))
        if len(columns) > MAX_FIELDS:
            raise LimitExceeded(f"{path} has more than {MAX_FIELDS} fields", field=path)
    return columns


def _column_lineage(value: object, target: DatasetRef, path: str) -> tuple[FieldEdge, ...]:
    facet = _object(value, path)
    edges: list[FieldEdge] = []
    fields = facet.get("fields")
    if fields is not None:
        fields = _object(fields, f"{path}.fields")
        if len(fields) > MAX_FIELDS:
            raise LimitExceeded(f"{path}.fields has more than {MAX_FIELDS} entries", field=path)
        for output_field, spec in fields.items():
            spec_path = f"{path}.fields.{output_field}"
            entry = _object(spec, spec_path)
            legacy = _legacy(entry)
            edges.extend(
                _input_fields(entry.get("inputFields"), target, output_field, legacy, spec_path)
            )
            if len(edges) > MAX_FIELDS * 10:
                raise LimitExceeded(f"{path} has too many column edges", field=path)
    if facet.get("dataset") is not None:
        edges.extend(_input_fields(facet["dataset"], target, None, None, f"{path}.dataset"))
    return tuple(edges)


def _input_fields(
    value: object,
    target: DatasetRef,
    target_field: str | None,
    legacy: Transformation | None,
    path: str,
) -> list[FieldEdge]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed(f"{path} must be a list", field=path)
    edges: list[FieldEdge] = []
    key = "inputFields" if target_field is not None else ""
    for i, item in enumerate(value):
        item_path = f"{path}.{key}[{i}]" if key else f"{path}[{i}]"
        entry = _object(item, item_path)
        source = DatasetRef(
            _text(entry.get("namespace"), f"{item_path}.namespace"),
            _text(entry.get("name"), f"{item_path}.name"),
        )
        field_name = _text(entry.get("field"), f"{item_path}.field")
        transformations = entry.get("transformations")
        if transformations is None:
            ways = [legacy or _default_way(target_field)]
        else:
            if not isinstance(transformations, list):
                raise ValidationFailed(
                    f"{item_path}.transformations must be a list",
                    field=f"{item_path}.transformations",
                )
            ways = [
                _transformation(t, f"{item_path}.transformations[{j}]")
                for j, t in enumerate(transformations)
            ] or [legacy or _default_way(target_field)]
        edges.extend(FieldEdge(source, field_name, target, target_field, way) for way in ways)
    return edges


def _default_way(target_field: str | None) -> Transformation:
    if target_field is None:
        return Transformation(TransformationType.INDIRECT)
    return Transformation(TransformationType.DIRECT)


def _transformation(value: object, path: str) -> Transformation:
    entry = _object(value, path)
    raw_type = entry.get("type")
    try:
        kind = TransformationType(str(raw_type).upper())
    except ValueError:
        raise ValidationFailed(
            f"{path}.type must be DIRECT or INDIRECT", field=f"{path}.type"
        ) from None
    subtype: TransformationSubtype | None = None
    raw_subtype = entry.get("subtype")
    if raw_subtype is not None:
        try:
            subtype = TransformationSubtype(str(raw_subtype).upper())
        except ValueError:
            raise ValidationFailed(
                f"{path}.subtype is not a known subtype", field=f"{path}.subtype"
            ) from None
        if subtype.type is not kind:
            raise ValidationFailed(
                f"subtype {subtype.value} is not a {kind.value} subtype", field=f"{path}.subtype"
            )
    masking = entry.get("masking")
    if masking is None:
        masking = False
    if not isinstance(masking, bool):
        raise ValidationFailed(f"{path}.masking must be a boolean", field=f"{path}.masking")
    description = entry.get("description")
    return Transformation(
        kind, subtype, masking, description if isinstance(description, str) else None
    )


def _legacy(entry: Mapping[str, Any]) -> Transformation | None:
    """The pre-1.x ``transformationType`` string: IDENTITY, MASKED or free text."""
    raw = entry.get("transformationType")
    if not isinstance(raw, str) or not raw.strip():
        return None
    description = entry.get("transformationDescription")
    text = description if isinstance(description, str) else None
    name = raw.strip().upper()
    if name == "IDENTITY":
        return Transformation(
            TransformationType.DIRECT, TransformationSubtype.IDENTITY, False, text
        )
    if name in {"MASKED", "MASKING"}:
        return Transformation(
            TransformationType.DIRECT, TransformationSubtype.TRANSFORMATION, True, text
        )
    if name in TransformationSubtype.__members__:
        subtype = TransformationSubtype(name)
        return Transformation(subtype.type, subtype, False, text)
    return Transformation(
        TransformationType.DIRECT, TransformationSubtype.TRANSFORMATION, False, text
    )
