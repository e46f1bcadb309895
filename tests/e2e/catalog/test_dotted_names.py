"""Tables and columns whose names hold dots: each keeps its own qualified name
(the dotted part quoted), its own parent, and a re-scan sees no change."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

CREATE_SOURCE = """mutation($url: String!) { createDataSource(input: {name: "dots", url: $url}) {
  errors { code message } dataSource { id } } }"""
ASSETS = """query($source: ID!) { assets(filter: {dataSourceIds: [$source]}, first: 100) {
  edges { node { id kind name qualifiedName parent { name } } } } }"""
UPSTREAM = """query($id: ID!) { lineage(assetId: $id, direction: UPSTREAM, level: TABLE) {
  nodes { hop asset { qualifiedName } } } }"""
COUNTS = """query($id: ID!) { node(id: $id) { ... on Scan {
  assetsAdded assetsChanged assetsRemoved } } }"""
SEARCH = (
    """query($q: String!) { search(query: $q) { edges { node { asset { qualifiedName } } } } }"""
)

BELOW = """query($id: ID!) { assets(filter: {ancestorId: $id}, first: 100) {
  totalCount edges { node { qualifiedName } } } }"""
SEARCH_BELOW = """query($id: ID!, $q: String!) { search(query: $q, filter: {ancestorId: $id}) {
  edges { node { asset { qualifiedName } } } } }"""


def _source(tmp_path: Path) -> Path:
    path = tmp_path / "dots.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE "a.b" (c INTEGER, "d.e" TEXT);
        CREATE TABLE a (b INTEGER);
        CREATE VIEW v AS SELECT c FROM "a.b";
        INSERT INTO a VALUES (1);
        INSERT INTO "a.b" VALUES (2, 'x');
        """
    )
    conn.commit()
    conn.close()
    return path


async def test_dotted_names_keep_their_own_assets(
    gql: Any, tmp_path: Path, scan_and_wait: Any
) -> None:
    # Given a source with table "a.b" beside table a, whose column b would share
    # the unquoted name main.a.b, and a view reading "a.b"
    source = (await gql.ok(CREATE_SOURCE, {"url": f"sqlite:///{_source(tmp_path)}"}))[
        "createDataSource"
    ]["dataSource"]["id"]

    # When it is scanned
    first = await scan_and_wait(source)

    # Then every table and column is there once, under its own parent
    assert first["state"] == "SUCCEEDED", first
    nodes = [e["node"] for e in (await gql.ok(ASSETS, {"source": source}))["assets"]["edges"]]
    found = {(n["kind"], n["qualifiedName"]): (n["parent"] or {}).get("name") for n in nodes}
    schema = "dots.dots.main"
    assert {k: v for k, v in found.items() if k[0] in ("TABLE", "VIEW", "COLUMN")} == {
        ("TABLE", f'{schema}."a.b"'): "main",
        ("COLUMN", f'{schema}."a.b".c'): "a.b",
        ("COLUMN", f'{schema}."a.b"."d.e"'): "a.b",
        ("TABLE", f"{schema}.a"): "main",
        ("COLUMN", f"{schema}.a.b"): "a",
        ("VIEW", f"{schema}.v"): "main",
        ("COLUMN", f"{schema}.v.c"): "v",
    }
    # ...the view's lineage reaches the dotted table
    view = next(n["id"] for n in nodes if n["kind"] == "VIEW")
    upstream = (await gql.ok(UPSTREAM, {"id": view}))["lineage"]["nodes"]
    assert {(n["hop"], n["asset"]["qualifiedName"]) for n in upstream} == {
        (0, f"{schema}.v"),
        (1, f'{schema}."a.b"'),
    }
    # ...search finds the table by its name
    hits = (await gql.ok(SEARCH, {"q": "a.b"}))["search"]["edges"]
    assert f'{schema}."a.b"' in [h["node"]["asset"]["qualifiedName"] for h in hits]

    # ...and what lies below an asset is below it, not beside it
    ids = {n["qualifiedName"]: n["id"] for n in nodes}

    async def below(qualified: str, query: str = "") -> set[str]:
        gid = ids[qualified]
        listed = await gql.ok(BELOW, {"id": gid})
        searched = await gql.ok(SEARCH_BELOW, {"id": gid, "q": query})
        found = {e["node"]["qualifiedName"] for e in listed["assets"]["edges"]}
        hits = {e["node"]["asset"]["qualifiedName"] for e in searched["search"]["edges"]}
        assert listed["assets"]["totalCount"] == len(found)
        return found if query == "" else hits

    assert await below(f"{schema}.a") == {f"{schema}.a.b"}
    assert await below(f'{schema}."a.b"') == {f'{schema}."a.b".c', f'{schema}."a.b"."d.e"'}
    assert await below(f"{schema}.a", "b") == {f"{schema}.a.b"}
    assert len(await below(schema)) == 7  # two tables, a view, four columns
    assert await below(f"{schema}.v.c") == set()

    # When it is scanned again, unchanged
    again = await scan_and_wait(source)

    # Then nothing was added, changed or removed
    assert again["state"] == "SUCCEEDED", again
    counts = (await gql.ok(COUNTS, {"id": again["id"]}))["node"]
    assert counts == {"assetsAdded": 0, "assetsChanged": 0, "assetsRemoved": 0}


async def test_a_table_catalogued_before_quoting_is_replaced_by_its_quoted_name(
    gql: Any, tmp_path: Path, scan_and_wait: Any, app: Any
) -> None:
    # Given a scanned table "a.b" whose stored names are rewritten as an earlier
    # version wrote them, unquoted (main.a.b, main.a.b.c, main.a.b.d.e)
    source = (await gql.ok(CREATE_SOURCE, {"url": f"sqlite:///{_source(tmp_path)}"}))[
        "createDataSource"
    ]["dataSource"]["id"]
    assert (await scan_and_wait(source))["state"] == "SUCCEEDED"
    from sqlalchemy import update

    from racine.persistence.tables.catalog import AssetRow

    async with app.state.runtime.uow() as uow:
        legacy = {
            'dots.dots.main."a.b"': "dots.dots.main.a.b.legacy",
            'dots.dots.main."a.b".c': "dots.dots.main.a.b.legacy.c",
            'dots.dots.main."a.b"."d.e"': "dots.dots.main.a.b.legacy.d.e",
        }
        for now, before in legacy.items():
            await uow.session.execute(
                update(AssetRow).where(AssetRow.qualified_name == now).values(qualified_name=before)
            )
        await uow.commit()

    # When the source is scanned again
    assert (await scan_and_wait(source))["state"] == "SUCCEEDED"

    # Then the table lives once, under its quoted name, and the legacy entry with its
    # columns is removed (it was never matched by name again)
    listed = await gql.ok(
        """query($source: ID!) { assets(filter: {dataSourceIds: [$source], includeDeleted: true},
        first: 100) { edges { node { qualifiedName deletedAt } } } }""",
        {"source": source},
    )
    state = {
        e["node"]["qualifiedName"]: e["node"]["deletedAt"] is None
        for e in listed["assets"]["edges"]
    }
    for now, before in legacy.items():
        assert state[now] is True, state
        assert state[before] is False, state
