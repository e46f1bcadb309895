"""``plain_column`` is ``to_plain`` applied to every cell, with shortcuts for the
common columns: the shortcuts must never change a value."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest

from racine.connectors.values import plain_column, to_plain


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
