"""Quality results of sensitive columns over the API: no raw value stored or returned
(FRESHNESS masks its newest value, CUSTOM_SQL reading a sensitive column withholds
its number); results stored before the column was labelled are masked where they are
kept, and on read."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

SECRET = "test-secret-key-0123456789"  # the ``settings`` fixture's secret_key

CREATE_SOURCE = """mutation($url: String!) {
  createDataSource(input: {name: "hr", url: $url}) { errors { code message } dataSource { id } } }"""
START_SCAN = """mutation($id: ID!, $rules: ID) {
  startScan(input: {dataSourceId: $id, ruleSetId: $rules}) { errors { code message } scan { id } } }"""
BLIND_RULES = """mutation { createScanRuleSet(input: {name: "blind", classification: false}) {
  errors { code message } ruleSet { id } } }"""
SCAN_STATE = """query($id: ID!) { node(id: $id) { ... on Scan { state } } }"""
COLUMNS = """query($id: ID!) { assets(filter: {kinds: [COLUMN, TABLE], dataSourceIds: [$id]},
  first: 50) { edges { node { id name kind } } } }"""
CLASSIFY = """mutation($column: ID!, $type: String!) {
  setColumnClassification(input: {columnId: $column, typeKey: $type, state: CONFIRMED}) {
    errors { code field message } } }"""
CREATE = """mutation($asset: ID!, $kind: AssertionKind!, $params: JSON) {
  createQualityAssertion(input: {assetId: $asset, kind: $kind, params: $params}) {
    errors { code field message } assertion { id } } }"""
RUN = """mutation($id: ID!) { runQualityAssertion(input: {id: $id}) {
  errors { code message } result { status observed message statement } } }"""
RESULTS = """query($id: ID!) { node(id: $id) { ... on QualityAssertion {
  results(first: 10) { edges { node { status observed message } } } } } }"""

BIRTHS = ["1961-04-02", "1975-11-23", "1988-07-14"]  # the newest is the raw max
SALARIES = [48_250, 61_700, 93_410]


@pytest.fixture(autouse=True)
def _job_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACINE_SECRET_KEY", SECRET)


@pytest.fixture
def hr_db(tmp_path: Path) -> Path:
    path = tmp_path / "hr.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE staff (id INTEGER PRIMARY KEY, birth_date TEXT, pay INTEGER, "
        "synced_at TEXT, note TEXT)"
    )
    conn.executemany(
        "INSERT INTO staff VALUES (?, ?, ?, ?, ?)",
        [
            (i + 1, b, s, f"2019-0{i + 1}-15T08:30:00", None if i else "x")
            for i, (b, s) in enumerate(zip(BIRTHS, SALARIES, strict=True))
        ],
    )
    conn.commit()
    conn.close()
    return path


async def _scanned(gql: Any, path: Path, rules: str | None = None) -> dict[str, str]:
    """Ids of the scanned source's table and columns by name (``rules``: a rule set
    for this scan); the source is registered on its first scan."""
    found = await gql.ok("{ dataSources(first: 1) { edges { node { id } } } }")
    if found["dataSources"]["edges"]:
        source_id = found["dataSources"]["edges"][0]["node"]["id"]
    else:
        source = (await gql.ok(CREATE_SOURCE, {"url": f"sqlite:///{path}"}))["createDataSource"]
        assert source["errors"] == [], source
        source_id = source["dataSource"]["id"]
    scan = (await gql.ok(START_SCAN, {"id": source_id, "rules": rules}))["startScan"]["scan"]["id"]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while (await gql.ok(SCAN_STATE, {"id": scan}))["node"]["state"] not in (
        "SUCCEEDED",
        "FAILED",
        "CANCELLED",
    ):
        assert loop.time() < deadline
        await asyncio.sleep(0.1)
    edges = (await gql.ok(COLUMNS, {"id": source_id}))["assets"]["edges"]
    return {e["node"]["name"]: e["node"]["id"] for e in edges}


async def _label(gql: Any, column: str, type_key: str) -> None:
    done = await gql.ok(CLASSIFY, {"column": column, "type": type_key})
    assert done["setColumnClassification"]["errors"] == [], done


async def _run(
    gql: Any, asset: str, kind: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    created = (await gql.ok(CREATE, {"asset": asset, "kind": kind, "params": params}))[
        "createQualityAssertion"
    ]
    assert created["errors"] == [], created
    ran = (await gql.ok(RUN, {"id": created["assertion"]["id"]}))["runQualityAssertion"]
    assert ran["errors"] == [], ran
    return created["assertion"]["id"], ran["result"]


async def _history(gql: Any, assertion_id: str) -> list[dict[str, Any]]:
    node = (await gql.ok(RESULTS, {"id": assertion_id}))["node"]
    return [e["node"] for e in node["results"]["edges"]]


def _raw_free(payload: Any, raws: list[str]) -> None:
    text = json.dumps(payload)
    for raw in raws:
        assert raw not in text, (raw, text)


async def test_results_of_sensitive_columns_carry_no_raw_value(
    gql: Any, hr_db: Path, app: Any
) -> None:
    # Given a scanned table, and a FRESHNESS check that ran on a column nobody had
    # labelled (its raw newest value stored)
    ids = await _scanned(gql, hr_db)
    synced, result = await _run(gql, ids["synced_at"], "FRESHNESS", {"max_age_seconds": 60})
    assert result["observed"]["newest"].startswith("2019-03-15T08:30:00"), result

    # When a steward confirms birth dates, pay and that column as sensitive
    await _label(gql, ids["birth_date"], "DATE_OF_BIRTH")
    await _label(gql, ids["pay"], "SALARY")
    await _label(gql, ids["synced_at"], "DATE_OF_BIRTH")
    raws = ["1988", str(SALARIES[-1])]

    # Then the result stored before the label reads masked
    [old] = await _history(gql, synced)
    assert old["observed"] == {"newest": "****", "masked": True}, old
    _raw_free(old, ["2019"])
    # ...and is masked where it is kept, not only where it is read
    from sqlalchemy import text

    async with app.state.runtime.uow() as uow:
        kept = (await uow.session.execute(text("SELECT observed FROM quality_results"))).all()
    assert len(kept) == 1 and "2019" not in json.dumps(kept[0][0]), kept

    # When a FRESHNESS check runs on the birth dates (it fails: the newest is old)
    fresh, result = await _run(gql, ids["birth_date"], "FRESHNESS", {"max_age_seconds": 60})
    # Then it fails without saying the newest value nor its age (the age gives it away)
    assert result["status"] == "FAIL", result
    assert result["observed"] == {"newest": "****", "masked": True}, result
    _raw_free(result, raws)
    _raw_free(await _history(gql, fresh), raws)

    # When RANGE runs on the pay: its counts are what it keeps
    _, ranged = await _run(gql, ids["pay"], "RANGE", {"min": 50_000, "max": 90_000})
    assert ranged["status"] == "FAIL" and ranged["observed"]["violations"] == 2, ranged
    _raw_free(ranged["observed"], raws)

    # When custom SQL probes the pay (its first column would be the raw maximum)
    probe, custom = await _run(
        gql, ids["staff"], "CUSTOM_SQL", {"sql": "SELECT max(pay) FROM staff", "max_violations": 0}
    )
    # Then its number is withheld; PASS/FAIL still says it exceeded the allowance
    assert custom["status"] == "FAIL", custom
    assert custom["observed"] == {
        "withheld": True,
        "sensitiveColumns": ["staff.pay"],
        "masked": True,
    }, custom
    assert "withheld" in custom["message"]
    _raw_free(custom["observed"], raws)
    _raw_free(custom["message"], raws)
    _raw_free(await _history(gql, probe), raws)
    # while custom SQL that reads no sensitive column keeps its count.
    _, plain = await _run(
        gql, ids["staff"], "CUSTOM_SQL", {"sql": "SELECT COUNT(*) FROM staff WHERE note IS NULL"}
    )
    assert plain["observed"] == {"violations": 2}, plain


async def test_a_scan_that_labels_a_column_masks_the_results_kept_for_it(
    gql: Any, hr_db: Path, app: Any
) -> None:
    # Given a scan that did not classify, and a FRESHNESS check that then kept the
    # raw newest birth date
    blind = (await gql.ok(BLIND_RULES))["createScanRuleSet"]["ruleSet"]["id"]
    ids = await _scanned(gql, hr_db, blind)
    _, result = await _run(gql, ids["birth_date"], "FRESHNESS", {"max_age_seconds": 60})
    assert result["observed"]["newest"].startswith("1988-07-14"), result

    # When the source is scanned again with classification, which labels birth_date
    await _scanned(gql, hr_db)

    # Then the kept result is masked (after the scan, before its quality run)
    from sqlalchemy import text

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        async with app.state.runtime.uow() as uow:
            kept = (await uow.session.execute(text("SELECT observed FROM quality_results"))).all()
        if all("1988" not in json.dumps(row[0]) for row in kept):
            break
        assert loop.time() < deadline, kept
        await asyncio.sleep(0.1)
    assert kept
