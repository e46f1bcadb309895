"""Which refusals of a table's rows leave its shape catalogued, and under what reason."""

from __future__ import annotations

import pytest

from racine.domain.errors import (
    ENCODING,
    NOT_POPULATED,
    PERMISSION_DENIED,
    TIMEOUT,
    UNREACHABLE,
    ConnectionFailed,
    NotFound,
)
from racine.domain.scanning.partial import refused_rows
from racine.domain.scanning.source import ColumnMeta, TableKind, TableMeta

TABLE = TableMeta("public", "people", TableKind.TABLE, columns=(ColumnMeta("name", "TEXT", True),))
FOREIGN = TableMeta("public", "remote", TableKind.TABLE, foreign_server="far")


@pytest.mark.parametrize(
    ("meta", "error", "reason"),
    [
        (TABLE, ConnectionFailed(PERMISSION_DENIED, "no"), "COLUMNS_UNREADABLE"),
        (TABLE, ConnectionFailed(NOT_POPULATED, "no"), "NOT_POPULATED"),
        (TABLE, ConnectionFailed(ENCODING, "no"), "ROWS_UNDECODABLE"),
        (TABLE, UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "invalid"), "ROWS_UNDECODABLE"),
        (TABLE, ConnectionFailed(TIMEOUT, "no"), "SAMPLE_TIMEOUT"),
        (FOREIGN, ConnectionFailed(TIMEOUT, "no"), "FOREIGN_UNREADABLE"),
        (TABLE, ConnectionFailed(UNREACHABLE, "no"), None),
        (TABLE, NotFound("Table"), None),
        (TABLE, ValueError("bad"), None),
    ],
)
def test_a_refusal_keeps_the_shape_only_for_its_reasons(
    meta: TableMeta, error: Exception, reason: str | None
) -> None:
    entry = refused_rows("s.db.public.t", meta, error)
    assert (entry and entry.reason) == reason
    if entry is not None:
        assert entry.message.endswith("catalogued without profile or classification")
