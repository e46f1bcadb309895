"""Column tracing through sqlglot scopes, after qualification.

Why a tracer of our own rather than :func:`sqlglot.lineage.lineage`: that function
walks one output column at a time and does not report INDIRECT influence (joins,
filters, grouping, windows, CASE conditions) or masking. Here each scope's outputs
and each scope's row-level influence are computed once and memoised, so a query
with hundreds of joins costs time linear in its size.

A *lineage* maps each base column to the set of ways it reaches a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from racine.domain.lineage.model import ColumnRef, Transformation, TransformationSubtype

__all__ = ["MASKING_FUNCTIONS", "Lineage", "Tracer"]

Lineage = dict[ColumnRef, set[Transformation]]

# Functions whose output no longer exposes the input value as is (hashes, masks,
# redaction by regular expression). Lower-case SQL names, as sqlglot spells them
# for known functions or as written for unknown ones.
MASKING_FUNCTIONS = frozenset(
    {
        "md5", "md5_binary", "md5_number_lower64", "md5_number_upper64",
        "sha", "sha1", "sha2", "sha224", "sha256", "sha384", "sha512", "sha2_binary",
        "s_h_a2_digest", "sha1_binary", "hash", "hash_md5", "hash_sha1", "hash_sha256",
        "farm_fingerprint", "crc32", "xxhash64", "murmur_hash3_32", "digest", "hmac",
        "mask", "mask_hash", "mask_first_n", "mask_last_n", "mask_show_first_n",
        "mask_show_last_n", "regexp_replace", "encrypt", "aes_encrypt", "pgp_sym_encrypt",
        "standard_hash", "ora_hash", "hashbytes", "checksum",
    }
)  # fmt: skip

_CLAUSES: tuple[tuple[str, TransformationSubtype], ...] = (
    ("where", TransformationSubtype.FILTER),
    ("group", TransformationSubtype.GROUP_BY),
    ("having", TransformationSubtype.FILTER),
    ("qualify", TransformationSubtype.FILTER),
    ("order", TransformationSubtype.SORT),
)

_IDENTITY = Transformation.of(TransformationSubtype.IDENTITY)


def _function_name(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return None


def merge_into(target: Lineage, extra: Lineage) -> None:
    for ref, ways in extra.items():
        target.setdefault(ref, set()).update(ways)


class Tracer:
    """Traces outputs of a qualified query back to base-table columns.

    ``base_table`` maps a sqlglot table node to ``(qualified name, external)``, or
    ``None`` for table-like things we cannot follow. ``column_name`` turns a column
    as sqlglot normalised it back into the catalog's spelling.
    """

    def __init__(
        self,
        base_table: Callable[[exp.Table], tuple[str, bool] | None],
        column_name: Callable[[str, str], str],
    ) -> None:
        self._base_table = base_table
        self._column_name = column_name
        self._outputs: dict[tuple[int, int], Lineage] = {}
        self._rows: dict[int, Lineage] = {}
        self.warnings: list[str] = []

    # -- outputs -------------------------------------------------------------------

    def output(self, scope: Scope, index: int) -> Lineage:
        """How output column ``index`` of ``scope`` is computed (DIRECT and, for
        CASE conditions and window keys, column-specific INDIRECT ways)."""
        key = (id(scope), index)
        cached = self._outputs.get(key)
        if cached is not None:
            return cached
        self._outputs[key] = {}  # recursion guard (recursive CTEs)
        result: Lineage = {}
        if scope.set_operation_scopes:
            for branch in scope.set_operation_scopes:
                merge_into(result, self.output(branch, index))
        elif isinstance(scope.expression, exp.Select):
            selects = scope.expression.selects
            if index < len(selects):
                projection = selects[index]
                value = projection.this if isinstance(projection, exp.Alias) else projection
                if isinstance(value, exp.Star) or (
                    isinstance(value, exp.Column) and isinstance(value.this, exp.Star)
                ):
                    self.warnings.append(
                        "SELECT * over a table missing from the catalog was not expanded"
                    )
                else:
                    result = self._expression(scope, value, projection)
        self._outputs[key] = result
        return result

    def rows(self, scope: Scope) -> Lineage:
        """Columns that decide which rows ``scope`` yields (dataset-wide INDIRECT):
        join keys, WHERE, GROUP BY, HAVING, QUALIFY and ORDER BY, including those of
        the derived tables and CTEs it reads."""
        cached = self._rows.get(id(scope))
        if cached is not None:
            return cached
        self._rows[id(scope)] = {}
        result: Lineage = {}
        if scope.set_operation_scopes:
            for branch in scope.set_operation_scopes:
                merge_into(result, self.rows(branch))
        elif isinstance(scope.expression, exp.Select):
            select = scope.expression
            for join in select.args.get("joins") or []:
                on = join.args.get("on")
                if on is not None:
                    merge_into(result, self._clause(scope, on, TransformationSubtype.JOIN))
            for arg, subtype in _CLAUSES:
                clause = select.args.get(arg)
                if clause is not None:
                    merge_into(result, self._clause(scope, clause, subtype))
            for source in scope.sources.values():
                if isinstance(source, Scope):
                    merge_into(result, self.rows(source))
        self._rows[id(scope)] = result
        return result

    def output_names(self, scope: Scope) -> list[str]:
        parent = scope.expression.parent
        if isinstance(parent, (exp.Subquery, exp.CTE)) and parent.alias_column_names:
            return list(parent.alias_column_names)
        expression = scope.expression
        if isinstance(expression, exp.Query):
            return list(expression.named_selects)
        return []

    # -- internals -----------------------------------------------------------------

    def _clause(self, scope: Scope, clause: exp.Expr, subtype: TransformationSubtype) -> Lineage:
        way = Transformation.of(subtype)
        result: Lineage = {}
        for leaf in _leaves(clause):
            # Every base column behind a filter/join key influences rows only.
            for ref in self._leaf(scope, leaf):
                result.setdefault(ref, set()).add(way)
        return result

    def _expression(self, scope: Scope, value: exp.Expr, root: exp.Expr) -> Lineage:
        result: Lineage = {}
        for leaf in _leaves(value):
            outer = _context(leaf, value, root)
            for ref, ways in self._leaf(scope, leaf).items():
                bucket = result.setdefault(ref, set())
                bucket.update(inner.then(outer) for inner in ways)
        return result

    def _leaf(self, scope: Scope, leaf: exp.Expr) -> Lineage:
        if isinstance(leaf, exp.Column):
            return self._column(scope, leaf)
        child = _child_scope(scope, leaf)
        if child is None:
            return {}
        # A scalar or IN subquery: its outputs flow in, its row filters still filter.
        result: Lineage = {}
        for index in range(len(self.output_names(child)) or 1):
            merge_into(result, self.output(child, index))
        merge_into(result, self.rows(child))
        return result

    def _column(self, scope: Scope, column: exp.Column) -> Lineage:
        source = self._find_source(scope, column)
        if source is None:
            if column.name and not column.table:
                # Ambiguous between tables whose columns the catalog does not list.
                self.warnings.append(f"column {column.sql()} could not be resolved")
            return {}
        if isinstance(source, exp.Table):
            base = self._base_table(source)
            if base is None:
                return {}
            table = base[0]
            ref = ColumnRef(table, self._column_name(table, column.name))
            return {ref: {_IDENTITY}}
        names = self.output_names(source)
        try:
            index = names.index(column.name)
        except ValueError:
            return {}
        return self.output(source, index)

    def _find_source(self, scope: Scope, column: exp.Column) -> exp.Table | Scope | None:
        table = column.table
        current: Scope | None = scope
        while current is not None:
            if table:
                source = current.sources.get(table)
                if isinstance(source, (exp.Table, Scope)):
                    return source
            else:
                sources = [s for s in current.sources.values() if isinstance(s, (exp.Table, Scope))]
                if len(sources) == 1:
                    return sources[0]
                # Qualification leaves a column unqualified when it may come from a
                # table whose columns we do not know; attribute it if only one such.
                unknown = [
                    s
                    for s in sources
                    if isinstance(s, exp.Table) and (self._base_table(s) or ("", False))[1]
                ]
                return unknown[0] if len(unknown) == 1 else None
            current = current.parent
        return None


def _child_scope(scope: Scope, node: exp.Expr) -> Scope | None:
    for child in scope.subquery_scopes:
        expression = child.expression
        if expression is node or (isinstance(node, exp.Subquery) and expression is node.this):
            return child
    return None


def _leaves(root: exp.Expr) -> Iterator[exp.Expr]:
    """Columns and nested queries under ``root``, not descending into nested queries
    (they are scopes of their own)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Column):
            yield node
            continue
        if node is not root and isinstance(node, (exp.Query, exp.Subquery)):
            yield node
            continue
        stack.extend(node.iter_expressions())


def _context(leaf: exp.Expr, value: exp.Expr, root: exp.Expr) -> Transformation:
    """How the expression around ``leaf`` uses it, walking up to the projection."""
    aggregated = False
    masking = False
    indirect: TransformationSubtype | None = None
    child, node = leaf, leaf.parent
    while node is not None and child is not root:
        if isinstance(node, exp.AggFunc):
            aggregated = True
        if isinstance(node, exp.Window) and child is not node.this:
            indirect = TransformationSubtype.WINDOW
        elif isinstance(node, (exp.If, exp.Case)) and child is node.args.get("this"):
            indirect = TransformationSubtype.CONDITIONAL
        elif isinstance(node, exp.Filter) and child is node.args.get("expression"):
            indirect = TransformationSubtype.FILTER
        name = _function_name(node)
        if name in MASKING_FUNCTIONS and _is_value_argument(node, child):
            masking = True
        child, node = node, node.parent
    if indirect is not None:
        return Transformation.of(indirect)
    if aggregated:
        return Transformation.of(TransformationSubtype.AGGREGATION, masking=masking)
    if leaf is value and isinstance(leaf, exp.Column):
        return _IDENTITY
    return Transformation.of(TransformationSubtype.TRANSFORMATION, masking=masking)


def _is_value_argument(function: exp.Expr, child: exp.Expr) -> bool:
    """The masked value is the first argument (not, e.g., a regexp's pattern)."""
    if isinstance(function, exp.Anonymous):
        arguments = function.expressions
        return bool(arguments) and arguments[0] is child
    return function.args.get("this") is child
