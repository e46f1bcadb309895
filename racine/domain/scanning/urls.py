"""Connection URLs of data sources, parsed without any database library.

Users give a URL (``postgresql://user:pw@host:5432/db``) or its parts. The domain
needs the engine, whether a password is present, a redacted form to show, and a
way to set a new password; the connector does the real driver-level parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from racine.domain.errors import ValidationFailed

__all__ = ["ENGINES", "SourceUrl"]

ENGINES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}
_MASK = "***"
_SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "sslpassword", "sslkey_password"})
_MAX_URL = 2000


@dataclass(frozen=True)
class SourceUrl:
    scheme: str  # as given, e.g. ``postgresql+asyncpg``
    engine: str  # postgresql | mysql | sqlite
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, url: str) -> SourceUrl:
        url = url.strip()
        if not url or len(url) > _MAX_URL or "://" not in url:
            raise ValidationFailed("expected a URL such as postgresql://host/db", field="url")
        scheme = url.split("://", 1)[0].lower()
        engine = ENGINES.get(scheme.split("+", 1)[0])
        if engine is None:
            raise ValidationFailed(
                "unsupported source type: use postgresql, mysql, mariadb or sqlite", field="url"
            )
        if engine == "sqlite":
            path = url.split("://", 1)[1]
            path = path[1:] if path.startswith("/") else path
            if not path or path == ":memory:":
                raise ValidationFailed("a SQLite source needs a file path", field="url")
            return cls(scheme=scheme, engine=engine, database=path)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValidationFailed("the URL could not be parsed", field="url") from None
        if not parts.hostname:
            raise ValidationFailed("the URL needs a host", field="url")
        return cls(
            scheme=scheme,
            engine=engine,
            host=parts.hostname,
            port=port,
            database=unquote(parts.path.lstrip("/")) or None,
            user=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        )

    @classmethod
    def from_parts(
        cls,
        engine: str,
        *,
        host: str | None = None,
        port: int | None = None,
        database: str | None = None,
        user: str | None = None,
        password: str | None = None,
        path: str | None = None,
    ) -> SourceUrl:
        kind = ENGINES.get(engine.lower())
        if kind is None:
            raise ValidationFailed("unsupported engine", field="engine")
        if kind == "sqlite":
            if not path:
                raise ValidationFailed("a SQLite source needs a path", field="path")
            return cls(scheme="sqlite", engine=kind, database=path)
        if not host:
            raise ValidationFailed("a host is required", field="host")
        if port is not None and not 0 < port < 65536:
            raise ValidationFailed("port must be 1-65535", field="port")
        return cls(
            scheme=kind,
            engine=kind,
            host=host,
            port=port,
            database=database,
            user=user,
            password=password or None,
        )

    @property
    def has_credentials(self) -> bool:
        return bool(self.password) or any(k.lower() in _SECRET_PARAMS for k, _ in self.query)

    def with_password(self, password: str | None) -> SourceUrl:
        return replace(self, password=password or None)

    def render(self, *, hide_password: bool) -> str:
        if self.engine == "sqlite":
            return f"{self.scheme}:///{self.database}"
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password:
                auth += ":" + (_MASK if hide_password else quote(self.password, safe=""))
            auth += "@"
        host = f"[{self.host}]" if self.host and ":" in self.host else (self.host or "")
        port = f":{self.port}" if self.port else ""
        db = f"/{quote(self.database, safe='')}" if self.database else ""
        query = [
            (k, _MASK if hide_password and k.lower() in _SECRET_PARAMS else v)
            for k, v in self.query
        ]
        qs = f"?{urlencode(query, safe='*')}" if query else ""
        return f"{self.scheme}://{auth}{host}{port}{db}{qs}"

    @property
    def redacted(self) -> str:
        return self.render(hide_password=True)

    @property
    def database_name(self) -> str:
        """Name of the DATABASE asset: the database, or the SQLite file's stem."""
        if self.engine == "sqlite":
            stem = (self.database or "main").replace("\\", "/").rsplit("/", 1)[-1]
            return stem.rsplit(".", 1)[0] or "main"
        return self.database or self.engine
