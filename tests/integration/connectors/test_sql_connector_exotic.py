"""Types SQLAlchemy does not model (arrays, JSON, enums, composites, custom
declarations) neither break reflection nor sampling."""

from __future__ import annotations

import datetime as dt
import pickle

from connector_sources import Source

from racine.connectors import connector_for
from racine.domain.scanning.cells import plain_sample

_PLAIN = (type(None), bool, int, float, str, bytes, dt.date, dt.datetime, dt.time)

_EXOTIC = {
    "postgresql": [
        "CREATE TYPE {s}.mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE TYPE {s}.pair AS (a integer, b text)",
        "CREATE DOMAIN {s}.positive AS integer CHECK (VALUE > 0)",
        "CREATE TABLE {s}.exotic (id integer PRIMARY KEY, tags text[], grid integer[][],"
        " doc jsonb, feeling {s}.mood, couple {s}.pair, score {s}.positive, span interval,"
        " uid uuid, addr inet, words tsvector, slot int4range, price money, flags bit varying(8),"
        " spot point, markup xml)",
        "INSERT INTO {s}.exotic VALUES (1, ARRAY['a','b'], ARRAY[[1,2],[3,4]],"
        " '{{\"k\": [1, 2]}}', 'happy', ROW(1, 'x'), 5, interval '1 day 2 hours',"
        " '6f1c8a4e-5d4b-4c1e-9a9e-0c8d8a1e2f3a', '10.1.2.3/32', to_tsvector('hello world'),"
        " int4range(1, 5), 12.5, B'1010', point(1, 2), '<a>1</a>')",
    ],
    "mysql": [
        "CREATE TABLE {s}.exotic (id int PRIMARY KEY, doc json, feeling enum('sad','ok','happy'),"
        " picks set('a','b','c'), flags bit(8), born year, spot point, span time,"
        " amount decimal(30,10), tiny tinyint(1))",
        "INSERT INTO {s}.exotic VALUES (1, '{{\"k\": [1, 2]}}', 'happy', 'a,c', b'1010',"
        " 2024, ST_GeomFromText('POINT(1 2)'), '26:00:00', 12345678901234567890.5, 1)",
    ],
    "sqlite": [
        "CREATE TABLE exotic (id integer PRIMARY KEY, spot GEOMETRY, price MONEY(10, 2),"
        ' anything, doc JSON, uid "UUID")',
        "INSERT INTO exotic VALUES (1, x'0102', 12.5, 'free', '{{\"k\": 1}}', 'abc')",
    ],
}


def _plain(value: object) -> bool:
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


async def test_exotic_types_reflect_and_sample(empty_source: Source) -> None:
    source = empty_source
    quote = "`" if source.kind == "mysql" else '"'
    await source.run(*(s.format(s=f"{quote}{source.schema}{quote}") for s in _EXOTIC[source.kind]))
    connector = connector_for(source.url)
    try:
        table = await connector.reflect_table(source.schema, "exotic")
        sample = await connector.sample(source.schema, "exotic")
    finally:
        await connector.close()

    types = {c.name: c.data_type for c in table.columns}
    assert all(types.values()), types
    assert "UNKNOWN" not in types.values(), types
    assert set(sample) == set(types)
    assert all(_plain(v) for values in sample.values() for v in values), sample
    if source.kind == "postgresql":
        assert types["tags"].endswith("[]")
        assert types["doc"] == "JSONB"
        assert "mood" in types["feeling"]
        assert "pair" in types["couple"]  # a composite: from the catalog, not SQLAlchemy
        assert sample["tags"] == [["a", "b"]]
        assert sample["grid"] == [[[1, 2], [3, 4]]]
        assert sample["feeling"] == ["happy"]
        assert sample["span"] == [26 * 3600.0]
        assert sample["uid"] == ["6f1c8a4e-5d4b-4c1e-9a9e-0c8d8a1e2f3a"]
        # the driver's own objects as PostgreSQL writes them, not as their repr
        assert sample["flags"] == ["1010"]
        assert sample["slot"] == ["[1,5)"]
        assert sample["couple"] == [{"a": 1, "b": "x"}]
        assert sample["doc"] == [{"k": [1, 2]}]
    elif source.kind == "mysql":
        assert types["spot"].lower() == "point"  # unknown to SQLAlchemy: from the catalog
        # MariaDB stores JSON as LONGTEXT CHECK (json_valid(doc)); it is catalogued as JSON
        assert types["doc"] == "JSON"
        assert isinstance(sample["doc"][0], str) and '"k"' in sample["doc"][0]
        assert types["feeling"].upper().startswith("ENUM")
        assert sample["feeling"] == ["happy"]
        assert sample["span"] == [26 * 3600.0]
        assert sample["amount"] == [12345678901234567890.5]
    else:
        assert types["spot"] == "GEOMETRY"
        assert types["price"] == "MONEY(10, 2)"
        assert types["anything"] == "ANY"
        assert sample["spot"] == [b"\x01\x02"]


async def test_exotic_types_cross_to_the_pool_and_come_out_plain(empty_source: Source) -> None:
    # Given a table of every odd type the engine has
    source = empty_source
    quote = "`" if source.kind == "mysql" else '"'
    await source.run(*(s.format(s=f"{quote}{source.schema}{quote}") for s in _EXOTIC[source.kind]))
    connector = connector_for(source.url)
    try:
        # When a scan samples it for its process pool
        table = await connector.reflect_table(source.schema, "exotic")
        portable = await connector.sample_portable(source.schema, "exotic", table.columns, 10)
        plain = await connector.sample(source.schema, "exotic")
    finally:
        await connector.close()

    # Then what crosses pickles, and the pool's conversion gives the plain sample, but
    # for PostgreSQL's money, read for the profile as the number it holds
    crossed = pickle.loads(pickle.dumps(portable))
    converted = plain_sample(crossed.columns, crossed.exact_text, crossed.cut)
    if source.kind == "postgresql":
        assert (plain["price"], converted["price"]) == (["$12.50"], [12.5])
        del plain["price"], converted["price"]
    assert repr(converted) == repr(plain)
