"""Bulk writes of assets, labels and search documents (used by
:class:`~racine.persistence.repositories.catalog.CatalogRepository`).

A scan writes some 21,000 assets per 1,000 tables, all on the event loop's
thread, so each write here is one executemany whose rows cost as little as
SQLAlchemy allows:

- Core statements, not ORM-enabled ``insert(AssetRow)``: the ORM runs its
  persistence code per row and, because it leaves ``None`` values out, splits a
  batch into one statement per run of rows with the same keys (a column with a
  description, then one without), three times the cost.
- Values are encoded by SQLAlchemy's own bind processors for the session's
  dialect (the rows stored are exactly those a Core ``execute`` stores: JSON
  ``None`` is JSON ``null``, datetimes are UTC), one column at a time and once
  per distinct timestamp (a batch shares a few), then go to the driver as
  positional rows (``exec_driver_sql``), skipping the per-row parameter dicts
  and type dispatch of a compiled execute.
- A JSON value given as :class:`~racine.domain.catalog.model.JsonText` (a scan's
  profiles, encoded in its process pool) is bound as that text where it is what
  the dialect's JSON processor would make, and decoded first elsewhere.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, Table, bindparam, delete, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import UpdateBase

from racine.domain.catalog.model import Asset, ColumnClassification, JsonText
from racine.persistence.repositories.chunks import chunks
from racine.persistence.tables.catalog import AssetRow, AssetSearchRow, ColumnClassificationRow

__all__ = [
    "insert_assets",
    "insert_documents",
    "replace_labels",
    "update_assets",
]

_ASSETS: Table = AssetRow.__table__  # type: ignore[assignment]
_LABELS: Table = ColumnClassificationRow.__table__  # type: ignore[assignment]
_DOCUMENTS: Table = AssetSearchRow.__table__  # type: ignore[assignment]
_ASSET_KEYS = [c.key for c in _ASSETS.columns if c.key != "id"]

# name -> (statement, the keys its rows bind); the row is found by ``_id`` on update
_STATEMENTS: dict[str, tuple[UpdateBase, list[str]]] = {
    "insert_assets": (insert(_ASSETS), [c.key for c in _ASSETS.columns]),
    "update_assets": (
        update(_ASSETS).where(_ASSETS.c.id == bindparam("_id")),
        [*_ASSET_KEYS, "_id"],
    ),
    "insert_labels": (insert(_LABELS), [c.key for c in _LABELS.columns]),
    "insert_documents": (insert(_DOCUMENTS), [c.key for c in _DOCUMENTS.columns]),
}
# SQLite only; ids are the 32-hex text SQLAlchemy's Uuid stores there, as in asset_search.
# Each asset's FTS row has its key (``asset_fts_keys.doc``, made once) as rowid, so it is
# found and deleted through the rowid index (``search.forget_fts``).
_INSERT_FTS_KEYS = "INSERT OR IGNORE INTO asset_fts_keys (asset_id) VALUES (?)"
_INSERT_FTS = (
    "INSERT INTO asset_fts (rowid, asset_id, name, qualified_name, description, columns, tags, "
    "terms) VALUES ((SELECT doc FROM asset_fts_keys WHERE asset_id = ?1), ?1, ?2, ?3, ?4, ?5, "
    "?6, ?7)"
)

Encoder = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True)
class _Plan:
    """A statement compiled for one dialect: its SQL, the order of its
    parameters and how each column of values is encoded."""

    sql: str
    names: tuple[str, ...]
    encoders: tuple[Encoder | None, ...]


_PLANS: weakref.WeakKeyDictionary[Dialect, dict[str, _Plan | None]] = weakref.WeakKeyDictionary()


def _encoder(process: Callable[[Any], Any], shared: bool) -> Encoder:
    if not shared:
        return lambda values: [process(v) for v in values]

    def encode(values: list[Any]) -> list[Any]:
        done = {v: process(v) for v in set(values)}
        return [done[v] for v in values]

    return encode


_PROBE = {"text": 'é"\n', "values": [1, 2.5, None, True], "nested": {"k": []}}


def _json_encoder(process: Callable[[Any], Any] | None) -> Encoder:
    """A JSON column's encoder taking :class:`JsonText` too: as it is when the
    dialect's processor makes exactly ``json.dumps`` text, else decoded first."""
    exact = process is not None and process(_PROBE) == json.dumps(_PROBE)

    def value(v: Any) -> Any:
        if type(v) is JsonText:
            if exact:
                return str(v)
            v = json.loads(v)
        return v if process is None else process(v)

    return lambda values: [value(v) for v in values]


def _plain_json(value: Any) -> Any:
    return json.loads(value) if type(value) is JsonText else value


def _plan(dialect: Dialect, name: str) -> _Plan | None:
    """The statement's plan, or None where the driver takes named parameters."""
    plans = _PLANS.setdefault(dialect, {})
    if name not in plans:
        statement, keys = _STATEMENTS[name]
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if not compiled.positional or compiled.positiontup is None:
            plans[name] = None
        else:
            names = tuple(compiled.positiontup)
            encoders: list[Encoder | None] = []
            for key in names:
                type_ = compiled.binds[key].type
                impl = type_.dialect_impl(dialect)
                process = impl.bind_processor(dialect)
                if isinstance(impl, JSON):
                    encoders.append(_json_encoder(process))
                    continue
                # a batch shares a few timestamps: encode each once (``UtcDateTime``, a
                # decorator, says ``object`` for its python_type: ask its impl)
                shared = isinstance(getattr(type_, "impl_instance", type_), DateTime)
                encoders.append(None if process is None else _encoder(process, shared))
            plans[name] = _Plan(compiled.string, names, tuple(encoders))
    return plans[name]


async def _execute(
    session: AsyncSession, name: str, columns: Mapping[str, list[Any]]
) -> list[tuple[Any, ...]]:
    """Run statement ``name`` once per row of ``columns`` (values by key, all of
    the same length); returns the rows as the driver got them."""
    plan = _plan(session.get_bind().dialect, name)
    if plan is None:
        values = zip(*columns.values(), strict=True)
        await session.execute(
            _STATEMENTS[name][0],
            [{k: _plain_json(x) for k, x in zip(columns, v, strict=True)} for v in values],
        )
        return []
    encoded = [
        columns[key] if encode is None else encode(columns[key])
        for key, encode in zip(plan.names, plan.encoders, strict=True)
    ]
    rows = list(zip(*encoded, strict=True))
    connection = await session.connection()
    await connection.exec_driver_sql(plan.sql, rows)
    return rows


def _asset_columns(assets: Sequence[Asset]) -> dict[str, list[Any]]:
    return {
        "id": [a.id for a in assets],
        "kind": [a.kind.value for a in assets],
        "name": [a.name for a in assets],
        "qualified_name": [a.qualified_name for a in assets],
        "source_id": [a.source_id for a in assets],
        "parent_id": [a.parent_id for a in assets],
        "position": [a.position for a in assets],
        "description": [a.description for a in assets],
        "properties": [a.properties for a in assets],
        "detail": [a.detail for a in assets],
        "profile": [a.profile for a in assets],
        "created_at": [a.created_at for a in assets],
        "updated_at": [a.updated_at for a in assets],
        "deleted_at": [a.deleted_at for a in assets],
    }


async def insert_assets(session: AsyncSession, assets: Sequence[Asset]) -> None:
    if assets:
        await _execute(session, "insert_assets", _asset_columns(assets))


async def update_assets(session: AsyncSession, assets: Sequence[Asset]) -> None:
    """Rewrite every column of the stored rows of ``assets`` (by id)."""
    if assets:
        columns = _asset_columns(assets)
        columns["_id"] = columns.pop("id")
        await _execute(session, "update_assets", columns)


async def replace_labels(
    session: AsyncSession,
    labels: Mapping[uuid.UUID, Sequence[ColumnClassification]],
    new: Iterable[uuid.UUID] = (),
) -> None:
    """Delete the stored labels of the columns in ``labels`` (but those in ``new``,
    which have none yet) and insert the given ones: one DELETE per chunk of ids,
    one INSERT for every label."""
    fresh = set(new)
    for chunk in chunks([i for i in labels if i not in fresh]):
        await session.execute(delete(_LABELS).where(_LABELS.c.asset_id.in_(chunk)))
    rows = [(asset_id, lb) for asset_id, items in labels.items() for lb in items]
    if rows:
        await _execute(
            session,
            "insert_labels",
            {
                "asset_id": [i for i, _ in rows],
                "type_key": [lb.type_key for _, lb in rows],
                "state": [lb.state for _, lb in rows],
                "source": [lb.source for _, lb in rows],
                "confidence": [lb.confidence for _, lb in rows],
                "evidence": [lb.evidence for _, lb in rows],
                "actor_id": [lb.actor_id for _, lb in rows],
                "updated_at": [lb.updated_at for _, lb in rows],
            },
        )


async def insert_documents(
    session: AsyncSession, documents: Mapping[str, list[Any]], fts: bool
) -> None:
    """Insert search documents (``asset_search`` columns, by key) for assets that
    have none, and with ``fts`` (SQLite) the same rows into the FTS5 table."""
    if not documents["asset_id"]:
        return
    stored = await _execute(session, "insert_documents", documents)
    if fts:
        if not stored:  # named parameters: encode the ids here
            keys = [c.key for c in _DOCUMENTS.columns]
            values = [documents[k] for k in keys]
            stored = [(v[0].hex, *v[1:]) for v in zip(*values, strict=True)]
        connection = await session.connection()
        await connection.exec_driver_sql(_INSERT_FTS_KEYS, [(row[0],) for row in stored])
        await connection.exec_driver_sql(_INSERT_FTS, stored)
