"""SQL lineage extraction: column edges, statement kinds, errors and bounds."""

from __future__ import annotations

import time

import pytest

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.lineage.model import (
    ColumnRef,
    Provenance,
    TableEdge,
    TransformationType,
)
from racine.domain.lineage.sql import (
    MAX_SQL_BYTES,
    StatementKind,
    StatementLineage,
    extract_sql_lineage,
)

SCHEMA = {
    "raw.orders": ["id", "customer_id", "amount", "status", "created_at"],
    "raw.customers": ["id", "email", "name", "country"],
    "mart.customer_revenue": ["customer_id", "email_hash", "revenue", "first_order"],
}


def edges(statement: StatementLineage) -> set[tuple[str, str, str | None, str, bool]]:
    """(source table, source column, target column, subtype, masking) of each edge."""
    return {
        (
            e.source.table,
            e.source.column,
            e.target_column,
            e.transformation.subtype.value if e.transformation.subtype else "",
            e.transformation.masking,
        )
        for e in statement.column_edges
    }


def only(sql: str, **kwargs: object) -> StatementLineage:
    result = extract_sql_lineage(sql, "postgres", SCHEMA, **kwargs)  # type: ignore[arg-type]
    assert len(result.statements) == 1
    statement = result.statements[0]
    assert statement.error is None, statement.error
    return statement


DBT_STYLE = """
INSERT INTO mart.customer_revenue
WITH paid AS (
    SELECT customer_id, amount, created_at FROM raw.orders WHERE status = 'paid'
)
SELECT c.id, md5(c.email), SUM(p.amount), MIN(p.created_at)
FROM paid AS p
JOIN raw.customers AS c ON c.id = p.customer_id
WHERE c.country = 'FR'
GROUP BY c.id, c.email
"""


def test_dbt_style_insert_with_cte_and_join_gives_column_edges() -> None:
    statement = only(DBT_STYLE)

    assert statement.kind is StatementKind.INSERT
    assert statement.target == "mart.customer_revenue"
    # INSERT without a column list maps by position onto the target's columns.
    assert statement.output_columns == ("customer_id", "email_hash", "revenue", "first_order")
    assert edges(statement) == {
        ("raw.customers", "id", "customer_id", "IDENTITY", False),
        ("raw.customers", "email", "email_hash", "TRANSFORMATION", True),
        ("raw.orders", "amount", "revenue", "AGGREGATION", False),
        ("raw.orders", "created_at", "first_order", "AGGREGATION", False),
        # Row-level influence goes to the target table (target_column None),
        # including the filter inside the CTE.
        ("raw.orders", "status", None, "FILTER", False),
        ("raw.orders", "customer_id", None, "JOIN", False),
        ("raw.customers", "id", None, "JOIN", False),
        ("raw.customers", "country", None, "FILTER", False),
        ("raw.customers", "id", None, "GROUP_BY", False),
        ("raw.customers", "email", None, "GROUP_BY", False),
    }
    assert all(e.target_table == "mart.customer_revenue" for e in statement.column_edges)
    assert set(statement.table_edges) == {
        TableEdge("raw.customers", "mart.customer_revenue"),
        TableEdge("raw.orders", "mart.customer_revenue"),
    }
    assert statement.external == ()
    assert statement.provenance is Provenance.SQL


def test_leading_with_clause_on_insert_is_traced_too() -> None:
    statement = only(
        "WITH x AS (SELECT id, amount FROM raw.orders) "
        "INSERT INTO raw.archive (order_id, total) SELECT id, amount * 2 FROM x"
    )
    assert edges(statement) == {
        ("raw.orders", "id", "order_id", "IDENTITY", False),
        ("raw.orders", "amount", "total", "TRANSFORMATION", False),
    }
    assert [(t.name, t.columns, t.is_target) for t in statement.external] == [
        ("raw.archive", ("order_id", "total"), True)
    ]


def test_select_star_is_expanded_from_the_catalog_with_its_spelling() -> None:
    schema = {"public.Users": ["ID", "Email"]}
    result = extract_sql_lineage("SELECT * FROM users u", "postgres", schema, "public")
    statement = result.statements[0]
    assert statement.kind is StatementKind.SELECT
    assert statement.target is None
    assert {(e.source, e.target_column) for e in statement.column_edges} == {
        (ColumnRef("public.Users", "ID"), "id"),
        (ColumnRef("public.Users", "Email"), "email"),
    }


def test_union_branches_feed_the_same_output_and_unknown_tables_are_external() -> None:
    statement = only(
        "SELECT id AS order_id FROM raw.orders UNION ALL SELECT ref FROM legacy.orders"
    )
    assert edges(statement) == {
        ("raw.orders", "id", "order_id", "IDENTITY", False),
        ("legacy.orders", "ref", "order_id", "IDENTITY", False),
    }
    assert [(t.name, t.columns, t.is_target) for t in statement.external] == [
        ("legacy.orders", ("ref",), False)
    ]


def test_create_view_with_case_and_window_gives_indirect_column_edges() -> None:
    statement = only(
        "CREATE VIEW reporting.v AS SELECT "
        "CASE WHEN status = 'x' THEN amount ELSE 0 END AS amt, "
        "SUM(amount) OVER (PARTITION BY customer_id ORDER BY created_at) AS running "
        "FROM orders",
        default_schema="raw",
    )
    assert statement.kind is StatementKind.CREATE_VIEW
    assert statement.provenance is Provenance.VIEW
    assert statement.target == "reporting.v"
    assert edges(statement) == {
        ("raw.orders", "amount", "amt", "TRANSFORMATION", False),
        ("raw.orders", "status", "amt", "CONDITIONAL", False),
        ("raw.orders", "amount", "running", "AGGREGATION", False),
        ("raw.orders", "customer_id", "running", "WINDOW", False),
        ("raw.orders", "created_at", "running", "WINDOW", False),
    }
    conditional = next(e for e in statement.column_edges if e.source.column == "status")
    assert conditional.transformation.type is TransformationType.INDIRECT


def test_create_table_as_with_subquery_and_sort() -> None:
    statement = only(
        "CREATE TABLE raw.top AS SELECT s.total FROM "
        "(SELECT customer_id, sha256(CAST(amount AS TEXT)) AS total FROM raw.orders) AS s "
        "ORDER BY s.customer_id"
    )
    assert statement.kind is StatementKind.CREATE_TABLE_AS
    assert edges(statement) == {
        ("raw.orders", "amount", "total", "TRANSFORMATION", True),
        ("raw.orders", "customer_id", None, "SORT", False),
    }


def test_source_only_used_for_filtering_gives_an_indirect_table_edge() -> None:
    statement = only(
        "INSERT INTO raw.vip (id) SELECT id FROM raw.customers "
        "WHERE id IN (SELECT customer_id FROM raw.orders WHERE amount > 100)"
    )
    assert set(statement.table_edges) == {
        TableEdge("raw.customers", "raw.vip", TransformationType.DIRECT),
        TableEdge("raw.orders", "raw.vip", TransformationType.INDIRECT),
    }
    assert ("raw.orders", "customer_id", None, "FILTER", False) in edges(statement)
    assert ("raw.orders", "amount", None, "FILTER", False) in edges(statement)


def test_regexp_replace_masks_only_through_its_value_argument() -> None:
    statement = only(
        "SELECT regexp_replace(email, name, 'x') AS e, upper(name) AS n FROM raw.customers"
    )
    assert ("raw.customers", "email", "e", "TRANSFORMATION", True) in edges(statement)
    assert ("raw.customers", "name", "e", "TRANSFORMATION", False) in edges(statement)
    assert ("raw.customers", "name", "n", "TRANSFORMATION", False) in edges(statement)


def test_update_and_merge_give_table_level_edges() -> None:
    result = extract_sql_lineage(
        "UPDATE raw.orders SET amount = s.amount FROM staging.orders AS s "
        "WHERE s.id = raw.orders.id;\n"
        "MERGE INTO raw.customers AS t USING staging.customers AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET email = s.email",
        "postgres",
        SCHEMA,
    )
    update, merge = result.statements
    assert (update.kind, update.target, update.table_edges) == (
        StatementKind.UPDATE,
        "raw.orders",
        (TableEdge("staging.orders", "raw.orders"),),
    )
    assert (merge.kind, merge.target, merge.table_edges) == (
        StatementKind.MERGE,
        "raw.customers",
        (TableEdge("staging.customers", "raw.customers"),),
    )
    assert update.column_edges == merge.column_edges == ()
    assert {t.name for t in result.external} == {"staging.orders", "staging.customers"}


def test_a_parse_error_is_reported_per_statement_with_its_position() -> None:
    sql = "SELECT id FROM raw.orders;\nSELECT name\n  FROM WHERE;\nSELECT email FROM raw.customers"
    result = extract_sql_lineage(sql, "postgres", SCHEMA)

    first, broken, last = result.statements
    assert first.error is None and first.column_edges
    assert last.error is None and last.column_edges
    assert broken.error is not None
    assert broken.error.code == "PARSE_ERROR"
    assert (broken.error.line, broken.error.column) == (3, 8)  # the WHERE token
    assert "WHERE" in broken.error.message
    assert (broken.line, broken.column) == (2, 1)
    assert result.errors == (broken.error,)


def test_unknown_dialect_is_a_validation_error_on_dialect() -> None:
    with pytest.raises(ValidationFailed) as caught:
        extract_sql_lineage("SELECT 1", "cobol", SCHEMA)
    assert caught.value.field == "dialect"


def test_dialect_aliases_and_other_dialects() -> None:
    result = extract_sql_lineage("SELECT `id` FROM raw.orders", "mariadb", SCHEMA)
    assert result.statements[0].column_edges[0].source == ColumnRef("raw.orders", "id")


def test_oversized_sql_is_refused() -> None:
    with pytest.raises(LimitExceeded) as caught:
        extract_sql_lineage("SELECT 1 " + " " * MAX_SQL_BYTES, "postgres", SCHEMA)
    assert caught.value.field == "sql"


def test_deep_nesting_is_a_statement_error_not_a_crash() -> None:
    sql = "SELECT a FROM " + "(SELECT * FROM " * 300 + "raw.orders" + ") x" * 300
    result = extract_sql_lineage(sql, "postgres", SCHEMA)
    assert result.errors[0].code == "LIMIT_EXCEEDED"


def test_five_hundred_joins_stay_fast_and_complete() -> None:
    n = 500
    schema = {f"public.t{i}": ["a", f"b{i}", "c"] for i in range(n)}
    sql = (
        "INSERT INTO public.wide SELECT t0.a, "
        + ", ".join(f"b{i}" for i in range(1, n))
        + " FROM t0 "
        + " ".join(f"JOIN t{i} ON t{i}.a = t{i - 1}.a" for i in range(1, n))
    )
    started = time.perf_counter()
    result = extract_sql_lineage(sql, "postgres", schema, "public")
    elapsed = time.perf_counter() - started

    statement = result.statements[0]
    assert statement.error is None
    assert elapsed < 5.0
    direct = [e for e in statement.column_edges if e.target_column is not None]
    joins = [e for e in statement.column_edges if e.target_column is None]
    assert len(direct) == n  # t0.a plus one b per joined table
    assert len(joins) == n  # every table's a is a join key, each once
    assert len(statement.table_edges) == n
