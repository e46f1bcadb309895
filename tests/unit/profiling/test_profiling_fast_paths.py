"""The shortcuts for one-kind columns count exactly what the general path counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict
from decimal import Decimal

import pytest

from racine.domain.catalog.profiling import (
    _DISTINCT,
    MAX_TOP_VALUES,
    _key,
    _length_stats,
    _number_stats,
    profile_column,
)

COLUMNS = {
    "ints": [3, 1, 3, 2**80, -1, 3, None, 1],
    "floats": [1.5, float("nan"), 1.5, float("inf"), float("nan"), 2.0, None],
    "ints equal to floats": [1, 1.0, 2, 2.5],
    "decimals": [Decimal("1.5"), Decimal("1.50"), Decimal("2"), None],
    "strings": ["b", "a", "b", "", None, "b"],
    "dates": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2023, 5, 2)],
    "mixed kinds": [1, "1", True, 1.0, None, b"x"],
}


@pytest.mark.parametrize("name", COLUMNS)
def test_distinct_and_top_values_match_the_general_path(name: str) -> None:
    values = COLUMNS[name]
    present = [v for v in values if v is not None]
    general = Counter(_key(v) for v in present)
    profile = profile_column(values, sensitive=False)
    assert profile.distinct_count == len(general)
    assert [t.count for t in profile.top_values] == [
        n for _, n in general.most_common(MAX_TOP_VALUES)
    ]


def test_number_stats_of_plain_and_huge_ints() -> None:
    profile = profile_column([5, -2, 2**80, 7], sensitive=False)
    assert (profile.min, profile.max) == (-2, 2**80)


def test_ints_mixed_with_floats_report_float_bounds() -> None:
    profile = profile_column([3, 0.5, 7, float("nan"), 2.25, None], sensitive=False)
    assert (profile.min, profile.max) == (0.5, 7.0)
    assert type(profile.max) is float
    assert profile.distinct_count == 5 and profile.nan_count == 1


@pytest.mark.parametrize("name", COLUMNS)
def test_to_json_is_the_dataclass_as_a_dict(name: str) -> None:
    for sensitive in (False, True):
        profile = profile_column(COLUMNS[name], sensitive=sensitive)
        want = asdict(profile)
        want["histogram"] = [asdict(b) for b in profile.histogram]
        want["top_values"] = [asdict(t) for t in profile.top_values]
        want["version"] = 1
        got = profile.to_json()
        assert repr(got) == repr(want)  # repr: NaN, key order and types too


SORTED_DISTINCT = {  # plain ints and floats whose distinct count the sorted floats give
    "ints and equal floats": [1, 1.0, 2, 2.5, 0.1, 0.1, 3, 3.0, 3],
    "all distinct": [x + 0.5 if x % 3 else x for x in range(50)],
    "one value": [7],
    "zeros": [0, 0.0, 0],
    "near 2**53": [2**53 - 1, 2.0**53 - 1, -(2**53) + 1, 5e-324, 1e-310],
}


@pytest.mark.parametrize("name", SORTED_DISTINCT)
def test_distinct_count_from_the_sorted_floats(name: str) -> None:
    values = SORTED_DISTINCT[name]
    stats = _number_stats(values, set(map(type, values)), sensitive=False)
    assert stats[_DISTINCT] == len(set(values))  # the shortcut was taken, and agrees
    assert profile_column(values, sensitive=False).distinct_count == len(set(values))


@pytest.mark.parametrize(
    "values",
    [
        [2**53, 2**53 + 1, 2.0**53],  # ints equal as floats, distinct as ints
        [-(2**53) - 1, -(2**53)],
        [1.5, float("nan"), 1.5],
        [0.0, -0.0, 1],
        [1, 2**80],
    ],
)
def test_distinct_count_where_floats_could_merge_values(values: list[object]) -> None:
    stats = _number_stats(values, set(map(type, values)), sensitive=False)
    assert _DISTINCT not in stats
    general = {_key(v) for v in values}
    assert profile_column(values, sensitive=False).distinct_count == len(general)


class _Padded(str):
    def __len__(self) -> int:
        return 99


@pytest.mark.parametrize(
    "texts", [["é☃", "", "abc", "abc", "\U0001f600" * 3], ["x" * 300], ["a", _Padded("b")]]
)
def test_length_stats_of_plain_text_match_the_general_path(texts: list[str]) -> None:
    plain = type(texts[-1]) is str
    fast = _length_stats(texts, "STRING", sensitive=False, plain=plain)  # type: ignore[arg-type]
    general = _length_stats(texts, "STRING", sensitive=False, plain=False)  # type: ignore[arg-type]
    assert repr(fast) == repr(general)
    assert repr(profile_column(texts, sensitive=False).length_max) == repr(general["length_max"])
