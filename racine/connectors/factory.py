"""``connector_for``: the one way the rest of Racine gets a ``SourceConnector``."""

from __future__ import annotations

from racine.connectors.sql import SqlConnector
from racine.connectors.url import parse_target
from racine.domain.errors import ValidationFailed

__all__ = ["DEFAULT_CONNECT_TIMEOUT_S", "DEFAULT_STATEMENT_TIMEOUT_S", "connector_for"]

DEFAULT_STATEMENT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0
_MAX_TIMEOUT_S = 3600.0


def connector_for(
    url: str,
    *,
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> SqlConnector:
    """A read-only connector for ``url``.

    Sync-style URLs are accepted and moved to the async driver:
    ``postgresql://`` → asyncpg, ``mysql://``/``mariadb://`` → asyncmy,
    ``sqlite:///path`` → aiosqlite (file opened read-only). Nothing connects
    until the first call. Raises ``ValidationFailed`` for an unsupported or
    unparsable URL or a timeout outside (0, 3600] seconds.
    """
    for name, value in (
        ("statement_timeout_s", statement_timeout_s),
        ("connect_timeout_s", connect_timeout_s),
    ):
        if not 0 < value <= _MAX_TIMEOUT_S:
            raise ValidationFailed(f"{name} must be in (0, {_MAX_TIMEOUT_S:g}] seconds", field=name)
    return SqlConnector(
        parse_target(url),
        statement_timeout_s=statement_timeout_s,
        connect_timeout_s=connect_timeout_s,
    )
