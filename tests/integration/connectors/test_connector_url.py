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


@pytest.mark.parametrize(
    ("query", "option"),
    [
        ("charset=bogus", "charset"),
        ("charset=binary", "charset"),  # a server character set no client codec speaks
        ("charset=utf8mb4&charset=latin1", "charset"),
        ("ssl_check_hostname=maybe", "ssl_check_hostname"),
    ],
)
def test_bad_mysql_driver_option_values_are_invalid_naming_the_option(
    query: str, option: str
) -> None:
    # Given a MySQL URL with a password and a driver option the driver cannot use
    url = f"mysql://app:s3cret@db.example:3306/shop?{query}"

    # When a connector is made for it (nothing connects yet)
    with pytest.raises(ValidationFailed) as caught:
        connector_for(url)

    # Then the error is INVALID on `url`, names the option, and leaks no secret or DSN
    assert caught.value.field == "url"
    assert repr(option) in caught.value.message
    assert "s3cret" not in caught.value.message and "db.example" not in caught.value.message


@pytest.mark.parametrize(
    "query", ["ssl=bogus", "direct_tls=maybe", "target_session_attrs=bogus", "gsslib=x"]
)
def test_bad_postgresql_driver_option_values_are_invalid(query: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        connector_for(f"postgresql://app:s3cret@db/shop?{query}")

    assert caught.value.field == "url"
    assert repr(query.split("=")[0]) in caught.value.message
    assert "s3cret" not in caught.value.message


def test_good_driver_option_values_pass_and_a_false_direct_tls_is_dropped() -> None:
    # asyncpg takes any non-empty text as true: "false" would turn direct TLS on
    pg = parse_target("postgresql://u@h/db?sslmode=require&direct_tls=false")
    my = parse_target("mysql://u@h/db?charset=latin1&ssl_check_hostname=false")

    assert dict(pg.url.query) == {"ssl": "require"}
    assert dict(my.url.query) == {"charset": "latin1", "ssl_check_hostname": "false"}
