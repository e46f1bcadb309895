"""Generated assertion SQL per dialect, the CUSTOM_SQL guard, regex sampling, signing."""

from __future__ import annotations

import time

import pytest

from racine.domain.errors import LimitExceeded, ValidationFailed
from racine.domain.incidents.model import NotificationPreference
from racine.domain.quality.guard import checked_select
from racine.domain.quality.model import AssertionKind, NoParams, RangeParams, RegexParams
from racine.domain.quality.pyregex import RegexTimeout, match_sample
from racine.domain.quality.sql import build_statement
from racine.notifications.signing import sign, verify


def test_regex_uses_each_dialects_operator() -> None:
    params = RegexParams(pattern=r"^\d+$")
    pg = build_statement(AssertionKind.REGEX, params, "postgresql", "public", "t", "c")
    my = build_statement(AssertionKind.REGEX, params, "mysql", "shop", "t", "c")
    lite = build_statement(AssertionKind.REGEX, params, "sqlite", "main", "t", "c")
    assert " ~ " in pg.sql and pg.shape == "counts"
    assert " REGEXP " in my.sql and "REGEXP_LIKE" not in my.sql and "`shop`.`t`" in my.sql
    assert r"'^\\d+$'" in my.sql  # MySQL string literals escape backslashes
    assert lite.shape == "sample" and "LIMIT 10000" in lite.sql


def test_identifiers_and_literals_are_quoted() -> None:
    sql = build_statement(
        AssertionKind.NOT_NULL, NoParams(), "postgresql", 'we"ird', "my table", "select"
    ).sql
    assert '"we""ird"."my table"' in sql and '"select" IS NULL' in sql
    rng = build_statement(
        AssertionKind.RANGE, RangeParams(min=0, max=5), "sqlite", None, "t", "x"
    ).sql
    assert '"x" < 0' in rng and '"x" > 5' in rng


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM t",
        "UPDATE t SET a = 1",
        "INSERT INTO t VALUES (1)",
        "DROP TABLE t",
        "SELECT 1; DROP TABLE t",
        "select count(*) from t; delete from t",
        "CREATE TABLE x (a int)",
        "TRUNCATE t",
        "SELECT * INTO copy FROM t",
        "WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d",
        "SELECT * FROM t FOR UPDATE",
        "SELECT nextval('s')",
        "SELECT set_config('a', 'b', false)",
        "ALTER TABLE t ADD c int",
        "GRANT ALL ON t TO x",
        "not sql at all (",
    ],
)
def test_custom_sql_that_could_write_is_refused(sql: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        checked_select(sql, "postgresql")
    assert err.value.field == "params.sql"


def test_custom_sql_select_is_normalised() -> None:
    assert checked_select("select count(*) from t where x is null;", "postgresql") == (
        "SELECT COUNT(*) FROM t WHERE x IS NULL"
    )
    with pytest.raises(LimitExceeded):
        checked_select("SELECT 1" + " " * 10_000, "sqlite")


def test_a_catastrophic_regex_times_out_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(RegexTimeout):
        match_sample("^(a|a)*$", ["a" * 40 + "!"])
    assert time.monotonic() - started < 1.0
    assert match_sample("^a+$", ["aa", "ab", None]).violations == 1


def test_signatures_verify_and_expire() -> None:
    header = sign("s3cret-value-123456", b'{"a":1}', timestamp=1_000)
    assert verify("s3cret-value-123456", b'{"a":1}', header, now=1_100)
    assert not verify("s3cret-value-123456", b'{"a":2}', header, now=1_100)
    assert not verify("s3cret-value-123456", b'{"a":1}', header, now=5_000)
    assert not verify("s3cret-value-123456", b'{"a":1}', "garbage")


def test_preferences_filter_kinds_and_severity() -> None:
    import uuid

    pref = NotificationPreference(uuid.uuid4(), ["ASSERTION_FAILED"], "HIGH")
    assert pref.wants("ASSERTION_FAILED", "CRITICAL")
    assert not pref.wants("ASSERTION_FAILED", "MEDIUM")
    assert not pref.wants("FINDING_NEW", "CRITICAL")
    assert NotificationPreference(uuid.uuid4()).wants("FINDING_NEW", "LOW")
