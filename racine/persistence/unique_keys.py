"""A unique key's violation, raised as the domain's ``Conflict`` on the key's field.

Use cases check a name (or key) before they write it, and the check runs before the
write: two saves of one name at once (two creates, or a rename to a name being
created) both pass it, and the second then hits the table's unique constraint. That
is the same conflict as the check's, so it gets the same ``Conflict``, not a masked
internal error. Repositories wrap the statement that can violate a key in
``conflicts_on(KEY)``; the transaction is aborted afterwards, as for any error.

The drivers name the violated key differently: asyncpg gives the constraint's name
(``uq_users_name``, as ``constraint_name``), SQLite lists its columns in the message
(``UNIQUE constraint failed: users.name``). A ``UniqueKey`` is built from the
table's own constraint, so both spellings come from the one declaration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import FromClause, Index, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from racine.domain.errors import Conflict

__all__ = ["UniqueKey", "conflicts_on"]


@dataclass(frozen=True)
class UniqueKey:
    """One unique (or primary) key of a table and the ``Conflict`` its violation is."""

    constraint: str  # as PostgreSQL names it
    columns: str  # as SQLite names it: "table.a, table.b"
    field: str
    message: str

    @classmethod
    def of(cls, table: FromClause, *columns: str, field: str, message: str) -> UniqueKey:
        """The key of ``table`` (a row class's ``__table__``) over exactly ``columns``:
        a unique or primary key constraint, or a unique index (partial ones too:
        both databases name it as they name a constraint); a ``LookupError`` at
        import time if it has none (a key renamed or dropped must not go unnoticed)."""
        assert isinstance(table, Table), table
        keys: list[UniqueConstraint | PrimaryKeyConstraint | Index] = [
            c for c in table.constraints if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
        ]
        keys += [i for i in table.indexes if i.unique]
        for key in keys:
            names = [c.name for c in key.columns]
            if names == list(columns) and isinstance(key.name, str):
                listed = ", ".join(f"{table.name}.{c}" for c in names)
                return cls(key.name, listed, field, message)
        raise LookupError(f"{table.name} has no unique key on {columns}")

    def violated_by(self, exc: IntegrityError) -> bool:
        # asyncpg carries the constraint's name (whatever the server's language)
        named = getattr(exc.orig.__cause__, "constraint_name", None) if exc.orig else None
        if named is not None:
            return bool(named == self.constraint)
        return str(exc.orig).strip() == f"UNIQUE constraint failed: {self.columns}"


@contextmanager
def conflicts_on(*keys: UniqueKey) -> Iterator[None]:
    """Raise the ``Conflict`` of the first of ``keys`` an ``IntegrityError`` violates;
    any other integrity error (a foreign key, another key) goes on as it is."""
    try:
        yield
    except IntegrityError as exc:
        for key in keys:
            if key.violated_by(exc):
                raise Conflict(key.message, field=key.field) from None
        raise
