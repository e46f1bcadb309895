"""A table's keys, indexes, comments and a view's SQL as typed fields, each foreign key
linked to the catalogued table it refers to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_scan_postgres import (  # noqa: F401
    pg_source,
    scanned_source,
    unique_schema,
)

STRUCTURE = """
query($filter: AssetFilter) {
  assets(filter: $filter, first: 20) {
    edges { node {
      name qualifiedName kind comment primaryKey viewSql lastScannedAt inPrimaryKey defaultValue
      indexes { name columns unique }
      foreignKeys {
        columns referredSchema referredTableName referredColumns
        referredTable { qualifiedName kind }
      }
      columns { name inPrimaryKey defaultValue comment primaryKey foreignKeys { columns } }
    } }
  }
}
"""


async def test_keys_indexes_comments_and_view_sql_are_typed(
    gql: Any,
    subscribe: Any,
    pg_source: tuple[str, str],  # noqa: F811
) -> None:
    # Given tables with comments, defaults, a unique index and foreign keys: to a table
    # of the same schema, of another scanned schema, and of a schema left out
    schema, url = pg_source
    other, outside = unique_schema(), unique_schema()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for statement in (
            f'CREATE SCHEMA "{other}"',
            f'CREATE SCHEMA "{outside}"',
            f'CREATE TABLE "{other}".regions (code text PRIMARY KEY)',
            f'CREATE TABLE "{outside}".agents (id int PRIMARY KEY)',
            f'ALTER TABLE "{schema}".invoices ADD COLUMN client_id int REFERENCES '
            f'"{schema}".clients (id), ADD COLUMN region text REFERENCES "{other}".regions '
            f'(code), ADD COLUMN agent int REFERENCES "{outside}".agents (id), '
            "ADD COLUMN status text DEFAULT 'open'",
            f'CREATE UNIQUE INDEX invoices_client_region ON "{schema}".invoices (client_id, region)',
            f"COMMENT ON TABLE \"{schema}\".clients IS 'Paying clients'",
            f"COMMENT ON COLUMN \"{schema}\".clients.email IS 'Where invoices go'",
            f'CREATE VIEW "{schema}".open_invoices AS SELECT id FROM "{schema}".invoices '
            "WHERE status = 'open'",
        ):
            await conn.execute(text(statement))
    try:
        # When the source's two schemas are scanned
        await scanned_source(gql, subscribe, url, [schema, other], 20)
        found = await gql.ok(STRUCTURE, {"filter": {"kinds": ["TABLE", "VIEW"]}})
        tables = {e["node"]["name"]: e["node"] for e in found["assets"]["edges"]}

        # Then each table shows its keys, indexes and comment
        clients, invoices = tables["clients"], tables["invoices"]
        assert (clients["comment"], clients["primaryKey"]) == ("Paying clients", ["id"])
        assert clients["lastScannedAt"] is not None and clients["inPrimaryKey"] is None
        assert invoices["primaryKey"] == [] and invoices["comment"] is None
        assert invoices["indexes"] == [
            {"name": "invoices_client_region", "columns": ["client_id", "region"], "unique": True}
        ]
        keys = {tuple(fk["columns"]): fk for fk in invoices["foreignKeys"]}
        assert set(keys) == {("client_id",), ("region",), ("agent",)}
        # ...each foreign key linked to the table it refers to, if that is catalogued
        assert keys[("client_id",)]["referredColumns"] == ["id"]
        assert keys[("client_id",)]["referredTable"]["qualifiedName"].endswith(f".{schema}.clients")
        assert keys[("region",)]["referredSchema"] == other
        assert keys[("region",)]["referredTable"] == {
            "qualifiedName": tables["regions"]["qualifiedName"],
            "kind": "TABLE",
        }
        assert keys[("agent",)]["referredTableName"] == "agents"
        assert keys[("agent",)]["referredTable"] is None
        # ...its columns their key membership, defaults and comments
        columns = {c["name"]: c for c in clients["columns"]}
        assert columns["id"]["inPrimaryKey"] is True and columns["email"]["inPrimaryKey"] is False
        assert columns["email"]["comment"] == "Where invoices go"
        assert columns["id"]["primaryKey"] is None and columns["id"]["foreignKeys"] is None
        status = next(c for c in invoices["columns"] if c["name"] == "status")
        assert status["defaultValue"] == "'open'::text"
        # ...and a view its SQL
        view = tables["open_invoices"]
        assert view["kind"] == "VIEW" and "status = 'open'" in view["viewSql"]
        assert clients["viewSql"] is None
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
            await conn.execute(text(f'DROP SCHEMA "{outside}" CASCADE'))
        await engine.dispose()
