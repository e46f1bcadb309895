"""A user granted SELECT on some columns of a table only: reflection marks the others
unreadable and a sample reads the readable ones, instead of the lot being refused."""

from __future__ import annotations

import uuid

import pytest
from connector_sources import Source
from sqlalchemy.engine import make_url

from racine.connectors import connector_for


def _grants(source: Source, user: str) -> tuple[list[str], list[str], str]:
    """Statements granting the column-only user, revoking it, and its URL."""
    table = source.q("people")
    base = make_url(source.url)
    if source.kind == "postgresql":
        url = base.set(drivername="postgresql", username=user, password=None)
        return (
            [
                f'CREATE ROLE "{user}" LOGIN',
                f'GRANT USAGE ON SCHEMA "{source.schema}" TO "{user}"',
                f'GRANT SELECT (id, email) ON {table} TO "{user}"',
            ],
            [f'DROP OWNED BY "{user}"', f'DROP ROLE "{user}"'],
            url.render_as_string(hide_password=False),
        )
    url = base.set(drivername="mysql", username=user, password="pw-1", database=source.schema)
    return (
        [
            f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'pw-1'",
            f"GRANT SELECT (id, email), REFERENCES (secret) ON {table} TO '{user}'@'%%'",
        ],
        [f"DROP USER IF EXISTS '{user}'@'%%'"],
        url.render_as_string(hide_password=False),
    )


async def test_columns_the_user_may_not_read_are_reflected_unreadable_and_not_sampled(
    empty_source: Source,
) -> None:
    source = empty_source
    if source.kind == "sqlite":
        pytest.skip("SQLite has no privileges")
    # Given a table and a user granted SELECT on two of its three columns
    await source.run(
        f"CREATE TABLE {source.q('people')} (id int PRIMARY KEY, email varchar(80),"
        " secret varchar(80))",
        f"INSERT INTO {source.q('people')} VALUES (1, 'a@mail.example', 's1')",
    )
    user = f"rc_{uuid.uuid4().hex[:10]}"
    grant, revoke, url = _grants(source, user)
    await source.run(*grant)
    connector = connector_for(url)
    try:
        # When the table is reflected and sampled as that user
        table = await connector.reflect_table(source.schema, "people")
        sample = await connector.sample_portable(source.schema, "people", table.columns, 10)
    finally:
        await connector.close()
        await source.run(*revoke)

    # Then every column it sees is there, the unreadable one marked so and not sampled
    assert [(c.name, c.readable) for c in table.columns] == [
        ("id", True),
        ("email", True),
        ("secret", False),
    ]
    assert table.primary_key == ("id",)
    assert sample.columns == {"id": [1], "email": ["a@mail.example"]}
    # (MySQL/MariaDB refuse SHOW CREATE TABLE without a table-level privilege)
    assert table.granted_columns_only is (source.kind == "mysql")


async def test_a_mysql_column_grant_through_a_role_is_found_with_other_tables(
    empty_source: Source,
) -> None:
    source = empty_source
    if source.kind != "mysql":
        pytest.skip("roles' column grants hide from COLUMN_PRIVILEGES on MySQL/MariaDB only")
    # Given two tables, and a user whose default role holds SELECT on one column of one
    # and SELECT on the other (role grants are not listed in COLUMN_PRIVILEGES)
    await source.run(
        f"CREATE TABLE {source.q('people')} (id int PRIMARY KEY, email varchar(80))",
        f"CREATE TABLE {source.q('plain')} (id int PRIMARY KEY)",
    )
    user, role = f"rc_{uuid.uuid4().hex[:10]}", f"rr_{uuid.uuid4().hex[:10]}"
    await source.run(
        f"CREATE ROLE {role}",
        f"GRANT SELECT (id) ON {source.q('people')} TO {role}",
        f"GRANT SELECT ON {source.q('plain')} TO {role}",
        f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'pw-1'",
        f"GRANT {role} TO '{user}'@'%%'",
        f"SET DEFAULT ROLE {role} FOR '{user}'@'%%'",
    )
    url = make_url(source.url).set(
        drivername="mysql", username=user, password="pw-1", database=source.schema
    )
    connector = connector_for(url.render_as_string(hide_password=False))
    try:
        # When both are reflected together
        found = await connector.reflect_tables(source.schema, ["people", "plain"])
    finally:
        await connector.close()
        await source.run(f"DROP USER IF EXISTS '{user}'@'%%'", f"DROP ROLE {role}")

    # Then both are there, the one granted by column with what the server shows
    assert sorted(found) == ["people", "plain"]
    assert [c.name for c in found["people"].columns] == ["id"]
    assert found["people"].granted_columns_only and not found["plain"].granted_columns_only
