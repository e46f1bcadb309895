"""Which schemas and tables a rule set selects (glob patterns, case-sensitive)."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.scanning.model import ScanRuleSet

__all__ = ["MAX_PATTERNS", "check_patterns", "selects_schema", "selects_table"]

MAX_PATTERNS = 100


def check_patterns(patterns: Sequence[str], field: str) -> list[str]:
    if len(patterns) > MAX_PATTERNS:
        raise LimitExceeded(f"at most {MAX_PATTERNS} patterns", field=field)
    out = []
    for pattern in patterns:
        pattern = pattern.strip()
        if not 1 <= len(pattern) <= 200:
            raise ValidationFailed("a pattern is 1-200 characters", field=field)
        out.append(pattern)
    return out


def _any(patterns: Sequence[str], value: str) -> bool:
    return any(fnmatchcase(value, p) for p in patterns)


def selects_schema(rules: ScanRuleSet, schema: str) -> bool:
    if rules.include_schemas and not _any(rules.include_schemas, schema):
        return False
    return not _any(rules.exclude_schemas, schema)


def _table_match(patterns: Sequence[str], schema: str, table: str) -> bool:
    return any(fnmatchcase(f"{schema}.{table}" if "." in p else table, p) for p in patterns)


def selects_table(rules: ScanRuleSet, schema: str, table: str) -> bool:
    if rules.include_tables and not _table_match(rules.include_tables, schema, table):
        return False
    return not _table_match(rules.exclude_tables, schema, table)
