"""Which stored tables a scan follows to a new name (``find_renames``) and which
assets' search documents a re-scan rewrites (``merge_table``), on plain assets held in
a :class:`CatalogState`."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from racine.domain.catalog.model import Asset, AssetKind, JsonText
from racine.domain.scanning.analysis import ColumnAnalysis
from racine.domain.scanning.merging import CatalogState, MergedTable, StoredTable, merge_table
from racine.domain.scanning.renames import find_renames, find_schema_renames
from racine.domain.scanning.source import ColumnMeta, TableKind, TableMeta

SOURCE = uuid.uuid4()


def _asset(kind: AssetKind, qualified: str, parent: Asset | None, key: str | None = None) -> Asset:
    return Asset(
        kind=kind,
        name=qualified.rsplit(".", 1)[-1],
        qualified_name=qualified,
        source_id=SOURCE,
        parent_id=None if parent is None else parent.id,
        detail={} if key is None else {"sourceKey": key},
    )


def _catalog() -> tuple[CatalogState, Asset, dict[str, Asset]]:
    db = _asset(AssetKind.DATABASE, "wh.db", None)
    sales = _asset(AssetKind.SCHEMA, "wh.db.sales", db)
    archive = _asset(AssetKind.SCHEMA, "wh.db.archive", db)
    state = CatalogState(SOURCE, {a.qualified_name: a for a in (db, sales, archive)})
    return state, db, {"sales": sales, "archive": archive}


def _add(state: CatalogState, asset: Asset) -> Asset:
    state.add(asset)
    return asset


def test_a_stored_table_whose_id_is_found_under_an_unknown_name_is_renamed() -> None:
    state, db, schemas = _catalog()
    orders = _add(state, _asset(AssetKind.TABLE, "wh.db.sales.orders", schemas["sales"], "101"))
    view = _add(state, _asset(AssetKind.VIEW, "wh.db.sales.big", schemas["sales"], "102"))
    found = {("archive", "orders_2024"): "101", ("sales", "large"): "102"}
    renames = find_renames(state, db, found, schemas)
    assert {(r.asset.id, r.schema, r.name) for r in renames} == {
        (orders.id, "archive", "orders_2024"),
        (view.id, "sales", "large"),
    }


def test_a_known_name_wins_over_an_id() -> None:
    state, db, schemas = _catalog()
    _add(state, _asset(AssetKind.TABLE, "wh.db.sales.t", schemas["sales"], "1"))
    _add(state, _asset(AssetKind.TABLE, "wh.db.sales.t_old", schemas["sales"], None))
    # "t" is found (with another id) and "t_old" carries t's id: a swap, not a rename;
    # a found name the catalog knows is never a rename target either.
    assert find_renames(state, db, {("sales", "t"): "2", ("sales", "t_old"): "1"}, schemas) == []


def test_no_rename_without_ids_for_removed_assets_or_for_ambiguous_ids() -> None:
    state, db, schemas = _catalog()
    gone = _add(state, _asset(AssetKind.TABLE, "wh.db.sales.gone", schemas["sales"], "7"))
    gone.deleted_at = datetime.now(UTC)
    _add(state, _asset(AssetKind.TABLE, "wh.db.sales.a", schemas["sales"], "8"))
    _add(state, _asset(AssetKind.TABLE, "wh.db.archive.b", schemas["archive"], "8"))
    _add(state, _asset(AssetKind.TABLE, "wh.db.sales.plain", schemas["sales"], None))
    found = {
        ("sales", "back"): "7",  # its stored asset is soft-deleted
        ("sales", "c"): "8",  # two stored assets carry this id
        ("sales", "other"): None,  # the engine gives no ids (MySQL, SQLite)
    }
    assert find_renames(state, db, found, schemas) == []


def test_assets_of_another_database_are_not_followed() -> None:
    state, db, schemas = _catalog()
    old_db = _add(state, _asset(AssetKind.DATABASE, "wh.old", None))
    old_schema = _add(state, _asset(AssetKind.SCHEMA, "wh.old.sales", old_db))
    _add(state, _asset(AssetKind.TABLE, "wh.old.sales.orders", old_schema, "101"))
    # OIDs are per database: the same number elsewhere is another table.
    assert find_renames(state, db, {("sales", "orders"): "101"}, schemas) == []


def test_a_schema_whose_id_is_found_under_an_unknown_name_is_renamed() -> None:
    state, db, schemas = _catalog()
    schemas["sales"].detail = {"sourceKey": "50"}
    schemas["archive"].detail = {"sourceKey": "51"}
    # "sales" is now shown as "revenue" (same id); "archive" is still shown
    shown = ["archive", "revenue"]
    found = find_schema_renames(state, db, shown, {"archive": "51", "revenue": "50"})
    assert found == [(schemas["sales"], "revenue")]


def test_schemas_known_by_name_still_shown_ambiguous_or_elsewhere_are_not_followed() -> None:
    state, db, schemas = _catalog()
    schemas["sales"].detail = {"sourceKey": "50"}
    schemas["archive"].detail = {"sourceKey": "50"}  # two stored schemas carry this id
    assert find_schema_renames(state, db, ["new"], {"new": "50"}) == []
    # A swap: "archive" is shown again (with another id) and "sales_old" carries
    # sales's id while "sales" is still shown: no rename
    schemas["archive"].detail = {"sourceKey": "52"}
    shown = ["archive", "sales", "sales_old"]
    assert find_schema_renames(state, db, shown, {"archive": "53", "sales_old": "50"}) == []
    # A schema of another database with that id is not this one's
    other = _add(state, _asset(AssetKind.DATABASE, "wh.other", None))
    moved = _add(state, _asset(AssetKind.SCHEMA, "wh.other.x", other, "60"))
    assert moved.detail == {"sourceKey": "60"}
    assert find_schema_renames(state, db, ["y"], {"y": "60"}) == []
    # A removed schema is not followed either
    schemas["archive"].deleted_at = datetime.now(UTC)
    assert find_schema_renames(state, db, ["z"], {"z": "52"}) == []


# -- which search documents a re-scan rewrites (``MergedTable.documents``) ----------


def _merge_twice(first: TableMeta, second: TableMeta) -> MergedTable:
    """``second`` merged over the assets ``first`` made, as a re-scan does."""
    state, _, schemas = _catalog()
    parent = schemas["sales"]
    now = datetime.now(UTC)
    merge_table(state, StoredTable(parent, first, {}), now, [], [])
    return merge_table(state, StoredTable(parent, second, {}), now, [], [])


def _meta(
    *columns: str,
    comment: str | None = None,
    key: str | None = None,
    types: dict[str, str] | None = None,
) -> TableMeta:
    return TableMeta(
        schema="sales",
        name="orders",
        kind=TableKind.TABLE,
        comment=comment,
        columns=tuple(
            ColumnMeta(
                name,
                (types or {}).get(name, "TEXT"),
                True,
                position=i,
                key=None if key is None else f"{key}:{i}",
            )
            for i, name in enumerate(columns, start=1)
        ),
        key=key,
    )


def test_an_unchanged_table_rewrites_no_search_document() -> None:
    merged = _merge_twice(_meta("id", "email"), _meta("id", "email"))
    assert merged.documents == []


def test_a_table_whose_columns_change_rewrites_its_own_and_the_new_columns_documents() -> None:
    merged = _merge_twice(_meta("id", "email"), _meta("id", "email", "phone"))
    assert [a.name for a in merged.documents] == ["orders", "phone"]
    dropped = _merge_twice(_meta("id", "email"), _meta("id"))
    assert [a.name for a in dropped.documents] == ["orders"]


def test_a_renamed_column_and_a_description_from_the_source_rewrite_documents() -> None:
    renamed = _merge_twice(_meta("id", "nick", key="9"), _meta("id", "alias", key="9"))
    assert [a.name for a in renamed.documents] == ["orders", "alias"]
    assert [(a.name, old.rsplit(".", 1)[1]) for a, old in renamed.renamed] == [("alias", "nick")]
    described = _merge_twice(_meta("id"), _meta("id", comment="All orders"))
    assert [a.name for a in described.documents] == ["orders"]


def test_source_comments_describe_tables_and_columns_until_someone_writes_another() -> None:
    state, _, schemas = _catalog()
    parent, now = schemas["sales"], datetime.now(UTC)

    def scan(table: str | None, email: str | None) -> MergedTable:
        meta = _meta("id", "email", comment=table)
        columns = tuple(
            ColumnMeta(c.name, c.data_type, c.nullable, comment=email if c.name == "email"
                       else None, position=c.position)
            for c in meta.columns
        )  # fmt: skip
        return merge_table(state, StoredTable(parent, replace(meta, columns=columns), {}), now,
                           [], [])  # fmt: skip

    def descriptions() -> tuple[str | None, str | None]:
        table = state.by_name["wh.db.sales.orders"]
        return table.description, state.by_name["wh.db.sales.orders.email"].description

    # Given a table and column first scanned without comments
    scan(None, None)
    assert descriptions() == (None, None)
    # When the source comments them, the comments describe them, and are searched
    merged = scan("All orders", "Login address")
    assert descriptions() == ("All orders", "Login address")
    assert [a.name for a in merged.documents] == ["orders", "email"]
    assert [a.name for a in merged.described] == ["orders", "email"]  # announced
    # When the comments change, descriptions that were the comments follow
    scan("Every order", "Sign-in address")
    assert descriptions() == ("Every order", "Sign-in address")
    # When a steward writes a description, a later comment leaves it alone
    state.by_name["wh.db.sales.orders.email"].description = "Where we write to"
    scan("Orders, all of them", "The login")
    assert descriptions() == ("Orders, all of them", "Where we write to")
    # ...and a comment removed leaves the description it gave
    merged = scan(None, None)
    assert descriptions() == ("Orders, all of them", "Where we write to")
    assert merged.documents == [] and merged.described == []


# -- which rows a re-scan rewrites, and when ``updatedAt`` moves ---------------------


def _profiles(**by_column: Any) -> dict[str, ColumnAnalysis]:
    return {name: ColumnAnalysis(profile=profile) for name, profile in by_column.items()}


def test_a_rescan_rewrites_only_what_changed_and_keeps_updated_at_otherwise() -> None:
    state, _, schemas = _catalog()
    parent = schemas["sales"]
    first, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    profile = {"nullRatio": 0.0, "distinctCount": 3}
    stored = StoredTable(parent, _meta("id", "email"), _profiles(email=profile))
    merge_table(state, stored, first, [], [])
    table = state.by_name["wh.db.sales.orders"]

    # An unchanged source (the pool's profile arrives encoded, equal to the stored one)
    changed: list[Asset] = []
    encoded = JsonText(json.dumps(profile))
    merged = merge_table(
        state,
        StoredTable(parent, _meta("id", "email"), _profiles(email=encoded)),
        later,
        [],
        changed,
    )
    assert changed == [table]  # the table's row only, for its lastScannedAt
    assert table.detail["lastScannedAt"] == later.isoformat()
    assert {a.updated_at for a in (table, *merged.columns)} == {first}

    # A new profile for one column, a new type for another: those two change
    changed = []
    fresh = JsonText(json.dumps({**profile, "distinctCount": 4}))
    merged = merge_table(
        state,
        StoredTable(parent, _meta("id", "email", types={"id": "BIGINT"}), _profiles(email=fresh)),
        later,
        [],
        changed,
    )
    assert sorted(a.name for a in changed) == ["email", "id", "orders"]
    assert {a.name: a.updated_at for a in merged.columns} == {"id": later, "email": later}
    assert table.updated_at == first  # its own facts did not change
    assert next(c for c in merged.columns if c.name == "email").profile == fresh


# -- former names (``Asset.former_names``) -------------------------------------------


def test_a_renamed_column_keeps_its_former_name_through_later_rescans() -> None:
    state, _, schemas = _catalog()
    parent = schemas["sales"]
    now = datetime.now(UTC)
    merge_table(state, StoredTable(parent, _meta("id", "nick", key="9"), {}), now, [], [])
    merge_table(state, StoredTable(parent, _meta("id", "alias", key="9"), {}), now, [], [])
    alias = state.by_name["wh.db.sales.orders.alias"]
    assert alias.former_names == ["wh.db.sales.orders.nick"]

    # A re-scan of the unchanged source neither rewrites it nor forgets the name
    changed: list[Asset] = []
    merged = merge_table(
        state, StoredTable(parent, _meta("id", "alias", key="9"), {}), now, [], changed
    )
    assert alias not in changed and alias not in merged.documents
    assert alias.former_names == ["wh.db.sales.orders.nick"]


def test_a_renamed_table_keeps_its_former_name_in_the_detail_a_rescan_writes() -> None:
    state, _, schemas = _catalog()
    parent = schemas["sales"]
    now = datetime.now(UTC)
    merge_table(state, StoredTable(parent, _meta("id", key="7"), {}), now, [], [])
    table = state.by_name["wh.db.sales.orders"]
    state.rename(table, "sales_orders", "wh.db.sales.sales_orders")  # as ``apply_renames``
    renamed = TableMeta(
        schema="sales", name="sales_orders", kind=TableKind.TABLE, columns=(), key="7"
    )
    merge_table(state, StoredTable(parent, renamed, {}), now, [], [])
    assert table.former_names == ["wh.db.sales.orders"]
    assert table.detail["sourceKey"] == "7"


def test_former_names_are_the_last_ten_without_the_current_one() -> None:
    asset = _asset(AssetKind.TABLE, "wh.db.sales.t0", None)
    for i in range(1, 13):
        asset.move_to(f"t{i}", f"wh.db.sales.t{i}")
    assert asset.former_names == [f"wh.db.sales.t{i}" for i in range(2, 12)]
    # Taking a former name back (a rename undone) leaves it out, and keeps the rest
    asset.move_to("t5", "wh.db.sales.t5")
    assert asset.former_names[-1] == "wh.db.sales.t12"
    assert "wh.db.sales.t5" not in asset.former_names
    # Moving to the name it has is no rename
    asset.move_to("t5", "wh.db.sales.t5")
    assert asset.former_names[-1] == "wh.db.sales.t12"


def test_a_profile_read_as_text_is_compared_by_what_it_says() -> None:
    state, _, schemas = _catalog()
    parent = schemas["sales"]
    first, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    merge_table(state, StoredTable(parent, _meta("id", "email"), {}), first, [], [])
    email = state.by_name["wh.db.sales.orders.email"]

    def rescan(stored: str, fresh: str) -> list[Asset]:
        email.profile = JsonText(stored)  # type: ignore[assignment]  # as load_columns reads it
        changed: list[Asset] = []
        found = _profiles(email=JsonText(fresh))
        merge_table(state, StoredTable(parent, _meta("id", "email"), found), later, [], changed)
        return [a for a in changed if a.kind is AssetKind.COLUMN]

    # The same text (SQLite keeps what the scan wrote), or the same JSON in PostgreSQL's
    # own layout: unchanged
    assert rescan('{"count": 3, "nullRatio": 0.5}', '{"count": 3, "nullRatio": 0.5}') == []
    assert rescan('{"nullRatio": 0.5, "count": 3}', '{"count": 3, "nullRatio": 0.5}') == []
    # Another value: changed, and the fresh profile is kept
    assert rescan('{"count": 3, "nullRatio": 0.5}', '{"count": 4, "nullRatio": 0.5}') == [email]
    assert email.profile == '{"count": 4, "nullRatio": 0.5}'
