"""Match OpenLineage namespaces to registered data sources.

OpenLineage names datasets by ``namespace`` (where: ``postgres://host:port``,
``mysql://host:port``, ``sqlite:/path/file.db``) and ``name`` (what:
``db.schema.table`` for PostgreSQL, ``db.table`` for MySQL, ``table`` for SQLite).
The hint lets callers find the data source registered with the same host and port
(or file) and then the table asset by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["SourceHint", "namespace_to_source_hint"]

_KINDS = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "redshift": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


@dataclass(frozen=True, slots=True)
class SourceHint:
    """``kind`` is postgresql, mysql or sqlite; ``host`` is lower-cased; ``port``
    defaults per kind; ``path`` is the file of a SQLite database."""

    kind: str
    host: str | None = None
    port: int | None = None
    path: str | None = None
    database: str | None = None

    def split_name(self, name: str) -> tuple[str | None, str | None, str]:
        """(database, schema, table) from a dataset name, per the naming spec."""
        parts = name.split(".")
        if self.kind == "postgresql" and len(parts) >= 3:
            return parts[0], parts[1], ".".join(parts[2:])
        if len(parts) >= 2:
            first = parts[0]
            rest = ".".join(parts[1:])
            return (first, None, rest) if self.kind == "mysql" else (None, first, rest)
        return self.database, None, name


def namespace_to_source_hint(namespace: str) -> SourceHint | None:
    """Parse an OpenLineage namespace; None when it is not a database we connect to.

    Never returns credentials: user info in the namespace is dropped.
    """
    text = namespace.strip()
    scheme, sep, rest = text.partition(":")
    kind = _KINDS.get(scheme.lower()) if sep else None
    if kind is None:
        return None
    if kind == "sqlite":
        path = rest[2:] if rest.startswith("//") else rest
        if path.startswith("/") and path[1:2] == "/":
            path = path[1:]
        return SourceHint(kind, path=unquote(path) or None)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower() or None
    if host is None:
        return None
    database = parts.path.strip("/") or None
    return SourceHint(kind, host, port or _DEFAULT_PORTS[kind], database=database)
