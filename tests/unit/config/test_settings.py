"""Settings: safe defaults, one clear line for bad values, production requirements."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from racine.config import Environment, SettingsError, load_settings


def test_embedded_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RACINE_DATABASE_URL", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.env is Environment.EMBEDDED
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path}/racine.db"
    assert settings.graphiql_enabled
    assert settings.redis_url is None
    # The secret key is generated once and kept, private.
    key = settings.secret()
    assert key == load_settings(data_dir=tmp_path).secret()
    assert (tmp_path / "racine.secret").stat().st_mode & 0o777 == 0o600


def test_production_needs_database_and_secret() -> None:
    with pytest.raises(SettingsError, match="RACINE_DATABASE_URL is required"):
        load_settings(env="production")
    settings = load_settings(
        env="production", database_url="postgresql+asyncpg://db/racine", secret_key="k" * 32
    )
    assert not settings.graphiql_enabled


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "mysql://x", "RACINE_DATABASE_URL"),
        ("redis_url", "http://x", "RACINE_REDIS_URL"),
        ("redis_channel_prefix", "racine *", "RACINE_REDIS_CHANNEL_PREFIX"),
        ("redis_channel_prefix", "", "RACINE_REDIS_CHANNEL_PREFIX"),
        ("max_depth", 1, "RACINE_MAX_DEPTH"),
        ("webhook_allowed_networks", ["10.0.0.0/8", "intranet"], "RACINE_WEBHOOK_ALLOWED_NETWORKS"),
        ("source_connect_timeout_s", 0, "RACINE_SOURCE_CONNECT_TIMEOUT_S"),
        ("source_statement_timeout_s", 4000, "RACINE_SOURCE_STATEMENT_TIMEOUT_S"),
        ("worker_metrics_port", 70000, "RACINE_WORKER_METRICS_PORT"),
    ],
)
def test_invalid_values_name_the_variable(field: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**{field: value})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_fails_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "racine.cli", "db", "upgrade"],
        env={"RACINE_DATABASE_URL": "oracle://nope", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "invalid setting RACINE_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_old_sqlite_is_refused_in_one_readable_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from racine.config import check_sqlite_version

    check_sqlite_version((3, 35, 0))  # the oldest that runs the metadata database
    check_sqlite_version(sqlite3.sqlite_version_info)  # this machine's
    # A Python linked to an older SQLite (Debian 11 has 3.34) fails at start, by name,
    # not at its first search or tag edit with a syntax error from the driver
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("invalid setting RACINE_DATABASE_URL: ")
    assert "needs SQLite 3.35 or newer" in message and "has 3.34.1" in message
    # PostgreSQL does not need it
    monkeypatch.setenv("RACINE_DATABASE_URL", "postgresql+asyncpg://u@localhost/racine")
    assert load_settings().database_url.startswith("postgresql")
