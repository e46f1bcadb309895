"""A MySQL/MariaDB source whose scanning user may read only some columns of a table
(``GRANT SELECT (a, b) ON db.t``): the table is catalogued with the columns the
server shows, the readable ones sampled, profiled and classified, the others
catalogued without profile; the scan's per-table result names what it could not read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from test_catalog_scan_sqlite import TABLES, scan_to_end
from test_scan_robustness import MYSQL, _alive, _plain, _source, _unique, mysql_db

UPDATE_URL = """
mutation($input: UpdateDataSourceInput!) { updateDataSource(input: $input) { errors { code } } }
"""

SCAN_ERRORS = """
query($id: ID!) {
  scans(dataSourceId: $id, first: 1) { edges { node { tablesDone errors { table reason message } } } }
}
"""

LATEST_SCAN = """
query($id: ID!) { scans(dataSourceId: $id, first: 1) { edges { node { assetsRemoved assetsChanged } } } }
"""

__all__ = ["mysql_db"]  # the fixture, shared with test_scan_robustness


async def test_a_mysql_table_granted_by_column_is_cataloged_with_what_it_may_read(
    gql: Any, subscribe: Any, mysql_db: tuple[str, str]
) -> None:
    name, _ = mysql_db
    user, password = _unique("cg")[:16], "cg-pw-1"
    admin = create_async_engine(make_url(MYSQL or "").set(drivername="mysql+asyncmy"))
    async with admin.begin() as conn:
        await conn.exec_driver_sql(
            f"CREATE TABLE `{name}`.orders (id int PRIMARY KEY, card varchar(30), note text)"
        )
        await conn.exec_driver_sql(
            f"INSERT INTO `{name}`.orders VALUES (1, '4111111111111111', 'a'),"
            " (2, '4111111111111111', 'b')"
        )
        # Given a user holding SELECT on some columns of `customers` only (and REFERENCES
        # on `tier`, which shows it without letting it be read), and a table-level
        # privilege on `orders` with SELECT on two of its three columns
        # (`%%`: the driver formats the statement even without parameters)
        await conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        await conn.exec_driver_sql(
            f"GRANT SELECT (id, email, balance), REFERENCES (tier) ON `{name}`.customers"
            f" TO '{user}'@'%%'"
        )
        await conn.exec_driver_sql(f"GRANT INSERT ON `{name}`.orders TO '{user}'@'%%'")
        await conn.exec_driver_sql(f"GRANT SELECT (id, note) ON `{name}`.orders TO '{user}'@'%%'")
    try:
        url = _plain(
            MYSQL or "", drivername="mysql", database=name, username=user, password=password
        )
        source = await _source(gql, url, [name])

        # When the source is scanned
        steps = await scan_to_end(gql, subscribe, source)

        # Then no table failed; both are catalogued with the columns the server shows,
        # the readable ones profiled and classified, the others without profile
        assert steps[-1]["state"] == "SUCCEEDED", steps[-1]
        assert steps[-1]["tablesFailed"] == 0, steps[-1]
        found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
        by_name = {e["node"]["name"]: e["node"] for e in found["edges"]}
        assert set(by_name) == {"customers", "orders"}
        customers = {c["name"]: c for c in by_name["customers"]["columns"]}
        assert list(customers) == ["id", "email", "tier", "balance"]
        assert customers["balance"]["profile"]["sampledRows"] == 40
        assert any(c["typeKey"] == "EMAIL" for c in customers["email"]["classifications"])
        assert customers["tier"]["profile"] is None
        assert customers["tier"]["dataType"].upper().startswith("ENUM")
        assert customers["id"]["nullable"] is False
        orders = {c["name"]: c for c in by_name["orders"]["columns"]}
        assert list(orders) == ["id", "card", "note"]
        assert orders["note"]["profile"]["sampledRows"] == 2
        assert orders["card"]["profile"] is None and orders["card"]["classifications"] == []

        # ...and the scan's per-table results say which columns could not be read: on its
        # last progress step (a scan this small may end before the subscription starts,
        # which then sees no table step) and in its record
        finished = {e["table"].rsplit(".", 1)[-1]: e for e in steps[-1]["errors"]}
        assert {t: e["reason"] for t, e in finished.items()} == {
            "customers": "COLUMNS_UNREADABLE",
            "orders": "COLUMNS_UNREADABLE",
        }, finished
        assert "tier" in finished["customers"]["message"]
        assert "granted" in finished["customers"]["message"]
        assert "card" in finished["orders"]["message"]
        assert "note" not in finished["orders"]["message"]
        scans = (await gql.ok(SCAN_ERRORS, {"id": source}))["scans"]["edges"]
        assert scans[0]["node"]["errors"] == steps[-1]["errors"]
        assert scans[0]["node"]["tablesDone"] == 2  # the view is not granted: not listed
        await _alive(gql)

        # Given the same source once scanned by a user who sees every column
        full = _plain(MYSQL or "", drivername="mysql", database=name)
        assert (await gql.ok(UPDATE_URL, {"input": {"id": source, "url": full}}))[
            "updateDataSource"
        ]["errors"] == []
        assert (await scan_to_end(gql, subscribe, source))[-1]["state"] == "SUCCEEDED"
        # When the user shown only its granted columns scans it again
        assert (await gql.ok(UPDATE_URL, {"input": {"id": source, "url": url}}))[
            "updateDataSource"
        ]["errors"] == []
        again = (await scan_to_end(gql, subscribe, source))[-1]
        assert again["state"] == "SUCCEEDED", again
        # Then the columns hidden from it are neither removed nor a schema change
        latest = (await gql.ok(LATEST_SCAN, {"id": source}))["scans"]["edges"][0]["node"]
        # (the one removal is the view, which the user may not see at all)
        assert (latest["assetsRemoved"], latest["assetsChanged"]) == (1, 0), latest
        found = (await gql.ok(TABLES, {"filter": {"kinds": ["TABLE"]}}))["assets"]
        by_name = {e["node"]["name"]: e["node"] for e in found["edges"]}
        assert [c["name"] for c in by_name["customers"]["columns"]] == [
            "id",
            "email",
            "tier",
            "perks",
            "meta",
            "active",
            "balance",
            "raw",
            "seen",
        ]
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")
        await admin.dispose()
