"""No raw value of a sensitive column in a quality result, stored or returned.

A column is sensitive by the rule that masks profiles (``classification.profiles.
masking_type``: a live label at CONFIDENTIAL or above, or a CONFIRMED one at
INTERNAL or above), and what a result keeps follows the profile's rule too:
counts stay (``total``, ``violations``, ``rowCount``: they describe the column,
not a person), values go through ``mask_value`` and what they can be rebuilt from
is dropped:

* FRESHNESS: ``newest`` is masked (``****``) and ``ageSeconds`` dropped (the run's
  time minus the age is the newest value); the message no longer gives the age.
* CUSTOM_SQL that reads a sensitive column of its source: its number is withheld
  (``violations`` dropped, ``withheld: true`` and ``sensitiveColumns`` instead);
  PASS/FAIL still says whether it exceeded ``max_violations``. A first column of
  ``SELECT max(salary)`` or ``SELECT length(ssn)`` would otherwise be the value.
* An ERROR from the source keeps its summary but not the driver's detail, which
  can quote a value (``invalid input syntax for type integer: "123-45-6789"``).

A masked result carries ``masked: true``; masking it again changes nothing. Runs
mask before they store (so alerts and webhooks carry no value either), and reads
mask with the labels of the moment, so a label that arrives later hides what was
stored before it. Such a label also has the stored results masked
(:func:`scrub_stored_results`: after a scan, when a steward labels a column, when
lineage propagates a label), so raw values of a sensitive column are not *kept*
either, as profiles are scrubbed (``classification.scrub``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from racine.domain.catalog.model import ColumnClassification
from racine.domain.classification.custom import custom_levels
from racine.domain.classification.masking import FULL_MASK, mask_value
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.profiles import masking_type
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.model import (
    COLUMN_KINDS,
    Assertion,
    AssertionKind,
    AssertionResult,
    ResultStatus,
)
from racine.domain.quality.sql import sqlglot_dialect

__all__ = [
    "ResultMask",
    "mask_result",
    "result_masks",
    "scrub_source_results",
    "scrub_stored_results",
    "sensitive_reads",
]

SCRUB_CHUNK = 1000
"""Stored results masked per statement round (a year of hourly runs is 8,760)."""

_WORD = re.compile(r"\w+")
_SOURCE_DETAIL = re.compile(r"^([^():]*\([^()]*\)): .+$", re.DOTALL)  # "summary (label): detail"


@dataclass(frozen=True)
class ResultMask:
    """How to mask the results of one assertion: ``type_key`` of its sensitive
    column (column kinds), or the sensitive ``columns`` its SQL reads (CUSTOM_SQL)."""

    type_key: str | None = None
    columns: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.type_key is not None or bool(self.columns)


def sensitive_reads(
    sql: str, dialect: str, sensitive: Mapping[str, Iterable[str]]
) -> tuple[str, ...]:
    """``table.column`` of the ``sensitive`` columns (table -> column names, of the
    source) that ``sql`` may read, conservatively: a table it names (or names in a
    string) whose sensitive column it names, or whose every column it reads (a
    ``*`` other than ``COUNT(*)``, a whole-row reference such as ``row_to_json(t)``).
    SQL that does not parse reads them all."""
    try:
        tree = sqlglot.parse_one(sql, read=sqlglot_dialect(dialect))
    except (ParseError, TokenError, ValueError):
        tree = None
    if tree is None:
        return tuple(sorted(f"{t}.{c}" for t, cols in sensitive.items() for c in cols))
    words = {
        w.lower()
        for lit in tree.find_all(exp.Literal)
        if lit.is_string
        for w in _WORD.findall(lit.this)
    }
    tables = {t.name.lower() for t in tree.find_all(exp.Table)} | words
    names = {i.name.lower() for i in tree.find_all(exp.Identifier)} | words
    row_refs = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)} | tables
    whole_rows = any(not isinstance(s.parent, exp.Count) for s in tree.find_all(exp.Star)) or any(
        not c.table and c.name.lower() in row_refs for c in tree.find_all(exp.Column)
    )
    found = []
    for table, columns in sensitive.items():
        if table.lower() not in tables:
            continue
        found += [f"{table}.{c}" for c in columns if whole_rows or c.lower() in names]
    return tuple(sorted(found))


async def result_masks(
    uow: IncidentsUnitOfWork, assertions: Sequence[Assertion]
) -> dict[uuid.UUID, ResultMask]:
    """The mask of each of ``assertions`` with the labels stored now, read in the
    open unit of work; the ones with nothing to mask are left out."""
    columns = [a for a in assertions if a.kind in COLUMN_KINDS]
    custom = [a for a in assertions if a.kind is AssertionKind.CUSTOM_SQL and a.source_id]
    if not columns and not custom:
        return {}
    overrides = await custom_levels(cast(ClassificationUnitOfWork, uow))
    masks: dict[uuid.UUID, ResultMask] = {}
    if columns:
        labels = await uow.catalog.classifications_for(list({a.asset_id for a in columns}))
        for a in columns:
            key = masking_type(labels.get(a.asset_id, []), overrides)
            if key is not None:
                masks[a.id] = ResultMask(type_key=key)
    for source_id in {a.source_id for a in custom}:
        sensitive: dict[str, list[str]] = {}
        by_column: dict[tuple[str, str], list[ColumnClassification]] = {}
        for table, column, label in await uow.quality.labelled_columns(source_id):
            by_column.setdefault((table, column), []).append(label)
        for (table, column), rows in by_column.items():
            if masking_type(rows, overrides) is not None:
                sensitive.setdefault(table, []).append(column)
        if not sensitive:
            continue
        dialect = await uow.quality.engine_of(source_id)
        for a in custom:
            if a.source_id == source_id:
                read = sensitive_reads(str(a.params.get("sql", "")), dialect, sensitive)
                if read:
                    masks[a.id] = ResultMask(columns=read)
    return masks


def mask_result(
    result: AssertionResult, kind: AssertionKind, mask: ResultMask | None
) -> AssertionResult:
    """``result`` itself when ``mask`` asks for nothing or it is masked already,
    else a masked copy."""
    if (
        mask is None
        or not mask.active
        or result.observed.get("masked")
        or result.status is ResultStatus.SKIPPED
    ):
        return result
    observed = dict(result.observed)
    message = result.message
    if result.status is ResultStatus.ERROR and message:
        message = _SOURCE_DETAIL.sub(r"\1: detail withheld (sensitive column)", message)
    if kind is AssertionKind.FRESHNESS and mask.type_key is not None:
        if observed.get("newest") is not None:
            observed["newest"] = mask_value(observed["newest"], mask.type_key) or FULL_MASK
        observed.pop("ageSeconds", None)
        if result.status is ResultStatus.FAIL and observed.get("newest") is not None:
            message = "newest value is older than allowed"
    if kind is AssertionKind.CUSTOM_SQL and mask.columns:
        observed.pop("violations", None)
        observed["withheld"] = True
        observed["sensitiveColumns"] = list(mask.columns)
        if result.status is ResultStatus.FAIL:
            message = (
                "more violating rows than allowed (the count is withheld: the SQL "
                f"reads sensitive column(s) {', '.join(mask.columns)})"
            )
    observed["masked"] = True
    return replace(result, observed=observed, message=message)


async def scrub_stored_results(uow: IncidentsUnitOfWork, assertions: Sequence[Assertion]) -> int:
    """Mask, in the open unit of work, the stored results of ``assertions`` that the
    labels stored now call to mask and that are not masked yet (they ran before the
    label arrived); returns how many."""
    masks = await result_masks(uow, assertions)
    if not masks:
        return 0
    kinds = {a.id: a.kind for a in assertions}
    scrubbed = 0
    while True:
        stored = await uow.quality.unmasked_results(list(masks), SCRUB_CHUNK)
        await uow.quality.rewrite_results(
            [mask_result(r, kinds[r.assertion_id], masks[r.assertion_id]) for r in stored]
        )
        scrubbed += len(stored)
        if len(stored) < SCRUB_CHUNK:
            return scrubbed


async def scrub_source_results(uow: IncidentsUnitOfWork, source_ids: Iterable[object]) -> int:
    """:func:`scrub_stored_results` for every assertion of each of ``source_ids``,
    disabled ones too (a CUSTOM_SQL check reads any column of its source), in the
    open unit of work."""
    scrubbed = 0
    for source_id in dict.fromkeys(source_ids):
        if source_id is not None:
            assertions = await uow.quality.for_source(source_id, disabled_too=True)
            scrubbed += await scrub_stored_results(uow, assertions)
    return scrubbed
