"""OpenLineage event validation and normalisation."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunState
from openlineage.client.event_v2 import RunEvent as OlRun
from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.facet_v2 import schema_dataset
from openlineage.client.serde import Serde

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.lineage.model import TransformationSubtype, TransformationType
from racine.domain.lineage.openlineage import (
    MAX_DATASETS,
    DatasetEvent,
    DatasetRef,
    EventType,
    JobEvent,
    RunEvent,
    parse_openlineage_event,
)
from racine.domain.lineage.sourcehint import SourceHint, namespace_to_source_hint

RUN_ID = "0176a8c2-fe01-7439-87e6-56a1a1b4029f"
PG = "postgres://db.example.com:5432"


def client_event() -> dict[str, Any]:
    """A RunEvent as the official Python client serialises it."""
    fields = {
        "email_hash": cl.Fields(
            inputFields=[
                cl.InputField(
                    PG,
                    "shop.public.customers",
                    "email",
                    [cl.Transformation("DIRECT", "TRANSFORMATION", "md5", True)],
                )
            ],
            transformationDescription="",
            transformationType="",
        ),
        "id": cl.Fields(
            inputFields=[
                cl.InputField(
                    PG,
                    "shop.public.customers",
                    "id",
                    [
                        cl.Transformation("DIRECT", "IDENTITY"),
                        cl.Transformation("INDIRECT", "SORT"),
                    ],
                )
            ],
            transformationDescription="",
            transformationType="",
        ),
    }
    output = OutputDataset(
        namespace=PG,
        name="shop.mart.customers",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields("id", "integer"),
                    schema_dataset.SchemaDatasetFacetFields("email_hash", "text"),
                ]
            ),
            "columnLineage": cl.ColumnLineageDatasetFacet(
                fields=fields,
                dataset=[
                    cl.InputField(
                        PG,
                        "shop.public.customers",
                        "country",
                        [cl.Transformation("INDIRECT", "FILTER")],
                    )
                ],
            ),
        },
    )
    event = OlRun(
        eventType=RunState.COMPLETE,
        eventTime="2025-03-01T10:00:00.000Z",
        run=Run(runId=RUN_ID),
        job=Job(namespace="dbt", name="mart.customers"),
        producer="https://github.com/OpenLineage/OpenLineage/tree/1.26.0/client/python",
        inputs=[InputDataset(namespace=PG, name="shop.public.customers")],
        outputs=[output],
    )
    result: dict[str, Any] = Serde.to_dict(event)
    return result


def test_a_client_run_event_is_normalised() -> None:
    event = parse_openlineage_event(client_event())

    assert isinstance(event, RunEvent)
    assert event.run.id == uuid.UUID(RUN_ID)
    assert event.run.state is EventType.COMPLETE
    assert event.run.time == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert (event.job.namespace, event.job.name) == ("dbt", "mart.customers")
    assert [d.ref for d in event.inputs] == [DatasetRef(PG, "shop.public.customers")]
    output = event.outputs[0]
    assert [(c.name, c.type) for c in output.columns] == [("id", "integer"), ("email_hash", "text")]
    got = {
        (
            e.source_field,
            e.target_field,
            e.transformation.type,
            e.transformation.subtype,
            e.transformation.masking,
        )
        for e in output.column_edges
    }
    assert got == {
        (
            "email",
            "email_hash",
            TransformationType.DIRECT,
            TransformationSubtype.TRANSFORMATION,
            True,
        ),
        ("id", "id", TransformationType.DIRECT, TransformationSubtype.IDENTITY, False),
        ("id", "id", TransformationType.INDIRECT, TransformationSubtype.SORT, False),
        ("country", None, TransformationType.INDIRECT, TransformationSubtype.FILTER, False),
    }
    assert output.source_hint == SourceHint("postgresql", "db.example.com", 5432)


def test_idempotency_key_is_stable_and_tells_events_apart() -> None:
    payload = client_event()
    same = parse_openlineage_event(copy.deepcopy(payload))
    again = parse_openlineage_event(payload)
    assert isinstance(same, RunEvent) and isinstance(again, RunEvent)
    assert same.idempotency_key == again.idempotency_key

    # Same instant written with another offset: same key.
    payload["eventTime"] = "2025-03-01T11:00:00+01:00"
    shifted = parse_openlineage_event(payload)
    assert isinstance(shifted, RunEvent)
    assert shifted.idempotency_key == same.idempotency_key

    payload["eventType"] = "FAIL"
    failed = parse_openlineage_event(payload)
    assert isinstance(failed, RunEvent)
    assert failed.idempotency_key != same.idempotency_key


def test_legacy_transformation_type_is_understood() -> None:
    payload = client_event()
    lineage = payload["outputs"][0]["facets"]["columnLineage"]
    lineage["fields"] = {
        "email_hash": {
            "inputFields": [{"namespace": PG, "name": "shop.public.customers", "field": "email"}],
            "transformationType": "MASKED",
            "transformationDescription": "md5 of email",
        },
        "id": {
            "inputFields": [{"namespace": PG, "name": "shop.public.customers", "field": "id"}],
            "transformationType": "IDENTITY",
        },
    }
    del lineage["dataset"]
    event = parse_openlineage_event(payload)
    assert isinstance(event, RunEvent)
    ways = {e.target_field: e.transformation for e in event.outputs[0].column_edges}
    assert ways["email_hash"].masking is True
    assert ways["email_hash"].description == "md5 of email"
    assert ways["id"].subtype is TransformationSubtype.IDENTITY


def test_dataset_and_job_events() -> None:
    base = {
        "eventTime": "2025-03-01T10:00:00Z",
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
    }
    dataset = parse_openlineage_event(
        {
            **base,
            "dataset": {
                "namespace": "mysql://db:3306",
                "name": "shop.orders",
                "facets": {
                    "schema": {
                        "fields": [{"name": "addr", "type": "struct", "fields": [{"name": "zip"}]}]
                    }
                },
            },
        }
    )
    assert isinstance(dataset, DatasetEvent)
    assert [c.name for c in dataset.dataset.columns] == ["addr", "addr.zip"]
    assert dataset.dataset.source_hint == SourceHint("mysql", "db", 3306)

    job = parse_openlineage_event(
        {
            **base,
            "job": {
                "namespace": "airflow",
                "name": "load",
                "facets": {"sql": {"query": "INSERT INTO a SELECT * FROM b"}},
            },
            "inputs": [{"namespace": "sqlite:/data/app.db", "name": "b"}],
        }
    )
    assert isinstance(job, JobEvent)
    assert job.job.sql == "INSERT INTO a SELECT * FROM b"
    assert job.inputs[0].source_hint == SourceHint("sqlite", path="/data/app.db")
    assert job.idempotency_key != dataset.idempotency_key


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e.update(eventTime="2025-03-01T10:00:00"), "eventTime"),
        (lambda e: e.pop("producer"), "producer"),
        (lambda e: e.pop("schemaURL"), "schemaURL"),
        (lambda e: e["run"].update(runId="not-a-uuid"), "run.runId"),
        (lambda e: e["run"].pop("runId"), "run.runId"),
        (lambda e: e.update(eventType="DONE"), "eventType"),
        (lambda e: e["job"].pop("name"), "job.name"),
        (lambda e: e["job"].update(namespace=""), "job.namespace"),
        (lambda e: e.update(inputs={}), "inputs"),
        (lambda e: e["inputs"][0].pop("namespace"), "inputs[0].namespace"),
        (
            lambda e: e["outputs"][0]["facets"]["schema"]["fields"][1].pop("name"),
            "outputs[0].facets.schema.fields[1].name",
        ),
        (
            lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["id"]["inputFields"][
                0
            ].pop("field"),
            "outputs[0].facets.columnLineage.fields.id.inputFields[0].field",
        ),
        (
            lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["id"]["inputFields"][0][
                "transformations"
            ][0].update(subtype="FILTER"),
            "outputs[0].facets.columnLineage.fields.id.inputFields[0].transformations[0].subtype",
        ),
    ],
)
def test_invalid_events_name_the_field(change: Any, field: str) -> None:
    payload = client_event()
    change(payload)
    with pytest.raises(ValidationFailed) as caught:
        parse_openlineage_event(payload)
    assert caught.value.field == field


def test_missing_event_type_is_other_and_shapeless_events_are_refused() -> None:
    payload = client_event()
    del payload["eventType"]
    event = parse_openlineage_event(payload)
    assert isinstance(event, RunEvent) and event.run.state is EventType.OTHER

    with pytest.raises(ValidationFailed):
        parse_openlineage_event(["not", "an", "object"])
    with pytest.raises(ValidationFailed) as caught:
        parse_openlineage_event(
            {"eventTime": "2025-03-01T10:00:00Z", "producer": "p", "schemaURL": "s"}
        )
    assert caught.value.field == "run"


def test_too_many_datasets_is_a_limit() -> None:
    payload = client_event()
    payload["inputs"] = [{"namespace": "n", "name": f"t{i}"} for i in range(MAX_DATASETS + 1)]
    with pytest.raises(LimitExceeded) as caught:
        parse_openlineage_event(payload)
    assert caught.value.field == "inputs"


@pytest.mark.parametrize(
    ("namespace", "hint"),
    [
        ("postgres://db.example.com:6543", SourceHint("postgresql", "db.example.com", 6543)),
        ("postgresql://DB.example.com", SourceHint("postgresql", "db.example.com", 5432)),
        ("mysql://user:secret@mysql.local:3307", SourceHint("mysql", "mysql.local", 3307)),
        ("mariadb://m", SourceHint("mysql", "m", 3306)),
        ("sqlite:/var/data/app.db", SourceHint("sqlite", path="/var/data/app.db")),
        ("sqlite:///var/data/app.db", SourceHint("sqlite", path="/var/data/app.db")),
        ("s3://bucket", None),
        ("dbt", None),
        ("postgres://host:notaport", None),
    ],
)
def test_namespace_to_source_hint(namespace: str, hint: SourceHint | None) -> None:
    assert namespace_to_source_hint(namespace) == hint


def test_source_hint_splits_dataset_names() -> None:
    assert SourceHint("postgresql", "h", 5432).split_name("shop.public.orders") == (
        "shop",
        "public",
        "orders",
    )
    assert SourceHint("mysql", "h", 3306).split_name("shop.orders") == ("shop", None, "orders")
