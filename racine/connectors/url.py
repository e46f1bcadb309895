"""Source URLs: redaction for display, and the async driver each engine needs.

Users paste sync-style URLs (``postgresql://``, ``mysql://``, ``sqlite:///f.db``);
the connectors run on asyncio, so the URL is rewritten to the matching async
driver. The password never leaves this module except inside the engine URL:
``redact_url`` is what logs and messages may show, ``Target.label`` is the
short ``host:port/database`` used in error messages.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from racine.connectors.options import check_values, is_false
from racine.domain.errors import ValidationFailed

__all__ = ["Dialect", "Target", "parse_target", "redact_url"]

_MASK = "***"
_SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "sslpassword", "sslkey_password"})
_SYSTEM_DEFAULT_PORT = {"postgresql": 5432, "mysql": 3306}
# URL parameters passed on to the driver. SQLAlchemy hands every query parameter to
# the driver's ``connect()`` as a keyword, so an unknown one is a TypeError there (an
# internal error for the user): refuse it here, by name. Options that run SQL or read
# local files on connect (``init_command``, ``local_infile``, ``read_default_file``,
# ``passfile``, ``service``) are left out on purpose: a scanner only reads.
_PG_PARAMS = frozenset(
    {"password", "ssl", "sslmode", "direct_tls", "target_session_attrs", "krbsrvname", "gsslib"}
)
_PG_SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
_MYSQL_PARAMS = frozenset(
    {
        "password",
        "charset",
        "program_name",
        "ssl_ca",
        "ssl_cert",
        "ssl_key",
        "ssl_capath",
        "ssl_cipher",
        "ssl_check_hostname",
    }
)


class Dialect(enum.StrEnum):
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    SQLITE = "sqlite"


_BACKENDS = {
    "postgresql": Dialect.POSTGRESQL,
    "postgres": Dialect.POSTGRESQL,
    "pgsql": Dialect.POSTGRESQL,
    "mysql": Dialect.MYSQL,
    "mariadb": Dialect.MYSQL,
    "sqlite": Dialect.SQLITE,
}
_ASYNC_DRIVER = {
    Dialect.POSTGRESQL: "postgresql+asyncpg",
    Dialect.MYSQL: "mysql+asyncmy",
    Dialect.SQLITE: "sqlite+aiosqlite",
}


@dataclass(frozen=True)
class Target:
    """A parsed source: the async engine URL (secret inside), the secrets to
    scrub from driver messages, and a secret-free label for messages."""

    dialect: Dialect
    url: URL
    label: str
    secrets: tuple[str, ...] = field(repr=False)
    sqlite_path: str | None = None


def redact_url(url: str) -> str:
    """``url`` with its password (and password-like query parameters) replaced by
    ``***``; a URL that cannot be parsed is reduced to its scheme."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        return f"{scheme}://{_MASK}" if scheme.isidentifier() else _MASK
    query = {k: (_MASK if k.lower() in _SECRET_PARAMS else v) for k, v in parsed.query.items()}
    rendered = parsed.set(query=query).render_as_string(hide_password=True)
    return rendered.replace("%2A%2A%2A", _MASK)


def parse_target(url: str) -> Target:
    """Parse ``url``, pick the async driver and build the secret-free label.

    Raises ``ValidationFailed`` (field ``url``) for an unparsable URL or an
    unsupported engine; the message names the scheme only.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValidationFailed("the source URL could not be parsed", field="url") from None
    backend = parsed.drivername.split("+", 1)[0].lower()
    dialect = _BACKENDS.get(backend)
    if dialect is None:
        raise ValidationFailed(
            f"unsupported source type {backend!r}: use postgresql, mysql or sqlite", field="url"
        )
    secrets = _secrets(parsed)
    if dialect is Dialect.SQLITE:
        return _sqlite_target(parsed, secrets)
    engine_url = parsed.set(drivername=_ASYNC_DRIVER[dialect], query=_driver_query(dialect, parsed))
    if dialect is Dialect.MYSQL and "charset" not in parsed.query:
        engine_url = engine_url.update_query_dict({"charset": "utf8mb4"})
    port = parsed.port or _SYSTEM_DEFAULT_PORT[dialect.value]
    label = f"{parsed.host or 'localhost'}:{port}/{parsed.database or ''}"
    return Target(dialect=dialect, url=engine_url, label=label, secrets=secrets)


def _driver_query(dialect: Dialect, parsed: URL) -> dict[str, str]:
    """The URL's parameters as the async driver takes them; ``ValidationFailed`` names
    one it does not take, or whose value it would refuse only once connecting (as an
    obscure driver error). libpq's ``sslmode`` (what PostgreSQL URLs carry) is
    asyncpg's ``ssl``."""
    allowed = _PG_PARAMS if dialect is Dialect.POSTGRESQL else _MYSQL_PARAMS
    query: dict[str, str] = {}
    for key, value in parsed.query.items():
        if key not in allowed:
            raise ValidationFailed(
                f"unsupported URL parameter {key!r} (supported: {', '.join(sorted(allowed))})",
                field="url",
            )
        if not isinstance(value, str):
            raise ValidationFailed(f"URL parameter {key!r} is given more than once", field="url")
        query[key] = value
    if dialect is Dialect.POSTGRESQL and "sslmode" in query:
        mode = query.pop("sslmode")
        if mode not in _PG_SSL_MODES or "ssl" in query:
            raise ValidationFailed(
                f"sslmode must be one of {', '.join(sorted(_PG_SSL_MODES))}", field="url"
            )
        query["ssl"] = mode
    check_values(dialect, query)
    if is_false(query.get("direct_tls")):
        del query["direct_tls"]  # asyncpg takes any non-empty text as true
    return query


def _sqlite_target(parsed: URL, secrets: tuple[str, ...]) -> Target:
    path = parsed.database or ""
    if path.startswith("file:"):
        path = unquote(path[len("file:") :].split("?", 1)[0])
    if not path or path == ":memory:":
        raise ValidationFailed("a SQLite source needs a file path", field="url")
    # The engine opens ``sqlite_path`` itself (read-only URI); this URL only
    # names the driver.
    engine_url = make_url("sqlite+aiosqlite://")
    return Target(
        dialect=Dialect.SQLITE, url=engine_url, label=path, secrets=secrets, sqlite_path=path
    )


def _secrets(parsed: URL) -> tuple[str, ...]:
    found: list[str] = []
    if parsed.password:
        found.append(str(parsed.password))
    for key, value in parsed.query.items():
        if key.lower() in _SECRET_PARAMS:
            found.extend([value] if isinstance(value, str) else list(value))
    # Drivers may echo the percent-encoded form as well as the plain one.
    found += [quote(s, safe="") for s in found]
    return tuple(sorted({s for s in found if s}, key=len, reverse=True))
