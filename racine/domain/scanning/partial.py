"""A table the scan read only in part: the columns the scanning user may not read
(column-level grants) are left out of its sample, and the scan's errors say so. A
table whose rows the source refuses outright (no ``SELECT`` on it or on its schema,
a materialized view never populated, a foreign table whose server fails, a sample
that outlasts the statement timeout) though it shows its shape is catalogued too,
with no column read."""

from __future__ import annotations

from racine.domain.errors import (
    ENCODING,
    NOT_POPULATED,
    PERMISSION_DENIED,
    TIMEOUT,
    ConnectionFailed,
)
from racine.domain.scanning.model import (
    COLUMNS_UNREADABLE,
    FOREIGN_UNREADABLE,
    ROWS_UNDECODABLE,
    SAMPLE_TIMEOUT,
    TableError,
)
from racine.domain.scanning.source import TableMeta

__all__ = ["partial_read", "refused_rows", "unread_columns"]

_NAMED_COLUMNS = 20


def unread_columns(meta: TableMeta) -> frozenset[str]:
    """The columns left unread: those the user may not read, unless that is all of them
    (the table is then sampled whole, and the source's refusal fails it as before)."""
    unread = frozenset(c.name for c in meta.columns if not c.readable)
    return frozenset() if len(unread) == len(meta.columns) else unread


def partial_read(qualified: str, meta: TableMeta) -> TableError | None:
    """What of a stored table the scan could not read, or None if it read it all."""
    unread = [c.name for c in meta.columns if c.name in unread_columns(meta)]
    parts: list[str] = []
    if unread:
        named = ", ".join(unread[:_NAMED_COLUMNS])
        more = f" and {len(unread) - _NAMED_COLUMNS} more" if len(unread) > _NAMED_COLUMNS else ""
        parts.append(
            f"no SELECT privilege on column(s) {named}{more}: catalogued without profile"
            " or classification"
        )
    if meta.granted_columns_only:
        parts.append(
            "the source shows only the columns granted to the scanning user (it holds no"
            " table-level privilege): other columns, indexes and foreign keys are not"
            " catalogued"
        )
    if not parts:
        return None
    return TableError(qualified, COLUMNS_UNREADABLE, "; ".join(parts))


def refused_rows(qualified: str, meta: TableMeta, error: Exception) -> TableError | None:
    """The entry of a table catalogued without its rows, if the source refused them
    for a reason that leaves the table's shape worth keeping: ``COLUMNS_UNREADABLE``
    (permission denied), ``NOT_POPULATED``, ``ROWS_UNDECODABLE`` (text not valid in
    the source's encoding, as the source or the driver found), ``SAMPLE_TIMEOUT``
    (the sample outlasted the statement timeout), or ``FOREIGN_UNREADABLE`` (a foreign
    table's server failed, however); None for any other failure."""
    if isinstance(error, UnicodeError):
        reason: str | None = ROWS_UNDECODABLE
        message = "the source holds text that is not valid in its encoding"
    elif not isinstance(error, ConnectionFailed):
        return None
    elif meta.foreign_server is not None:
        reason, message = FOREIGN_UNREADABLE, error.message
    else:
        # NOT_POPULATED, the source's reason, is also the entry's
        reason = {
            PERMISSION_DENIED: COLUMNS_UNREADABLE,
            NOT_POPULATED: NOT_POPULATED,
            ENCODING: ROWS_UNDECODABLE,
            TIMEOUT: SAMPLE_TIMEOUT,
        }.get(error.reason)
        message = error.message
    if reason is None:
        return None
    return TableError(qualified, reason, f"{message}; catalogued without profile or classification")
