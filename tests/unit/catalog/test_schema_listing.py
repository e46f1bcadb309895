"""A scan lists its schemas' tables a few at a time, in order, each failure in its place."""

from __future__ import annotations

import asyncio

from racine.domain.errors import NotFound
from racine.domain.scanning.job import _list_all
from racine.domain.scanning.pipeline import CONCURRENCY
from racine.domain.scanning.source import TableKind, TableRef


class _Source:
    """Lists ``s<i>`` as one table named after it; ``gone`` is NOT_FOUND."""

    def __init__(self) -> None:
        self.running = self.most = 0

    async def list_tables(self, schema: str) -> list[TableRef]:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.001)
        self.running -= 1
        if schema == "gone":
            raise NotFound("schema")
        return [TableRef(f"t_{schema}", TableKind.TABLE)]


async def test_schemas_are_listed_concurrently_in_order() -> None:
    source = _Source()
    schemas = [f"s{i}" for i in range(10)] + ["gone", "last"]
    listed = await _list_all(source, schemas)  # type: ignore[arg-type]
    assert source.most == CONCURRENCY
    assert [r[0].name for r in listed if isinstance(r, list)] == [
        *(f"t_s{i}" for i in range(10)),
        "t_last",
    ]
    assert isinstance(listed[10], NotFound)
