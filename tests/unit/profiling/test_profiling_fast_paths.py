"""The shortcuts for one-kind columns count exactly what the general path counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict
from decimal import Decimal

import pytest

from racine.domain.catalog.profiling import MAX_TOP_VALUES, _key, profile_column

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
