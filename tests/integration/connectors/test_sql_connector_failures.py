"""Connection failures carry a reason and never the password or the DSN."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from connector_sources import MYSQL_URL, POSTGRES_URL
from sqlalchemy.engine import make_url

from racine.connectors import connector_for
from racine.domain.errors import ConnectionFailed

PASSWORD = "Sup3r-Secret_pw"


def _with(url: str, **parts: object) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _failure(url: str) -> ConnectionFailed:
    connector = connector_for(url, connect_timeout_s=5)
    try:
        with pytest.raises(ConnectionFailed) as caught:
            await connector.test()
    finally:
        await connector.close()
    error = caught.value
    for text in (str(error), error.message, repr(error)):
        assert PASSWORD not in text
        assert url not in text
    return error


def _servers() -> list[tuple[str, str]]:
    found = []
    if POSTGRES_URL:
        found.append(("postgresql", POSTGRES_URL))
    if MYSQL_URL:
        found.append(("mysql", MYSQL_URL))
    return found


servers = pytest.mark.parametrize(
    ("kind", "base"),
    [pytest.param(*s, id=s[0]) for s in _servers()]
    or [pytest.param("none", "", marks=pytest.mark.skip("no server URL set"))],
)


@servers
async def test_bad_credentials_are_authentication_failed(kind: str, base: str) -> None:
    # The local PostgreSQL may trust every password, so it gets a user that
    # does not exist; MariaDB's root is asked with a wrong password.
    user = f"racine_nobody_{uuid.uuid4().hex[:8]}" if kind == "postgresql" else None
    url = _with(base, password=PASSWORD, **({"username": user} if user else {}))

    error = await _failure(url)

    assert error.reason == "AUTHENTICATION_FAILED"
    assert error.code == "CONNECTION_FAILED"


@servers
async def test_closed_port_is_unreachable(kind: str, base: str) -> None:
    url = _with(base, password=PASSWORD, host="127.0.0.1", port=_closed_port())

    error = await _failure(url)

    assert error.reason == "UNREACHABLE"
    assert "127.0.0.1" in error.message


@servers
async def test_missing_database_is_database_missing(kind: str, base: str) -> None:
    url = _with(base, database=f"racine_missing_{uuid.uuid4().hex[:8]}")

    error = await _failure(url)

    assert error.reason == "DATABASE_MISSING"


async def test_a_short_password_leaves_the_drivers_words_whole() -> None:
    # PostgreSQL trusts every password here: "x" reaches the missing database, and
    # the message must not read 'does not e***ist'.
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL URL set")
    name = f"racine_missing_{uuid.uuid4().hex[:8]}"
    connector = connector_for(_with(POSTGRES_URL, password="x", database=name))
    try:
        with pytest.raises(ConnectionFailed) as caught:
            await connector.test()
    finally:
        await connector.close()

    assert caught.value.reason == "DATABASE_MISSING"
    assert f'database "{name}" does not exist' in caught.value.message


async def test_missing_sqlite_file_is_database_missing(tmp_path: Path) -> None:
    error = await _failure(f"sqlite:///{tmp_path / 'absent.db'}")

    assert error.reason == "DATABASE_MISSING"
    assert not (tmp_path / "absent.db").exists()  # read-only never creates the file


async def test_unresolvable_host_is_unreachable() -> None:
    error = await _failure(f"postgresql://u:{PASSWORD}@racine-no-such-host.invalid:5432/db")

    assert error.reason == "UNREACHABLE"
