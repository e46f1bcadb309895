"""SQL for assertions, generated with sqlglot for the source's dialect.

Identifiers are always quoted by sqlglot (a column named ``order`` or
``e"mail`` is safe) and literals are escaped by it. Every statement returns one
row: ``total`` and ``violations`` (or one value for ROW_COUNT / FRESHNESS).

REGEX: PostgreSQL ``~``, MySQL/MariaDB ``REGEXP``; SQLite has no regex
operator of its own, so its values are read (a bounded sample, the rows in
``sample_size``) and matched in Python with a timeout (see ``pyregex``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from racine.domain.quality.model import (
    AcceptedValues,
    AssertionKind,
    NoParams,
    RangeParams,
    RegexParams,
)

__all__ = ["Statement", "build_statement", "sqlglot_dialect"]

Node = Any  # a sqlglot expression (its base class moved between sqlglot versions)

_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


def sqlglot_dialect(dialect: str) -> str:
    try:
        return _DIALECTS[dialect]
    except KeyError:
        raise ValueError(f"unsupported dialect {dialect!r}") from None


@dataclass(frozen=True)
class Statement:
    sql: str
    shape: str  # "counts" (total, violations) | "value" | "sample"


def _table(schema: str | None, table: str) -> exp.Table:
    return exp.table_(table, db=schema, quoted=True)


def _count_if(condition: Node) -> Node:
    case = exp.Case().when(condition, exp.Literal.number(1)).else_(exp.Literal.number(0))
    return exp.func("COALESCE", exp.func("SUM", case), exp.Literal.number(0))


def _counts(total: Node, violations: Node, source: exp.Table, dialect: str) -> Statement:
    query = exp.select(total.as_("total"), violations.as_("violations")).from_(source)
    return Statement(query.sql(dialect=dialect, identify=True), "counts")


def _literal(value: Any) -> Node:
    return exp.convert(value)


def build_statement(
    kind: AssertionKind,
    params: Any,
    dialect: str,
    schema: str | None,
    table: str,
    column: str | None,
) -> Statement:
    """The statement for one assertion (not for SCHEMA or CUSTOM_SQL)."""
    d = sqlglot_dialect(dialect)
    source = _table(schema, table)
    col = exp.column(column, quoted=True) if column is not None else None
    star = exp.func("COUNT", exp.Star())
    if kind is AssertionKind.ROW_COUNT:
        return Statement(
            exp.select(star.as_("row_count")).from_(source).sql(dialect=d, identify=True), "value"
        )
    assert col is not None
    present = exp.not_(col.is_(exp.null()))
    if kind is AssertionKind.NOT_NULL:
        assert isinstance(params, NoParams)
        return _counts(star, _count_if(col.is_(exp.null())), source, d)
    if kind is AssertionKind.UNIQUE:
        distinct = exp.func("COUNT", exp.Distinct(expressions=[col]))
        return _counts(
            exp.func("COUNT", col),
            exp.Sub(this=exp.func("COUNT", col), expression=distinct),
            source,
            d,
        )
    if kind is AssertionKind.ACCEPTED_VALUES:
        assert isinstance(params, AcceptedValues)
        outside = exp.not_(col.isin(*[_literal(v) for v in params.values]))
        return _counts(star, _count_if(exp.and_(present, outside)), source, d)
    if kind is AssertionKind.RANGE:
        assert isinstance(params, RangeParams)
        parts: list[Node] = []
        if params.min is not None:
            parts.append(exp.LT(this=col, expression=_literal(params.min)))
        if params.max is not None:
            parts.append(exp.GT(this=col, expression=_literal(params.max)))
        return _counts(star, _count_if(exp.and_(present, exp.or_(*parts))), source, d)
    if kind is AssertionKind.REGEX:
        assert isinstance(params, RegexParams)
        if dialect == "sqlite":
            query = exp.select(col).from_(source).where(present).limit(params.sample_size)
            return Statement(query.sql(dialect=d, identify=True), "sample")
        pattern = exp.Literal.string(params.pattern)
        if dialect == "mysql":
            # sqlglot renders REGEXP_LIKE for MySQL, which MariaDB lacks: REGEXP
            # works on both. Both parts are rendered (quoted, escaped) by sqlglot.
            text = exp.cast(col, "CHAR").sql(dialect=d, identify=True)
            lit = pattern.sql(dialect=d)
            where = f"{text} IS NOT NULL AND NOT ({text} REGEXP {lit})"
            total = star.sql(dialect=d)
            return Statement(
                f"SELECT {total} AS `total`, COALESCE(SUM(CASE WHEN {where} THEN 1 ELSE 0 "
                f"END), 0) AS `violations` FROM {source.sql(dialect=d, identify=True)}",
                "counts",
            )
        matches = exp.RegexpLike(this=exp.cast(col, "TEXT"), expression=pattern)
        return _counts(star, _count_if(exp.and_(present, exp.not_(matches))), source, d)
    if kind is AssertionKind.FRESHNESS:
        return Statement(
            exp.select(exp.func("MAX", col).as_("newest"))
            .from_(source)
            .sql(dialect=d, identify=True),
            "value",
        )
    raise ValueError(f"{kind.value} has no generated statement")
