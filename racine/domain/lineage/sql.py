"""Lineage from SQL text, schema-aware, with sqlglot.

One call takes a batch of statements; each statement gets its own
:class:`StatementLineage`, and a statement that does not parse carries a
:class:`SqlError` with its line and column instead of failing the batch.

Choices worth knowing:

* Column edges: DIRECT edges go from base columns to the target column
  (IDENTITY, TRANSFORMATION or AGGREGATION, ``masking`` set for hash/mask
  functions). INDIRECT influence that concerns one output column (CASE
  conditions, window keys, aggregate FILTER) goes to that column; influence on
  the rows of the whole result (JOIN keys, WHERE, GROUP BY, HAVING, QUALIFY,
  ORDER BY, including those inside CTEs and derived tables) goes to the target
  *table*, with ``target_column=None``. This keeps the edge count linear in the
  query size (a column per filter key, not filter keys x outputs) and matches the
  ``dataset`` list of OpenLineage's column lineage facet.
* UPDATE and MERGE give table-level edges only.
* Tables are matched against the catalog ``schema`` case-insensitively; an
  unqualified name is looked up under ``default_schema`` first, then by unique
  suffix. Tables not found are reported in ``external`` (with the columns seen),
  as is a target that does not exist yet, so callers can create placeholders.
* Statements are split on ``;`` tokens, so procedural blocks with inner
  semicolons are not supported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

from racine.domain.catalog.names import quote_part
from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.lineage.catalog import TableCatalog
from racine.domain.lineage.model import ColumnEdge, TableEdge, TransformationType
from racine.domain.lineage.sqlresult import (
    ExternalTable,
    SqlError,
    SqlLineageResult,
    StatementKind,
    StatementLineage,
)
from racine.domain.lineage.sqltrace import Tracer

__all__ = [
    "DIALECT_ALIASES",
    "MAX_NESTING",
    "MAX_SQL_BYTES",
    "MAX_STATEMENTS",
    "MAX_TABLES_PER_STATEMENT",
    "ExternalTable",
    "SqlError",
    "SqlLineageResult",
    "StatementKind",
    "StatementLineage",
    "extract_sql_lineage",
]

MAX_SQL_BYTES = 1_000_000
MAX_STATEMENTS = 1_000
MAX_TABLES_PER_STATEMENT = 2_000
MAX_COLUMN_EDGES_PER_STATEMENT = 200_000
# Parenthesis depth; sqlglot's parser and optimizer recurse per level.
MAX_NESTING = 64

# Names people use for the same dialect as sqlglot.
DIALECT_ALIASES = {
    "postgresql": "postgres",
    "pg": "postgres",
    "mariadb": "mysql",
    "sqlserver": "tsql",
    "mssql": "tsql",
    "sqlite3": "sqlite",
}

_SYNTHETIC = "__racine_t"


def resolve_dialect(dialect: str) -> Dialect:
    """The sqlglot dialect for a name, or ValidationFailed(field="dialect")."""
    name = DIALECT_ALIASES.get(dialect.strip().lower(), dialect.strip().lower())
    if not name:
        raise ValidationFailed("a SQL dialect is required", field="dialect")
    try:
        return Dialect.get_or_raise(name)
    except ValueError:
        raise ValidationFailed(f"unknown SQL dialect {dialect!r}", field="dialect") from None


def extract_sql_lineage(
    sql: str,
    dialect: str,
    schema: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Sequence[str]]],
    default_schema: str | None = None,
) -> SqlLineageResult:
    """Lineage of every statement in ``sql``.

    ``schema`` maps qualified table names (``"public.orders"``,
    ``"shop.public.orders"``) to their column names, from the catalog.
    Raises ValidationFailed for an unknown dialect and LimitExceeded when ``sql``
    is over :data:`MAX_SQL_BYTES` or has more than :data:`MAX_STATEMENTS`.
    CPU-bound: callers on an event loop should run it in a worker.
    """
    resolved = resolve_dialect(dialect)
    if len(sql.encode("utf-8", errors="replace")) > MAX_SQL_BYTES:
        raise LimitExceeded(f"SQL is larger than {MAX_SQL_BYTES} bytes", field="sql")
    catalog = TableCatalog(_flatten_schema(schema), default_schema)
    try:
        tokens = resolved.tokenize(sql)
    except TokenError as error:
        return SqlLineageResult((_token_failure(sql, error),))
    chunks = _split(tokens)
    if len(chunks) > MAX_STATEMENTS:
        raise LimitExceeded(f"more than {MAX_STATEMENTS} statements", field="sql")
    results = tuple(
        _statement(index, chunk, sql, resolved, catalog) for index, chunk in enumerate(chunks)
    )
    return SqlLineageResult(results)


def _flatten_schema(
    schema: Mapping[str, Sequence[str]] | Mapping[str, Mapping[str, Sequence[str]]],
) -> dict[str, tuple[str, ...]]:
    """Accept both ``{"public.orders": [cols]}`` and ``{"public": {"orders": [cols]}}``."""
    flat: dict[str, tuple[str, ...]] = {}
    for key, value in schema.items():
        if isinstance(value, Mapping):
            for table, columns in value.items():
                if isinstance(columns, Mapping):
                    raise ValidationFailed("schema nests too deep", field="schema")
                flat[f"{key}.{quote_part(table)}"] = tuple(str(c) for c in columns)
        elif isinstance(value, str):
            raise ValidationFailed(f"columns of {key} must be a list", field="schema")
        else:
            flat[key] = tuple(str(c) for c in value)
    return flat


def _split(tokens: list[Token]) -> list[list[Token]]:
    chunks: list[list[Token]] = []
    current: list[Token] = []
    for token in tokens:
        if token.token_type is TokenType.SEMICOLON:
            if current:
                chunks.append(current)
            current = []
        else:
            current.append(token)
    if current:
        chunks.append(current)
    return chunks


def _deepest(tokens: list[Token]) -> Token | None:
    """The first token past :data:`MAX_NESTING` open parentheses, if any."""
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
            if depth > MAX_NESTING:
                return token
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
    return None


def _position(sql: str, offset: int) -> tuple[int, int]:
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _token_failure(sql: str, error: TokenError) -> StatementLineage:
    return StatementLineage(
        index=0,
        sql=sql[:200],
        line=1,
        column=1,
        error=SqlError("PARSE_ERROR", f"cannot tokenize SQL: {error}"[:500], 1, 1),
    )


def _statement(
    index: int, tokens: list[Token], sql: str, dialect: Dialect, catalog: TableCatalog
) -> StatementLineage:
    start, end = tokens[0].start, tokens[-1].end + 1
    text = sql[start:end]
    line, column = _position(sql, start)
    base = StatementLineage(index=index, sql=text, line=line, column=column)
    deepest = _deepest(tokens)
    if deepest is not None:
        where = _position(sql, deepest.start)
        message = f"parentheses nest deeper than {MAX_NESTING} levels"
        return _with_error(base, SqlError("LIMIT_EXCEEDED", message, *where))
    try:
        parsed = dialect.parser(error_level=ErrorLevel.RAISE).parse(tokens, sql)
    except ParseError as error:
        return _with_error(base, _parse_error(error, line, column))
    except RecursionError:
        return _with_error(base, SqlError("LIMIT_EXCEEDED", "statement too complex", line, column))
    statement = parsed[0] if parsed else None
    if statement is None:
        return base
    try:
        return _analyse(base, statement, dialect, catalog)
    except LimitExceeded as error:
        return _with_error(base, SqlError("LIMIT_EXCEEDED", error.message, line, column))
    except (SqlglotError, RecursionError) as error:
        message = str(error).splitlines()[0][:500] if str(error) else type(error).__name__
        return _with_error(base, SqlError("ANALYSIS_ERROR", message, line, column))


def _with_error(base: StatementLineage, error: SqlError) -> StatementLineage:
    return StatementLineage(
        index=base.index, sql=base.sql, line=base.line, column=base.column, error=error
    )


def _parse_error(error: ParseError, line: int, column: int) -> SqlError:
    details = error.errors[0] if error.errors else {}
    description = str(details.get("description") or error).split("<Token")[0].strip()
    highlight = str(details.get("highlight") or "")
    err_line = details.get("line")
    err_col = details.get("col")
    if isinstance(err_line, int) and isinstance(err_col, int):
        # sqlglot points at the end of the offending token; report its start.
        line, column = err_line, max(1, err_col - len(highlight) + 1)
    if highlight:
        description += f" {highlight!r}" if description.endswith("got") else f" near {highlight!r}"
    return SqlError("PARSE_ERROR", description[:500], line, column)


# -- analysis ----------------------------------------------------------------------


@dataclass(slots=True)
class _Tables:
    """Base tables of one statement: synthetic sqlglot name -> what we report."""

    names: dict[str, str] = field(default_factory=dict)
    external: dict[str, bool] = field(default_factory=dict)
    seen_columns: dict[str, set[str]] = field(default_factory=dict)

    def add(self, name: str, is_external: bool) -> str:
        synthetic = f"{_SYNTHETIC}{len(self.names)}"
        self.names[synthetic] = name
        self.external[synthetic] = is_external
        return synthetic


def _analyse(
    base: StatementLineage, statement: exp.Expr, dialect: Dialect, catalog: TableCatalog
) -> StatementLineage:
    target_node, query, kind = _shape(statement)
    tables = list(_base_tables(statement))
    if len(tables) > MAX_TABLES_PER_STATEMENT:
        raise LimitExceeded(f"more than {MAX_TABLES_PER_STATEMENT} table references")

    target_name: str | None = None
    target_columns_given: list[str] = []
    if target_node is not None:
        target_table = target_node.this if isinstance(target_node, exp.Schema) else target_node
        if isinstance(target_table, exp.Table):
            target_name = catalog.resolve_or_name(_parts(target_table))
        if isinstance(target_node, exp.Schema):
            target_columns_given = [e.name for e in target_node.expressions if e.name]

    if kind in (StatementKind.UPDATE, StatementKind.MERGE) or query is None:
        return _table_level(base, kind, target_name, target_node, tables, catalog)

    registry = _Tables()
    for table in tables:
        if not _inside(table, query):
            continue
        name = catalog.resolve(_parts(table))
        registry_name = name or catalog.external_name(_parts(table))
        synthetic = registry.add(registry_name, name is None)
        if not table.alias:
            table.set("alias", exp.TableAlias(this=table.this.copy()))
        table.set("this", exp.to_identifier(synthetic, quoted=True))
        table.set("db", None)
        table.set("catalog", None)

    mapping: dict[str, object] = {
        exp.to_identifier(synthetic, quoted=True).sql(dialect=dialect): {
            column: "UNKNOWN" for column in catalog.columns(name)
        }
        for synthetic, name in registry.names.items()
        if not registry.external[synthetic] and catalog.columns(name)
    }
    qualified = qualify(
        query,
        dialect=dialect,
        schema=MappingSchema(mapping, dialect=dialect),
        validate_qualify_columns=False,
        identify=False,
    )
    root = build_scope(qualified)
    if root is None:
        raise SqlglotError("statement has no query to trace")

    def base_table(node: exp.Table) -> tuple[str, bool] | None:
        synthetic = node.name
        if synthetic not in registry.names:
            return None
        return registry.names[synthetic], registry.external[synthetic]

    def column_name(table: str, column: str) -> str:
        spelled = catalog.spell_column(table, column)
        if spelled is None:
            registry.seen_columns.setdefault(table, set()).add(column)
            return column
        return spelled

    tracer = Tracer(base_table, column_name)
    outputs = tracer.output_names(root)
    target_columns = _target_columns(outputs, target_columns_given, target_name, catalog, kind)
    warnings: list[str] = []
    if len(target_columns) != len(outputs):
        warnings.append("target column count differs from the query's; matched by position")

    edges: list[ColumnEdge] = []
    for index, target_column in enumerate(target_columns[: len(outputs)]):
        for ref, ways in tracer.output(root, index).items():
            edges.extend(
                ColumnEdge(ref, target_name, target_column, way)
                for way in sorted(ways, key=_way_key)
            )
            if len(edges) > MAX_COLUMN_EDGES_PER_STATEMENT:
                raise LimitExceeded(f"more than {MAX_COLUMN_EDGES_PER_STATEMENT} column edges")
    for ref, ways in sorted(tracer.rows(root).items()):
        edges.extend(ColumnEdge(ref, target_name, None, way) for way in sorted(ways, key=_way_key))

    sources = tuple(sorted(set(registry.names.values()) - {target_name} - {""}))
    table_edges: tuple[TableEdge, ...] = ()
    if target_name is not None:
        direct = {
            e.source.table for e in edges if e.transformation.type is TransformationType.DIRECT
        }
        only_indirect = {e.source.table for e in edges} - direct
        table_edges = tuple(
            TableEdge(
                source,
                target_name,
                TransformationType.INDIRECT
                if source in only_indirect
                else TransformationType.DIRECT,
            )
            for source in sources
        )

    external = [
        ExternalTable(name, tuple(sorted(registry.seen_columns.get(name, ()))))
        for name in sorted({n for s, n in registry.names.items() if registry.external[s]})
        if name != target_name
    ]
    if target_name is not None and catalog.resolve_name(target_name) is None:
        external.append(ExternalTable(target_name, tuple(target_columns), is_target=True))

    return StatementLineage(
        index=base.index,
        sql=base.sql,
        line=base.line,
        column=base.column,
        kind=kind,
        target=target_name,
        sources=sources,
        output_columns=tuple(target_columns),
        table_edges=table_edges,
        column_edges=tuple(edges),
        external=tuple(external),
        warnings=tuple(dict.fromkeys([*tracer.warnings, *warnings])),
    )


def _way_key(way: object) -> str:
    return repr(way)


def _table_level(
    base: StatementLineage,
    kind: StatementKind,
    target_name: str | None,
    target_node: exp.Expr | None,
    tables: list[exp.Table],
    catalog: TableCatalog,
) -> StatementLineage:
    target_table = target_node.this if isinstance(target_node, exp.Schema) else target_node
    names: dict[str, bool] = {}
    for table in tables:
        if table is target_table:
            continue
        name = catalog.resolve(_parts(table))
        names[name or catalog.external_name(_parts(table))] = name is None
    sources = tuple(sorted(set(names) - {target_name}))
    edges = (
        tuple(TableEdge(source, target_name) for source in sources)
        if target_name is not None
        else ()
    )
    external = [ExternalTable(n, ()) for n in sources if names[n]]
    if target_name is not None and catalog.resolve_name(target_name) is None:
        external.append(ExternalTable(target_name, (), is_target=True))
    return StatementLineage(
        index=base.index,
        sql=base.sql,
        line=base.line,
        column=base.column,
        kind=kind,
        target=target_name,
        sources=sources,
        table_edges=edges,
        external=tuple(external),
    )


def _shape(statement: exp.Expr) -> tuple[exp.Expr | None, exp.Expr | None, StatementKind]:
    """(target node, query to trace, kind); the query gets the statement's CTEs."""
    if isinstance(statement, exp.Query):
        return None, statement, StatementKind.SELECT
    if isinstance(statement, exp.Insert):
        query = _with_outer_ctes(statement, statement.expression)
        return statement.this, query, StatementKind.INSERT
    if isinstance(statement, exp.Create):
        kind_name = str(statement.args.get("kind") or "").upper()
        query = statement.expression
        if isinstance(query, exp.Query) and kind_name in {"TABLE", "VIEW"}:
            kind = (
                StatementKind.CREATE_VIEW if kind_name == "VIEW" else StatementKind.CREATE_TABLE_AS
            )
            return statement.this, _with_outer_ctes(statement, query), kind
        return None, None, StatementKind.OTHER
    if isinstance(statement, exp.Update):
        return statement.this, None, StatementKind.UPDATE
    if isinstance(statement, exp.Merge):
        return statement.this, None, StatementKind.MERGE
    return None, None, StatementKind.OTHER


def _with_outer_ctes(statement: exp.Expr, query: exp.Expr | None) -> exp.Expr | None:
    outer = statement.args.get("with_")
    if not isinstance(query, exp.Query) or not isinstance(outer, exp.With):
        return query if isinstance(query, exp.Query) else None
    inner = query.args.get("with_")
    ctes = [*outer.expressions, *(inner.expressions if isinstance(inner, exp.With) else [])]
    query.set("with_", exp.With(expressions=ctes, recursive=outer.args.get("recursive")))
    statement.set("with_", None)
    return query


def _base_tables(statement: exp.Expr) -> list[exp.Table]:
    """Table nodes naming stored tables (not CTE references, not table functions)."""
    cte_names = {cte.alias_or_name.casefold() for cte in statement.find_all(exp.CTE)}
    found: list[exp.Table] = []
    for table in statement.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or not table.name:
            continue
        if not table.args.get("db") and table.name.casefold() in cte_names:
            continue
        found.append(table)
    return found


def _inside(node: exp.Expr, ancestor: exp.Expr) -> bool:
    current: exp.Expr | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def _parts(table: exp.Table) -> tuple[str, ...]:
    return tuple(part.name for part in table.parts if part.name)


def _target_columns(
    outputs: list[str],
    given: list[str],
    target: str | None,
    catalog: TableCatalog,
    kind: StatementKind,
) -> list[str]:
    """INSERT maps by position: to the listed columns, else to the table's columns."""
    if given:
        return given
    if kind is StatementKind.INSERT and target is not None:
        known = catalog.columns(target)
        if len(known) >= len(outputs) > 0:
            return list(known[: len(outputs)])
    return outputs
