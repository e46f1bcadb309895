"""``Asset.profile``: a scanned column's statistics as typed fields, values as text in
the column's kind."""

from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path
from typing import Any

from test_catalog_mutations import _source, _table

PROFILES = """
query($id: ID!) {
  node(id: $id) {
    ... on Asset {
      profile { sampledRows }
      columns {
        name
        profile {
          sampledRows nullCount nullRatio distinctCount distinctRatio kind
          kindCounts { kind count } sensitive masked min max mean std p25 median p75
          nanCount infiniteCount histogram { lower upper count }
          lengthMin lengthMean lengthMax topValues { value count }
        }
      }
    }
  }
}
"""


def _readings(path: Path) -> list[tuple[int, float | None, str, str]]:
    rows = [
        (
            i,
            None if i % 10 == 0 else i * 0.5,
            f"2024-03-{i % 28 + 1:02d}",
            "check" if i % 5 == 0 else "ok",
        )
        for i in range(1, 41)
    ]
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE readings (id INTEGER PRIMARY KEY, reading REAL, taken DATE, note TEXT)"
    )
    conn.executemany("INSERT INTO readings VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return rows


async def test_a_scanned_columns_profile_is_typed(
    gql: Any, tmp_path: Path, scan_and_wait: Any
) -> None:
    # Given a scanned table of numbers with nulls, dates and short texts
    rows = _readings(tmp_path / "lab.db")
    source = await _source(gql, "lab", f"sqlite:///{tmp_path / 'lab.db'}")
    assert (await scan_and_wait(source["id"]))["state"] == "SUCCEEDED"
    table = await _table(gql, source["id"], "readings")

    # When its columns' profiles are read
    node = (await gql.ok(PROFILES, {"id": table["id"]}))["node"]
    cols = {c["name"]: c["profile"] for c in node["columns"]}

    # Then a table has none, and each column's statistics are typed fields
    assert node["profile"] is None
    readings = [r[1] for r in rows if r[1] is not None]
    reading = cols["reading"]
    assert (reading["sampledRows"], reading["nullCount"], reading["nullRatio"]) == (40, 4, 0.1)
    assert reading["kind"] == "NUMBER" and reading["kindCounts"] == [
        {"kind": "NUMBER", "count": 36}
    ]
    assert (reading["distinctCount"], reading["distinctRatio"]) == (36, 1.0)
    assert (float(reading["min"]), float(reading["max"])) == (min(readings), max(readings))
    assert float(reading["mean"]) == statistics.fmean(readings)
    assert float(reading["median"]) == statistics.median(readings)
    assert float(reading["p25"]) < float(reading["median"]) < float(reading["p75"])
    assert reading["std"] > 0 and (reading["nanCount"], reading["infiniteCount"]) == (0, 0)
    assert sum(b["count"] for b in reading["histogram"]) == 36
    assert float(reading["histogram"][0]["lower"]) == min(readings)
    assert (reading["sensitive"], reading["masked"]) == (False, False)
    # ...dates as ISO text, with their spread in seconds
    taken = cols["taken"]
    assert taken["kind"] == "DATE" and (taken["min"], taken["max"]) == ("2024-03-01", "2024-03-28")
    assert taken["median"] is not None and taken["std"] > 86_400
    # ...texts with lengths and their most frequent values
    note = cols["note"]
    assert note["kind"] == "STRING" and (note["lengthMin"], note["lengthMax"]) == (2, 5)
    assert note["topValues"] == [{"value": "ok", "count": 32}, {"value": "check", "count": 8}]
    assert note["mean"] is None and note["histogram"] == []
