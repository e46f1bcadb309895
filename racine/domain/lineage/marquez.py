"""Marquez-compatible lineage reads for ``GET /api/v1/lineage`` and
``GET /api/v1/column-lineage``.

Marquez' graph is bipartite: ``dataset:ns:name`` and ``job:ns:name`` nodes, each
with ``inEdges``/``outEdges`` of ``{origin, destination}``. Our table edges that
name a job become dataset -> job -> dataset; edges without one link datasets
directly. Namespaces contain colons (``postgres://host:5432``), so a node id is
split at each colon in turn until a dataset is found.
"""

from __future__ import annotations

import uuid
from typing import Any

from racine.domain.access.model import Principal, Role
from racine.domain.catalog.model import Asset, AssetKind
from racine.domain.errors import NotFound, ValidationFailed
from racine.domain.lineage.assets import TABLE_LIKE, AssetIndex
from racine.domain.lineage.catalog import TableCatalog
from racine.domain.lineage.edges import EdgeLevel
from racine.domain.lineage.graph import MAX_DEPTH, Direction
from racine.domain.lineage.intake import Namespaces, job_name
from racine.domain.lineage.ports import LineageUnitOfWork
from racine.domain.lineage.sourcehint import namespace_to_source_hint
from racine.domain.lineage.use_cases import LineageQuery, read_lineage

__all__ = ["column_lineage_graph", "lineage_graph"]

Json = dict[str, Any]


def _depth(depth: int) -> int:
    if not 0 <= depth <= MAX_DEPTH:
        raise ValidationFailed(f"depth must be between 0 and {MAX_DEPTH}", field="depth")
    return depth


async def _find(
    uow: LineageUnitOfWork, spaces: Namespaces, namespace: str, name: str
) -> Asset | None:
    source_id = spaces.source_for(namespace)
    if source_id is None:
        loose = job_name(namespace, name)
        found = await uow.lineage.by_qualified_names(None, [loose], TABLE_LIKE)
        return found.get(loose)
    index = AssetIndex(uow, source_id, "OPENLINEAGE")
    await index.load_all()
    catalog = TableCatalog(index.schema(), None)
    key = catalog.resolve_name(name)
    hint = namespace_to_source_hint(namespace)
    if key is None and hint is not None:
        _db, schema, table = hint.split_name(name)
        key = catalog.resolve(tuple(p for p in (schema, table) if p))
    return index.table(key) if key else None


async def _dataset(uow: LineageUnitOfWork, spaces: Namespaces, text: str) -> Asset:
    """``ns:name`` with colons allowed in ``ns``: try each split."""
    for i, char in enumerate(text):
        if char == ":" and 0 < i < len(text) - 1:
            found = await _find(uow, spaces, text[:i], text[i + 1 :])
            if found is not None:
                return found
    raise NotFound("Dataset", field="nodeId")


def _naming(asset: Asset, spaces: Namespaces) -> tuple[str, str]:
    known = asset.detail.get("openlineage")
    if isinstance(known, dict) and known.get("namespace") and known.get("name"):
        return str(known["namespace"]), str(known["name"])
    if asset.source_id is not None:
        namespace = spaces.namespace_of(asset.source_id)
        if namespace:
            return namespace, asset.qualified_name
    return "racine", asset.qualified_name


def _dataset_data(asset: Asset, ns: str, name: str, columns: list[Asset]) -> Json:
    return {
        "id": {"namespace": ns, "name": name}, "type": "DB_TABLE", "name": name,
        "physicalName": name, "namespace": ns, "sourceName": ns,
        "fields": [{"name": c.name, "type": c.detail.get("dataType"), "tags": [],
                    "description": c.description} for c in columns],
        "description": asset.description, "createdAt": asset.created_at.isoformat(),
        "updatedAt": asset.updated_at.isoformat(), "kind": asset.kind.value,
        "racineId": str(asset.id),
    }  # fmt: skip


async def lineage_graph(uow: LineageUnitOfWork, actor: Principal, node_id: str, depth: int) -> Json:
    """``{"graph": [...]}`` around ``dataset:ns:name`` (or ``job:ns:name``)."""
    actor.require(Role.VIEWER)
    kind, _, rest = node_id.partition(":")
    async with uow:
        spaces = Namespaces(await uow.lineage.sources())
        if kind == "dataset":
            start = await _dataset(uow, spaces, rest)
        elif kind == "job":
            ns, _, name = rest.rpartition(":")
            found = await uow.lineage.by_qualified_names(
                None, [job_name(ns, name)], [AssetKind.JOB]
            )
            job = found.get(job_name(ns, name))
            if job is None:
                raise NotFound("Job", field="nodeId")
            start = job
        else:
            raise ValidationFailed("nodeId must start with dataset: or job:", field="nodeId")
    start_id = start.id
    if start.kind is AssetKind.JOB:  # not a node of our graph: walk from an edge it wrote
        async with uow:
            written = await uow.lineage.by_job(start.id, limit=1)
        if not written:
            return {"graph": []}
        start_id = written[0].source_id
    graph = await read_lineage(
        uow, actor, LineageQuery(start_id, Direction.BOTH, _depth(depth), EdgeLevel.TABLE)
    )
    async with uow:
        job_ids = list({e.job_id for e, _ in graph.edges if e.job_id})
        jobs_by_id: dict[uuid.UUID, Asset] = await uow.catalog.get_many(job_ids)
        columns = await uow.lineage.columns_of([a.id for a, _ in graph.nodes])
    nodes: dict[str, Json] = {}

    def node(node_key: str, kind_: str, data: Json) -> Json:
        return nodes.setdefault(
            node_key, {"id": node_key, "type": kind_, "data": data, "inEdges": [], "outEdges": []}
        )

    names: dict[uuid.UUID, str] = {}
    for asset, _hop in graph.nodes:
        ns, name = _naming(asset, spaces)
        names[asset.id] = f"dataset:{ns}:{name}"
        node(names[asset.id], "DATASET", _dataset_data(asset, ns, name, columns.get(asset.id, [])))

    def link(origin: str, destination: str) -> None:
        pair = {"origin": origin, "destination": destination}
        if pair not in nodes[origin]["outEdges"]:
            nodes[origin]["outEdges"].append(pair)
        if pair not in nodes[destination]["inEdges"]:
            nodes[destination]["inEdges"].append(pair)

    for edge, _hop in graph.edges:
        source, target = names.get(edge.source_id), names.get(edge.target_id)
        if source is None or target is None:
            continue
        job = jobs_by_id.get(edge.job_id) if edge.job_id else None
        if job is None:
            link(source, target)
            continue
        ns, name = str(job.detail.get("namespace", "racine")), str(job.detail.get("name", job.name))
        key = f"job:{ns}:{name}"
        data = node(
            key,
            "JOB",
            {
                "id": {"namespace": ns, "name": name},
                "type": "BATCH",
                "name": name,
                "namespace": ns,
                "inputs": [],
                "outputs": [],
            },
        )
        data = data["data"]
        for side, ref in (("inputs", source), ("outputs", target)):
            ident = dict(
                zip(("namespace", "name"), ref.split(":", 1)[1].rsplit(":", 1), strict=False)
            )
            if ident not in data[side]:
                data[side].append(ident)
        link(source, key)
        link(key, target)
    return {"graph": list(nodes.values()), "truncated": graph.truncated}


async def column_lineage_graph(
    uow: LineageUnitOfWork, actor: Principal, node_id: str, depth: int
) -> Json:
    """``{"graph": [...]}`` of DATASET_FIELD nodes around ``datasetField:ns:name:field``."""
    actor.require(Role.VIEWER)
    kind, _, rest = node_id.partition(":")
    dataset_text, _, field_name = rest.rpartition(":")
    if kind != "datasetField" or not dataset_text or not field_name:
        raise ValidationFailed("nodeId must be datasetField:namespace:name:field", field="nodeId")
    async with uow:
        spaces = Namespaces(await uow.lineage.sources())
        table = await _dataset(uow, spaces, dataset_text)
        columns = (await uow.lineage.columns_of([table.id])).get(table.id, [])
    column = next((c for c in columns if c.name == field_name), None) or next(
        (c for c in columns if c.name.casefold() == field_name.casefold()), None
    )
    if column is None:
        raise NotFound("DatasetField", field="nodeId")
    graph = await read_lineage(
        uow, actor, LineageQuery(column.id, Direction.BOTH, _depth(depth), EdgeLevel.COLUMN)
    )
    fields = {a.id: a for a, _ in graph.nodes if a.kind is AssetKind.COLUMN}
    async with uow:
        parents: dict[uuid.UUID, Asset] = await uow.catalog.get_many(
            list({a.parent_id for a in fields.values() if a.parent_id})
        )
    keys: dict[uuid.UUID, tuple[str, str, str]] = {}
    for asset in fields.values():
        parent = parents.get(asset.parent_id) if asset.parent_id else None
        if parent is None:
            continue
        ns, name = _naming(parent, spaces)
        keys[asset.id] = (ns, name, asset.name)
    nodes: dict[uuid.UUID, Json] = {}
    for ident, (ns, name, fname) in keys.items():
        nodes[ident] = {
            "id": f"datasetField:{ns}:{name}:{fname}", "type": "DATASET_FIELD",
            "data": {"namespace": ns, "dataset": name, "datasetVersion": None, "field": fname,
                     "fieldType": fields[ident].detail.get("dataType"),
                     "transformationDescription": None, "transformationType": None,
                     "inputFields": []},
            "inEdges": [], "outEdges": [],
        }  # fmt: skip
    for edge, _hop in graph.edges:
        if edge.source_id not in nodes or edge.target_id not in nodes:
            continue  # dataset-wide influence (target is a table): not a field edge
        source, target = nodes[edge.source_id], nodes[edge.target_id]
        pair = {"origin": source["id"], "destination": target["id"]}
        source["outEdges"].append(pair)
        target["inEdges"].append(pair)
        ns, name, fname = keys[edge.source_id]
        way = edge.transformation
        target["data"]["inputFields"].append({
            "namespace": ns, "dataset": name, "field": fname,
            "transformationDescription": way.description,
            "transformationType": way.subtype.value if way.subtype else way.type.value,
            "transformations": [{"type": way.type.value,
                                 "subtype": way.subtype.value if way.subtype else None,
                                 "masking": way.masking}],
        })  # fmt: skip
    return {"graph": list(nodes.values()), "truncated": graph.truncated}
