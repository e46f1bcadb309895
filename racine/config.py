"""Settings from ``RACINE_*`` environment variables, with safe defaults.

Embedded mode (the default) needs nothing: SQLite in the data directory, an
in-memory bus, a secret key generated once and kept beside the database.
Production (``RACINE_ENV=production``) must name its database and secret key.
"""

from __future__ import annotations

import ipaddress
import secrets
import sqlite3
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "MIN_SQLITE",
    "Environment",
    "Settings",
    "SettingsError",
    "check_sqlite_version",
    "load_settings",
]


class Environment(StrEnum):
    EMBEDDED = "embedded"
    PRODUCTION = "production"


class SettingsError(Exception):
    """Invalid settings; the message is one line, safe to print."""


MIN_SQLITE = (3, 35)
"""The oldest SQLite the metadata database runs on: its writes use ``INSERT … RETURNING``
and ``DELETE … RETURNING``, and search a ``MATERIALIZED`` common table expression."""


def check_sqlite_version(version: tuple[int, ...]) -> None:
    """Raise ``ValueError`` (a readable line) if ``version`` of SQLite is too old."""
    if tuple(version[:2]) < MIN_SQLITE:
        found = ".".join(map(str, version))
        raise ValueError(
            f"the SQLite metadata database needs SQLite {'.'.join(map(str, MIN_SQLITE))} or "
            f"newer, and this Python's sqlite3 has {found}: use a Python built with a newer "
            "SQLite, or PostgreSQL (postgresql+asyncpg://…)"
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RACINE_", extra="ignore")

    env: Environment = Environment.EMBEDDED
    data_dir: Path = Path(".")
    database_url: str = Field(default="", validate_default=True)
    redis_url: str | None = None
    redis_channel_prefix: str = "racine:"
    secret_key: SecretStr | None = None
    bootstrap_token: SecretStr | None = None
    graphiql: bool | None = None
    allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True

    # GraphQL limits
    max_depth: int = Field(default=12, ge=2, le=64)
    max_tokens: int = Field(default=5000, ge=100)
    max_aliases: int = Field(default=30, ge=1)
    max_cost: int = Field(default=50_000, ge=100)
    max_subscriptions_per_connection: int = Field(default=50, ge=1)
    ws_init_timeout_s: float = Field(default=10.0, gt=0)
    subscriber_queue_size: int = Field(default=1000, ge=10)

    # Persistence
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    # Bound of a connection check to a data source (testDataSourceConnection, a scan's
    # first contact): a server that accepts and never answers is TIMEOUT after it
    source_connect_timeout_s: float = Field(default=10.0, gt=0, le=300)
    # Bound of each statement a scan sends a data source (reflection, a table's sample):
    # a relation whose sample takes longer is catalogued without it (SAMPLE_TIMEOUT)
    source_statement_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    pool_size: int = Field(default=10, ge=1)

    # Background jobs
    job_workers: int = Field(default=4, ge=1, le=64)
    job_max_attempts: int = Field(default=3, ge=1, le=20)
    job_heartbeat_every_s: float = Field(default=5.0, gt=0)
    job_stale_after_s: float = Field(default=60.0, gt=0)
    job_cancel_grace_s: float = Field(default=10.0, ge=0)
    job_shutdown_timeout_s: float = Field(default=30.0, ge=0)
    distributed_jobs: bool = False
    # ``racine worker`` serves Prometheus metrics (its job outcomes) on this port
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # Webhooks: networks (CIDRs) a webhook may reach although they are not public
    webhook_allowed_networks: list[str] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        if not value.startswith("postgresql"):  # empty: the embedded SQLite file
            check_sqlite_version(sqlite3.sqlite_version_info)
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        networks = []
        for item in value:
            try:
                networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError:
                raise ValueError(f"not a network in CIDR notation: {item!r}") from None
        return networks

    @field_validator("redis_channel_prefix")
    @classmethod
    def _channel_prefix(cls, value: str) -> str:
        if not 1 <= len(value) <= 64 or any(c.isspace() or c in "*?[]" for c in value):
            raise ValueError("must be 1-64 characters, without spaces or * ? [ ]")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value == "":
            return None
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _heartbeat_below_stale(self) -> Settings:
        if self.job_stale_after_s <= 2 * self.job_heartbeat_every_s:
            raise ValueError(
                "RACINE_JOB_STALE_AFTER_S must exceed twice RACINE_JOB_HEARTBEAT_EVERY_S"
            )
        return self

    @model_validator(mode="after")
    def _production_needs(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if not self.database_url:
                raise ValueError("RACINE_DATABASE_URL is required in production")
            if self.secret_key is None:
                raise ValueError("RACINE_SECRET_KEY is required in production")
        return self

    # -- derived -------------------------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'racine.db').as_posix()}"

    @property
    def sqlite_file(self) -> Path | None:
        """The metadata database's file on SQLite (None in memory or on PostgreSQL)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.resolved_database_url)
        if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    @property
    def graphiql_enabled(self) -> bool:
        if self.graphiql is not None:
            return self.graphiql
        return self.env is Environment.EMBEDDED

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def secret(self) -> str:
        """The key that encrypts stored credentials.

        Embedded mode generates one on first use and keeps it in the data
        directory (mode 0600), so restarts can still decrypt.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "racine.secret"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise :class:`SettingsError` with one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        name = f"RACINE_{where.upper()}" if where else "settings"
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
