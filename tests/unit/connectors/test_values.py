"""``plain_column`` is ``to_plain`` applied to every cell, with shortcuts for the
common columns: the shortcuts must never change a value."""

from __future__ import annotations

import datetime as dt
import enum
import random
import struct
import uuid
from decimal import Decimal

import pytest

from racine.connectors.values import plain_column, portable_column, to_plain
from racine.domain.scanning.cells import (
    _exact,
    _exact_texts,
    exact_column,
    iso_dates,
    plain_sample,
)
from racine.domain.scanning.source import MAX_CELL_BYTES


class Colour(enum.Enum):
    RED = "red"


class Tag(str):
    """A str subclass (as some drivers return): must come back as a plain str."""


COLUMNS = {
    "ints and nulls": [1, None, -5, 2**70, True],
    "floats": [1.5, float("inf"), None, 0.0],
    "short text": ["a", None, "é" * 10, ""],
    "long text": ["x" * 10, "y" * 200, None],
    "decimals": [Decimal("1.50"), Decimal("3"), None, Decimal("NaN"), Decimal("1E+3")],
    "mixed": [1, "a", Decimal("2.5"), uuid.UUID(int=7), dt.date(2024, 1, 2), None],
    "subclasses": [Tag("t"), Colour.RED, None],
    "bytes": [b"\xff\x00", memoryview(b"ab"), None],
    "nested": [[1, Decimal("2")], {"k": uuid.UUID(int=1)}, None],
    "empty": [],
}


@pytest.mark.parametrize("name", COLUMNS)
def test_plain_column_equals_to_plain_of_every_cell(name: str) -> None:
    values = COLUMNS[name]
    for limit in (64 * 1024, 50):
        got = plain_column(values, limit=limit)
        want = [to_plain(v, limit=limit) for v in values]
        # repr: NaN is not equal to itself, and the types must match too
        assert repr([(type(g), g) for g in got]) == repr([(type(w), w) for w in want])


def test_text_over_the_limit_is_cut() -> None:
    assert plain_column(["abc", "defghij"], limit=4) == ["abc", "defg"]


def test_decimals_become_ints_when_integral() -> None:
    assert plain_column([Decimal("3.0"), Decimal("2.5"), None]) == [3, 2.5, None]
    assert [type(v) for v in plain_column([Decimal("3.0"), Decimal("2.5")])] == [int, float]


def test_decimals_keep_their_exact_integer_value() -> None:
    huge = Decimal("123456789012345678901234567890")
    assert plain_column([huge, Decimal("1E+400"), Decimal("1.0000000000000000001")]) == [
        123456789012345678901234567890,
        10**400,
        1.0,
    ]


@pytest.mark.parametrize("name", COLUMNS)
def test_portable_then_plain_equals_plain(name: str) -> None:
    values = COLUMNS[name]
    for limit in (64 * 1024, 50):
        got = plain_column(portable_column(values, limit=limit), limit=limit)
        want = plain_column(values, limit=limit)
        assert repr([(type(g), g) for g in got]) == repr([(type(w), w) for w in want])


def test_portable_passes_builtin_cells_and_converts_the_rest() -> None:
    cells = [Decimal("1.5"), dt.date(2024, 1, 2), uuid.UUID(int=7), "abc", b"x", None]
    assert portable_column(cells) == cells
    assert portable_column(["abc", "defghij"], limit=4) == ["abc", "defg"]
    assert portable_column([memoryview(b"ab"), None]) == [b"ab", None]
    assert portable_column([Tag("t")]) == ["t"] and type(portable_column([Tag("t")])[0]) is str


EXACT_TEXTS = [
    "0",
    "-0",
    "12",
    "-7",
    "3.00",
    "2.50",
    "-0.0",
    "0.142857142857142857",
    "NaN",
    "Infinity",
    "-Infinity",
    "123456789012345678901234567890",
    "1" * 5000,
    "1" * 400 + ".5",
    "12345678901234567890.5000000000",
    "1.0000000000000000001",
]


def test_exact_text_becomes_what_the_decimal_would() -> None:
    got = exact_column([*EXACT_TEXTS, None])
    want = plain_column([*(Decimal(t) for t in EXACT_TEXTS), None])
    for text, g, w in zip([*EXACT_TEXTS, None], got, want, strict=True):
        # not repr: an int of 5,000 digits has none
        assert type(g) is type(w) and (g == w or (g != g and w != w)), text


def test_exact_columns_become_what_their_decimals_would() -> None:
    # given random columns of number texts as PostgreSQL prints numerics: integers only,
    # fractions only, mixed with integral fractions, NaN, infinities and nulls
    rng = random.Random(21)
    pool = [*EXACT_TEXTS, "7.25", "-3.5", "100", "2.000", "-0.000", "12.0000000000000000000001"]
    columns = [
        [str(rng.randint(-(10**6), 10**6)) for _ in range(300)],
        [f"{rng.random() * 1000:.6f}" for _ in range(300)],
    ]
    columns += [[rng.choice([*pool, None]) for _ in range(rng.randint(0, 60))] for _ in range(300)]
    for texts in columns:
        # when they are converted column-wise
        got = exact_column(texts)
        want = plain_column([None if t is None else Decimal(t) for t in texts])
        # then each cell is what the Decimal becomes
        assert len(got) == len(want)
        for text, g, w in zip(texts, got, want, strict=True):
            assert type(g) is type(w) and (g == w or (g != g and w != w)), text


def _same(a: object, b: object) -> bool:
    """The same Python value: same type, and for floats the same bits (NaN too)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return struct.pack("<d", a) == struct.pack("<d", b)  # type: ignore[arg-type]
    return a == b


TRICKY_TEXTS = [
    *EXACT_TEXTS,
    "1e5",
    "15e-1",
    " 1.5",
    "1_0.5",
    ".5",
    "5.",
    "-.0",
    "+1.5",
    "١.٥",
    "1e400",
    "0." + "0" * 400 + "1",
    "9007199254740993.5",
    "12.0000000000000000000001",
    "0.14285714285714285714",
]


def test_texts_parsed_together_are_what_each_text_becomes_alone() -> None:
    # given columns of dotted decimals (the common case: one C loop) and columns
    # mixing them with integers, integral or huge decimals, NaN and odd texts
    rng = random.Random(7)
    clean = [f"{rng.uniform(-1e4, 1e4):.{rng.randint(1, 22)}f}" for _ in range(200)]
    # (with a "." and finite: only the integral ones are redone, in a shorter way)
    integral = ["12.000", "-0.0", "9007199254740993.0", "12.0000000000000000001", "1" * 300 + ".0"]
    columns = [clean, [*clean, *integral], *([*clean, t] for t in TRICKY_TEXTS), TRICKY_TEXTS]
    for texts in columns:
        # when the column goes through the fast path
        got = _exact_texts(texts, 8)
        # then it is taken, and gives what each text gives alone
        assert got is not None
        assert all(map(_same, got, [_exact(t, 8) for t in texts]))
    # and a text that is no float sends the column cell by cell
    assert _exact_texts(["1.5", "abc"], 8) is None
    assert exact_column(["1.5", "abc", None]) == [1.5, "abc", None]
    assert exact_column(["1.50", None, "2"]) == [1.5, None, 2]


def test_cut_text_is_not_measured_again() -> None:
    # given text cells the source says it already cut (to 4 characters here, so a
    # longer cell shows whether the pool measured it)
    cells = ["abc", None, "defghij"]
    # then a cut column is taken as it is, and any other one is measured and cut
    assert plain_column(cells, limit=4, cut=True) == cells
    assert plain_column(cells, limit=4) == ["abc", None, "defg"]
    sample = plain_sample({"a": ["x" * 70_000], "b": ["x" * 70_000]}, cut=frozenset({"a"}))
    assert len(sample["a"][0]) == 70_000 and len(sample["b"][0]) == MAX_CELL_BYTES


def test_iso_date_texts_become_dates_and_the_rest_stays() -> None:
    # Given what a SQLite DATE, DATETIME, TIMESTAMP or TIME column may hold
    cells: list[object] = [
        "2024-01-05",
        "2024-01-05 10:30:00",
        "2024-01-05T10:30:00.250+02:00",
        "10:30",
        "23:59:59.500",
        "25:00",
        "not a date",
        "2024-02-30",
        None,
        1704412800,
        2460315.5,
    ]

    # When its texts are read as dates
    found = iso_dates(cells)

    # Then ISO texts are dates, timestamps and times, everything else is as it was
    assert found == [
        dt.date(2024, 1, 5),
        dt.datetime(2024, 1, 5, 10, 30),
        dt.datetime(2024, 1, 5, 10, 30, 0, 250_000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.time(10, 30),
        dt.time(23, 59, 59, 500_000),
        "25:00",
        "not a date",
        "2024-02-30",
        None,
        1704412800,
        2460315.5,
    ]
