"""Which sensitive columns custom SQL may read, and how a result is masked."""

from __future__ import annotations

import uuid

import pytest

from racine.domain.errors import ValidationFailed
from racine.domain.quality.guard import checked_select
from racine.domain.quality.masking import ResultMask, mask_result, sensitive_reads
from racine.domain.quality.model import AssertionKind, AssertionResult, ResultStatus

SENSITIVE = {"people": ["ssn", "birth_date"]}
BOTH = ("people.birth_date", "people.ssn")


@pytest.mark.parametrize(
    ("sql", "reads"),
    [
        ("SELECT max(ssn) FROM people", ("people.ssn",)),
        ('SELECT max(p."SSN") FROM main.people AS p', ("people.ssn",)),
        ("SELECT count(*) FROM people WHERE id > 1", ()),
        ("SELECT count(*) FROM orders WHERE ssn IS NULL", ()),  # another table's ssn
        ("SELECT * FROM people", BOTH),
        ("SELECT max(x) FROM (SELECT * FROM people) AS s(a, b, x)", BOTH),
        ("SELECT length(row_to_json(p)::text) FROM people p", BOTH),
        ("SELECT count(*) FROM people WHERE people.* IS NOT NULL", BOTH),
        ("SELECT max(b) FROM (SELECT birth_date AS b FROM people) AS s", ("people.birth_date",)),
        ("SELECT 1 FROM (", BOTH),  # does not parse: reads them all
    ],
)
def test_custom_sql_reading_sensitive_columns(sql: str, reads: tuple[str, ...]) -> None:
    assert sensitive_reads(sql, "postgresql", SENSITIVE) == reads


def test_sql_run_from_text_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="SQL given as text"):
        checked_select(
            "SELECT length(query_to_xml('select ssn from people', true, true, '')::text)",
            "postgresql",
        )


def _result(
    status: ResultStatus, observed: dict[str, object], message: str | None = None
) -> AssertionResult:
    return AssertionResult(uuid.uuid4(), uuid.uuid4(), status, observed, message)


def test_freshness_masks_newest_and_drops_its_age() -> None:
    raw = _result(
        ResultStatus.FAIL,
        {"newest": "1988-07-14T00:00:00+00:00", "ageSeconds": 1.2e9},
        "newest value is 1200000000s old",
    )
    masked = mask_result(raw, AssertionKind.FRESHNESS, ResultMask(type_key="DATE_OF_BIRTH"))
    assert masked.observed == {"newest": "****", "masked": True}
    assert masked.message == "newest value is older than allowed"
    assert mask_result(masked, AssertionKind.FRESHNESS, ResultMask("DATE_OF_BIRTH")) is masked
    assert mask_result(raw, AssertionKind.FRESHNESS, None) is raw


def test_source_error_detail_is_withheld() -> None:
    raw = _result(
        ResultStatus.ERROR,
        {},
        'the source failed (db:5432/hr): invalid input syntax for type integer: "123-45-6789"',
    )
    masked = mask_result(raw, AssertionKind.CUSTOM_SQL, ResultMask(columns=("people.ssn",)))
    assert masked.message == "the source failed (db:5432/hr): detail withheld (sensitive column)"
