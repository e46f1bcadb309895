"""profile_column: statistics of a sampled column, raw values withheld when sensitive."""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

import pytest

from racine.domain.catalog.profiling import (
    MAX_BINS,
    MAX_TOP_VALUES,
    ColumnProfile,
    TopValue,
    ValueKind,
    profile_column,
)


def test_numbers_get_null_distinct_and_distribution_stats() -> None:
    values: list[object] = [1, 2, 2, 3, 4, None, 5, 6, 7, 8]

    profile = profile_column(values, sensitive=False)

    assert profile.kind == ValueKind.NUMBER
    assert profile.count == 10
    assert profile.null_count == 1
    assert profile.null_ratio == pytest.approx(0.1)
    assert profile.distinct_count == 8
    assert profile.distinct_ratio == pytest.approx(8 / 9)
    assert (profile.min, profile.max) == (1, 8)
    assert isinstance(profile.min, int)
    assert profile.mean == pytest.approx(38 / 9)
    assert profile.std == pytest.approx(2.2986845, rel=1e-6)
    assert (profile.p25, profile.p50, profile.p75) == (2.0, 4.0, 6.0)
    assert sum(b.count for b in profile.histogram) == 9
    assert 1 <= len(profile.histogram) <= MAX_BINS
    assert profile.top_values[0] == TopValue(2, 2)


def test_histogram_is_capped_at_twenty_bins() -> None:
    profile = profile_column(list(range(1000)), sensitive=False)

    assert len(profile.histogram) == MAX_BINS
    assert profile.histogram[0].lower == 0.0
    assert profile.histogram[-1].upper == 999.0
    assert sum(b.count for b in profile.histogram) == 1000


def test_top_values_are_capped_and_ordered_by_count() -> None:
    values = [f"v{i}" for i in range(30) for _ in range(i + 1)]

    profile = profile_column(values, sensitive=False)

    assert len(profile.top_values) == MAX_TOP_VALUES
    assert profile.top_values[0] == TopValue("v29", 30)
    counts = [t.count for t in profile.top_values]
    assert counts == sorted(counts, reverse=True)


def test_empty_sample() -> None:
    profile = profile_column([], sensitive=False)

    assert profile.kind == ValueKind.EMPTY
    assert (profile.count, profile.null_count, profile.distinct_count) == (0, 0, 0)
    assert profile.null_ratio == 0.0
    assert profile.min is None and profile.histogram == () and profile.top_values == ()


def test_all_null_sample() -> None:
    profile = profile_column([None] * 5, sensitive=False)

    assert profile.kind == ValueKind.EMPTY
    assert profile.null_ratio == 1.0
    assert profile.distinct_count == 0
    assert profile.distinct_ratio == 0.0


def test_nan_and_infinity_are_counted_but_kept_out_of_the_statistics() -> None:
    values: list[object] = [1.0, float("nan"), float("nan"), float("inf"), -math.inf, 3.0]

    profile = profile_column(values, sensitive=False)

    assert profile.nan_count == 2
    assert profile.infinite_count == 2
    assert (profile.min, profile.max, profile.mean) == (1.0, 3.0, 2.0)
    # every NaN is the same value for distinct counting: 1, 3, nan, inf, -inf
    assert profile.distinct_count == 5
    json.dumps(profile.to_json(), allow_nan=False)


def test_only_nan_gives_no_distribution() -> None:
    profile = profile_column([float("nan")] * 3, sensitive=False)

    assert profile.kind == ValueKind.NUMBER
    assert profile.nan_count == 3
    assert profile.mean is None and profile.histogram == ()
    json.dumps(profile.to_json(), allow_nan=False)


def test_extreme_magnitudes_do_not_break_the_histogram() -> None:
    profile = profile_column([-1e308, 1e308, 10**400, 0], sensitive=False)

    assert profile.infinite_count == 1  # 10**400 does not fit a float
    assert profile.min == -1e308
    json.dumps(profile.to_json(), allow_nan=False)


def test_decimals_count_as_numbers() -> None:
    profile = profile_column([Decimal("1.5"), Decimal("2.5"), Decimal("NaN")], sensitive=False)

    assert profile.kind == ValueKind.NUMBER
    assert profile.mean == 2.0
    assert profile.nan_count == 1


def test_dates_are_measured_in_seconds_and_reported_as_iso() -> None:
    values = [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 5), None]

    profile = profile_column(values, sensitive=False)

    assert profile.kind == ValueKind.DATE
    assert (profile.min, profile.max) == ("2024-01-01", "2024-01-05")
    assert profile.mean == "2024-01-03"
    assert profile.p50 == "2024-01-03"
    assert profile.std == pytest.approx(math.sqrt(8 / 3) * 86_400)
    assert profile.histogram[0].lower == "2024-01-01"
    assert profile.top_values[0].value in {"2024-01-01", "2024-01-03", "2024-01-05"}


def test_naive_and_aware_datetimes() -> None:
    naive = [dt.datetime(2024, 5, 1, 12, 0), dt.datetime(2024, 5, 1, 14, 0)]
    aware = [
        dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ]

    p_naive = profile_column(naive, sensitive=False)
    p_aware = profile_column(aware, sensitive=False)

    assert p_naive.kind == ValueKind.DATETIME
    assert p_naive.mean == "2024-05-01T13:00:00"
    assert p_aware.min == "2024-05-01T12:00:00+00:00"
    assert p_aware.max == "2024-05-01T14:00:00+00:00"


def test_times_of_day_are_measured_from_midnight_and_reported_as_iso() -> None:
    values = [dt.time(9, 0), dt.time(12, 30), dt.time(12, 30), dt.time(18, 0), None]

    profile = profile_column(values, sensitive=False)

    assert profile.kind == ValueKind.TIME
    assert (profile.min, profile.max) == ("09:00:00", "18:00:00")
    assert profile.mean == "13:00:00" and profile.p50 == "12:30:00"
    assert profile.std == pytest.approx(math.sqrt((4**2 + 0.5**2 * 2 + 5**2) / 4) * 3600)
    assert profile.histogram[0].lower == "09:00:00" and profile.histogram[-1].upper == "18:00:00"
    assert profile.top_values[0] == TopValue("12:30:00", 2)


def test_times_keep_their_zone_or_are_put_in_utc_when_zones_differ() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    one_zone = [dt.time(12, 0, tzinfo=paris), dt.time(14, 0, tzinfo=paris)]
    two_zones = [dt.time(1, 0, tzinfo=paris), dt.time(13, 0, tzinfo=dt.UTC)]

    p_one = profile_column(one_zone, sensitive=False)
    p_two = profile_column(two_zones, sensitive=False)

    assert (p_one.min, p_one.max) == ("12:00:00+02:00", "14:00:00+02:00")
    # 01:00+02 is 23:00 the day before in UTC: a time of day wraps at midnight
    assert (p_two.min, p_two.max) == ("13:00:00+00:00", "23:00:00+00:00")


def test_sensitive_times_keep_no_min_max_or_top_values() -> None:
    shifts = [dt.time(h, 15) for h in range(6, 12)]

    profile = profile_column(shifts, sensitive=True)

    assert profile.kind == ValueKind.TIME
    assert profile.min is None and profile.top_values == () and profile.histogram == ()
    assert profile.mean == "08:45:00"
    assert "06:15" not in json.dumps(profile.to_json())


def test_strings_get_length_stats() -> None:
    profile = profile_column(["a", "bbb", "cc", None, "bbb"], sensitive=False)

    assert profile.kind == ValueKind.STRING
    assert (profile.length_min, profile.length_mean, profile.length_max) == (1, 2.25, 3)
    assert (profile.min, profile.max) == ("a", "cc")
    assert profile.mean is None and profile.histogram == ()
    assert profile.top_values[0] == TopValue("bbb", 2)


def test_huge_strings_are_measured_not_copied() -> None:
    big = "x" * (10 * 1024 * 1024)

    profile = profile_column([big, big, "y"], sensitive=False)

    assert profile.length_max == 10 * 1024 * 1024
    assert profile.distinct_count == 2
    assert len(json.dumps(profile.to_json())) < 10_000


def test_bytes_are_profiled_by_length_and_shown_as_hex() -> None:
    profile = profile_column(
        [b"\xff\xfe", b"\x00", b"\xff\xfe", bytearray(b"abc")], sensitive=False
    )

    assert profile.kind == ValueKind.BYTES
    assert (profile.length_min, profile.length_max) == (1, 3)
    assert profile.min is None
    assert profile.top_values[0] == TopValue("fffe", 2)
    json.dumps(profile.to_json())


def test_documents_arrays_and_times_are_shown_as_their_text() -> None:
    # JSON documents and arrays as JSON (a date inside in ISO 8601), a time of day in
    # ISO 8601: not as Python's repr ({'k': 1}, datetime.time(4, 5, 6))
    profile = profile_column(
        [{"k": 1}, {"k": 1}, ["a", "b"], {"d": dt.date(2026, 1, 2)}, dt.time(4, 5, 6), None],
        sensitive=False,
    )

    assert profile.kind == ValueKind.OTHER
    assert list(profile.top_values) == [
        TopValue('{"k": 1}', 2),
        TopValue('["a", "b"]', 1),
        TopValue('{"d": "2026-01-02"}', 1),
        TopValue("04:05:06", 1),
    ]
    assert profile.distinct_count == 4


def test_mixed_types_describe_the_dominant_kind_and_count_the_rest() -> None:
    values: list[object] = [1, 2, 3, "three", True, b"x", {"a": 1}, [1], None]

    profile = profile_column(values, sensitive=False)

    assert profile.kind == ValueKind.NUMBER
    assert profile.kind_counts == {
        ValueKind.NUMBER: 3,
        ValueKind.STRING: 1,
        ValueKind.BOOLEAN: 1,
        ValueKind.BYTES: 1,
        ValueKind.OTHER: 2,
    }
    assert profile.mean == 2.0
    # True is not 1: booleans and numbers stay distinct
    assert profile.distinct_count == 8
    json.dumps(profile.to_json())


def test_sensitive_strings_keep_no_raw_value() -> None:
    emails = ["ann@example.com", "bob@example.com", "ann@example.com"]

    profile = profile_column(emails, sensitive=True)
    text = json.dumps(profile.to_json())

    assert profile.sensitive
    assert profile.min is None and profile.max is None and profile.top_values == ()
    assert profile.length_max == 15 and profile.distinct_count == 2
    assert "example.com" not in text


def test_sensitive_dates_keep_no_min_max_or_top_values() -> None:
    births = [dt.date(1980, 2, 3), dt.date(1991, 7, 8)]

    profile = profile_column(births, sensitive=True)
    text = json.dumps(profile.to_json())

    assert profile.min is None and profile.max is None and profile.top_values == ()
    assert profile.p50 is None and profile.histogram == ()
    # Nor mean and spread: of two dates they are the dates (mean -+ std)
    assert profile.mean is None and profile.std is None
    assert "1980-02-03" not in text and "1991-07-08" not in text


def test_sensitive_numbers_keep_only_aggregates() -> None:
    cards = [
        4111111111111111,
        5500000000000004,
        5500000000000004,
        340000000000009,
        4012888888881881,
        6011111111111117,
    ]

    profile = profile_column(cards, sensitive=True)

    assert profile.top_values == () and profile.histogram == ()
    assert profile.min is None and profile.max is None and profile.p50 is None
    assert profile.mean is not None and profile.distinct_count == 5
    assert "4111111111111111" not in json.dumps(profile.to_json())


def test_json_round_trip() -> None:
    profile = profile_column([dt.date(2024, 1, 1), None, dt.date(2024, 2, 1)], sensitive=False)

    stored = json.loads(json.dumps(profile.to_json(), allow_nan=False))

    assert stored["version"] == 1
    assert ColumnProfile.from_json(stored) == profile


def test_profiles_cross_a_process_pool() -> None:
    values: list[object] = [1.5, 2.5, None, "x"]

    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(profile_column, values, sensitive=False).result(timeout=60)

    assert remote == profile_column(values, sensitive=False)
    assert pickle.loads(pickle.dumps(remote)) == remote
