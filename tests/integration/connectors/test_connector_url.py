"""redact_url hides secrets; connector_for accepts sync-style URLs and rejects the rest."""

from __future__ import annotations

import pytest

from racine.connectors import connector_for, redact_url
from racine.connectors.url import Dialect, parse_target
from racine.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:s3cret@db:5432/sales", "postgresql://app:***@db:5432/sales"),
        ("mysql+pymysql://root:p%40ss@h/db", "mysql+pymysql://root:***@h/db"),
        ("postgresql://app@db/sales?password=s3cret", "postgresql://app@db/sales?password=***"),
        ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
        ("not a url s3cret", "***"),
    ],
)
def test_redact_url_hides_passwords(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("url", "dialect", "driver"),
    [
        ("postgresql://u:p@h/db", Dialect.POSTGRESQL, "postgresql+asyncpg"),
        ("postgres://u:p@h/db", Dialect.POSTGRESQL, "postgresql+asyncpg"),
        ("postgresql+psycopg2://u:p@h/db", Dialect.POSTGRESQL, "postgresql+asyncpg"),
        ("mysql://u:p@h/db", Dialect.MYSQL, "mysql+asyncmy"),
        ("mariadb+pymysql://u:p@h/db", Dialect.MYSQL, "mysql+asyncmy"),
        ("sqlite:///tmp/x.db", Dialect.SQLITE, "sqlite+aiosqlite"),
    ],
)
def test_sync_urls_get_the_async_driver(url: str, dialect: Dialect, driver: str) -> None:
    target = parse_target(url)

    assert target.dialect is dialect
    assert target.url.drivername == driver
    assert "p@" not in target.label and target.label


def test_the_label_names_host_port_and_database_only() -> None:
    target = parse_target("postgresql://app:s3cret@db.example:6543/sales?sslmode=require")

    assert target.label == "db.example:6543/sales"
    assert "s3cret" in target.secrets


@pytest.mark.parametrize(
    "url", ["oracle://u:s3cret@h/db", "sqlite://", "sqlite:///:memory:", "::::"]
)
def test_unsupported_urls_are_rejected_without_echoing_secrets(url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        connector_for(url)

    assert caught.value.field == "url"
    assert "s3cret" not in caught.value.message


@pytest.mark.parametrize("timeout", [0, -1, 10_000])
def test_timeouts_are_bounded(timeout: float) -> None:
    with pytest.raises(ValidationFailed):
        connector_for("sqlite:///x.db", statement_timeout_s=timeout)


def test_reprs_never_show_the_password() -> None:
    url = "postgresql://app:s3cret@db.example/sales"

    assert "s3cret" not in repr(parse_target(url))
    assert "s3cret" not in repr(connector_for(url))
