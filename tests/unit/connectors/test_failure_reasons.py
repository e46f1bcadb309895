"""Driver errors become typed reasons: PostgreSQL's SQLSTATE 55000 is NOT_POPULATED only
for a materialized view never populated, not for the state's other causes."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from racine.connectors.failures import to_domain_error
from racine.connectors.url import Dialect, Target
from racine.domain.errors import ConnectionFailed

TARGET = Target(Dialect.POSTGRESQL, make_url("postgresql+asyncpg://u:pw@h/db"), "h/db", ("pw",))


class _PgError(Exception):
    sqlstate = "55000"


def test_a_materialized_view_never_populated_is_not_populated() -> None:
    error = to_domain_error(_PgError('materialized view "later" has not been populated'), TARGET)

    assert isinstance(error, ConnectionFailed) and error.reason == "NOT_POPULATED"
    assert "has not been populated" in error.message and "pw" not in error.message


def test_the_states_other_causes_are_unknown() -> None:
    error = to_domain_error(_PgError('foreign-data wrapper "w" has no handler'), TARGET)

    assert isinstance(error, ConnectionFailed) and error.reason == "UNKNOWN"
