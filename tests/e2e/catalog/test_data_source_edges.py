"""Edge cases of data sources and scans a user meets early: a cron schedule that never
fires, connection URLs with driver options (tested and saved), and a double-clicked
``startScan``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from test_catalog_mutations import CREATE_SOURCE, TEST_CONNECTION, UPDATE_SOURCE

POSTGRES = os.environ.get("RACINE_TEST_POSTGRES_URL")
MYSQL = os.environ.get("RACINE_TEST_MYSQL_URL")


async def test_a_schedule_that_never_fires_is_a_typed_error(gql: Any, shop_sqlite: Path) -> None:
    # Given a well-formed cron expression for a day that does not exist (31 February)
    never = "0 0 31 2 *"

    # When a source is registered with it, or an existing source is given it
    created = await gql(
        CREATE_SOURCE,
        {"input": {"name": "feb", "url": f"sqlite:///{shop_sqlite}", "schedule": never}},
    )
    source = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]["dataSource"]
    updated = await gql(UPDATE_SOURCE, {"input": {"id": source["id"], "schedule": never}})

    # Then both are INVALID user errors on `schedule`, not internal errors, and
    # nothing was saved
    for body, field in ((created, "createDataSource"), (updated, "updateDataSource")):
        assert not body.get("errors"), body
        payload = body["data"][field]
        assert payload["dataSource"] is None, payload
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "schedule")]
    listed = await gql.ok("{ dataSources(first: 10) { edges { node { name schedule } } } }")
    assert [e["node"] for e in listed["dataSources"]["edges"]] == [
        {"name": "shop", "schedule": None}
    ]


SOURCE_SCHEDULE = """mutation($id: ID!, $s: String) {
  updateDataSource(input: {id: $id, schedule: $s}) {
    errors { code field message } dataSource { schedule nextScanAt } } }"""
ASSERTION = """mutation($asset: ID!, $s: String) {
  createQualityAssertion(input: {assetId: $asset, kind: NOT_NULL, schedule: $s}) {
    errors { code field message } assertion { schedule nextRunAt } } }"""
COLUMN = """query { assets(filter: {kinds: [COLUMN], name: "status"}, first: 1) {
  edges { node { id } } } }"""


async def _schedule_both(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, given: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A scanned source given the schedule ``given``, and a quality assertion on one of
    its columns given it too: the two payloads."""
    source = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]["dataSource"]
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    column = (await gql.ok(COLUMN))["assets"]["edges"][0]["node"]["id"]
    scanned = (await gql.ok(SOURCE_SCHEDULE, {"id": source["id"], "s": given}))["updateDataSource"]
    checked = (await gql.ok(ASSERTION, {"asset": column, "s": given}))["createQualityAssertion"]
    return scanned, checked


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0 3 * * MON-FRI", "0 3 * * MON-FRI"),
        ("  0   3 * * *  ", "0 3 * * *"),
        ("@DAILY", "@daily"),
        ("", None),
    ],
)
async def test_a_schedule_is_five_cron_fields_or_a_macro(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, given: str, stored: str | None
) -> None:
    # Given a scanned source and a column of it, When both the source's scans and a
    # quality assertion on the column are scheduled
    scanned, checked = await _schedule_both(gql, shop_sqlite, scan_and_wait, given)

    # Then both store the expression single-spaced (macros in lower case) and say
    # when it next comes; an empty one is no schedule
    for payload, key, when in (
        (scanned, "dataSource", "nextScanAt"),
        (checked, "assertion", "nextRunAt"),
    ):
        assert payload["errors"] == [], payload
        assert payload[key]["schedule"] == stored
        assert (payload[key][when] is None) == (stored is None), payload


@pytest.mark.parametrize(
    ("given", "words"),
    [
        # croniter reads a sixth field as seconds, last; Quartz users mean them first
        ("0 */5 * * * *", "five fields"),
        ("* * * * * * *", "five fields"),
        ("every day", "five fields"),
        ("@reboot", "unknown macro"),
        ("61 * * * *", "not a valid cron expression"),
        ("0 0 31 2 *", "never fires"),
    ],
)
async def test_other_schedules_are_refused_on_both_kinds_of_job(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any, given: str, words: str
) -> None:
    # Given a scanned source and a column of it, When a scan schedule and an
    # assertion's schedule are given the expression
    scanned, checked = await _schedule_both(gql, shop_sqlite, scan_and_wait, given)

    # Then each is an INVALID user error on `schedule` that says why, nothing is saved
    for payload, key in ((scanned, "dataSource"), (checked, "assertion")):
        assert payload[key] is None, payload
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "schedule")]
        assert words in payload["errors"][0]["message"], payload
    listed = await gql.ok("{ dataSources(first: 10) { edges { node { schedule } } } }")
    assert [e["node"]["schedule"] for e in listed["dataSources"]["edges"]] == [None]
    assertions = await gql.ok("{ qualityAssertions(first: 10) { totalCount } }")
    assert assertions["qualityAssertions"]["totalCount"] == 0


async def test_url_parameters_are_passed_to_the_driver_or_refused_by_name(gql: Any) -> None:
    # Given the local PostgreSQL and MariaDB sources, as users paste them (libpq's
    # `sslmode`), with options the drivers do not know, and one that would let a
    # server read files of the Racine host (`local_infile`)
    if not POSTGRES or not MYSQL:
        pytest.skip("RACINE_TEST_POSTGRES_URL and RACINE_TEST_MYSQL_URL not set")
    pg = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
    my = make_url(MYSQL).set(drivername="mysql").render_as_string(hide_password=False)

    async def check(url: str) -> dict[str, Any]:
        body = await gql(TEST_CONNECTION, {"input": {"url": url}})
        assert not body.get("errors"), (url, body)  # never an internal error
        result: dict[str, Any] = body["data"]["testDataSourceConnection"]
        return result

    # When the connection is tested
    plain = await check(f"{pg}?sslmode=disable")
    tls = await check(f"{pg}?sslmode=require")
    refused = {
        url: await check(url)
        for url in (
            f"{pg}?sslmode=sometimes",
            f"{pg}?connect_timeout=abc",
            f"{my}?charset=utf8mb4&local_infile=1",
            f"{my}?charset=bogus",
            f"{my}?ssl_check_hostname=maybe",
        )
    }

    # Then `sslmode` is honoured (the local server has no TLS: a typed failure when
    # TLS is required), and unknown options are INVALID on `url`, naming the option
    assert plain["ok"] is True and plain["errors"] == [], plain
    assert tls["ok"] is False and tls["errors"][0]["code"] == "CONNECTION_FAILED", tls
    for url, result in refused.items():
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", "url")], url
        assert result["failureReason"] is None
    assert "connect_timeout" in refused[f"{pg}?connect_timeout=abc"]["errors"][0]["message"]
    # ...and so are values the driver cannot use, named without the URL
    for option, value in (("charset", "bogus"), ("ssl_check_hostname", "maybe")):
        message = refused[f"{my}?{option}={value}"]["errors"][0]["message"]
        assert repr(option) in message and make_url(my).host not in message, message


async def test_url_options_the_driver_does_not_take_are_refused_when_saved(gql: Any) -> None:
    # Given PostgreSQL URLs with an option asyncpg takes and one it does not
    if not POSTGRES:
        pytest.skip("RACINE_TEST_POSTGRES_URL not set")
    pg = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)

    # When sources are registered and updated with them
    good = await gql.ok(CREATE_SOURCE, {"input": {"name": "pg", "url": f"{pg}?sslmode=disable"}})
    bad = await gql(CREATE_SOURCE, {"input": {"name": "pg2", "url": f"{pg}?connect_timeout=5"}})
    source = good["createDataSource"]["dataSource"]
    moved = await gql(UPDATE_SOURCE, {"input": {"id": source["id"], "url": f"{pg}?gssencmode=x"}})

    # Then the unknown option is INVALID on `url` at once (not at the first scan), and
    # nothing was saved or changed
    assert good["createDataSource"]["errors"] == []
    for body, field in ((bad, "createDataSource"), (moved, "updateDataSource")):
        assert not body.get("errors"), body
        payload = body["data"][field]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "url")]
        assert payload["dataSource"] is None, payload
    listed = await gql.ok("{ dataSources(first: 10) { edges { node { name url } } } }")
    assert [(e["node"]["name"], e["node"]["url"].endswith("?sslmode=disable"))
            for e in listed["dataSources"]["edges"]] == [("pg", True)]  # fmt: skip


START_SCAN = """
mutation($id: ID!) {
  startScan(input: {dataSourceId: $id}) { errors { code field message } scan { id } }
}
"""
STATE = """
query($id: ID!) { node(id: $id) { ... on Scan { state } } }
"""
SCANS = """
query($id: ID!) { scans(dataSourceId: $id, first: 10) { totalCount edges { node { id } } } }
"""


async def test_a_double_clicked_start_scan_queues_one_scan(
    gql: Any, shop_sqlite: Path, scan_and_wait: Any
) -> None:
    # Given a registered source
    source = (
        await gql.ok(CREATE_SOURCE, {"input": {"name": "shop", "url": f"sqlite:///{shop_sqlite}"}})
    )["createDataSource"]["dataSource"]

    # When two startScan requests for it arrive at the same time
    first, second = await asyncio.gather(
        gql.ok(START_SCAN, {"id": source["id"]}), gql.ok(START_SCAN, {"id": source["id"]})
    )

    # Then one scan is queued and the other request is a CONFLICT on dataSourceId
    payloads = [first["startScan"], second["startScan"]]
    started = [p for p in payloads if p["scan"] is not None]
    refused = [p for p in payloads if p["scan"] is None]
    assert len(started) == 1 and started[0]["errors"] == [], payloads
    assert [(e["code"], e["field"]) for e in refused[0]["errors"]] == [
        ("CONFLICT", "dataSourceId")
    ], payloads
    history = (await gql.ok(SCANS, {"id": source["id"]}))["scans"]
    assert history["totalCount"] == 1
    assert history["edges"][0]["node"]["id"] == started[0]["scan"]["id"]
    # ...which runs to the end, after which the source can be scanned again
    for _ in range(600):
        state = (await gql.ok(STATE, {"id": started[0]["scan"]["id"]}))["node"]["state"]
        if state not in ("QUEUED", "RUNNING"):
            break
        await asyncio.sleep(0.1)
    assert state == "SUCCEEDED"
    again = await scan_and_wait(source["id"])
    assert again["state"] == "SUCCEEDED", again
