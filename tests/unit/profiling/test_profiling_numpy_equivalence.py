"""The profile's numeric statistics are numpy's, bit for bit.

``profile_column`` computes mean, std, quartiles and histogram with fewer numpy
calls than ``np.mean``/``np.std``/``np.quantile``/``np.histogram``. These tests
run many seeded random samples (ordinary, huge, subnormal, bins a few ulps
wide, signed zeros, repeats) through both and compare ``repr``s, so a -0.0 for
a 0.0 or a last-bit difference fails.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from racine.domain.catalog.distribution import (
    MAX_BINS,
    HistogramBin,
    _histogram,
    _histogram_bin,
    _quantile,
)
from racine.domain.catalog.distribution import finite_or_none as _finite
from racine.domain.catalog.distribution import mean_and_std as _mean_and_std
from racine.domain.catalog.distribution import sorted_or_none as _sorted
from racine.domain.catalog.profiling import (
    MAX_TOP_VALUES,
    TopValue,
    _key,
    _preview,
    _top_value,
    profile_column,
)

SEEDS = range(40)


def _sample(rng: random.Random) -> list[float]:
    """Finite floats of one of several awkward shapes."""
    size = rng.choice([1, 2, 3, 7, 20, 21, 64, 129, 500])
    shape = rng.randrange(8)
    if shape == 0:
        return [rng.uniform(-1e3, 1e3) for _ in range(size)]
    if shape == 1:  # a handful of repeated values
        pool = [float(rng.randint(-5, 5)) for _ in range(rng.randint(1, 4))]
        return [rng.choice(pool) for _ in range(size)]
    if shape == 2:  # consecutive floats: bins a few ulps wide
        base = rng.choice([1.0, 1e15, -7.5, 1e300, 2.2250738585072014e-308])
        steps = [base]
        for _ in range(rng.randint(1, 25)):
            steps.append(math.nextafter(steps[-1], math.inf))
        return [rng.choice(steps) for _ in range(size)]
    if shape == 3:  # subnormals
        return [rng.randint(0, 30) * 5e-324 for _ in range(size)]
    if shape == 4:  # huge magnitudes, overflowing ranges and sums
        return [rng.choice([-1, 1]) * rng.uniform(1e300, 1.7e308) for _ in range(size)]
    if shape == 5:  # signed zeros among small values
        return [rng.choice([0.0, -0.0, 1.0, -1.0, 0.5]) for _ in range(size)]
    if shape == 6:  # ints as floats, some beyond 2**53
        return [float(rng.randint(-(2**60), 2**60)) for _ in range(size)]
    return [rng.gauss(0, 1) * 10 ** rng.randint(-300, 300) for _ in range(size)]


def _samples() -> list[np.ndarray]:
    return [np.array(_sample(random.Random(seed * 7 + k))) for seed in SEEDS for k in range(7)]


def test_mean_and_std_are_numpys() -> None:
    for data in _samples():
        with np.errstate(all="ignore"):
            want = (float(np.mean(data)), float(np.std(data)))
            got = _mean_and_std(data)
        assert repr(got) == repr(want), data


def test_a_sort_is_refused_only_where_a_negative_zero_is() -> None:
    for data in _samples():
        has_negative_zero = bool(np.any((data == 0) & np.signbit(data)))
        assert (_sorted(data) is None) == has_negative_zero, data


def test_quartiles_are_numpys() -> None:
    for data in _samples():
        ordered = _sorted(data)
        if ordered is None:
            continue
        with np.errstate(all="ignore"):
            want = [float(q) for q in np.quantile(data, [0.25, 0.5, 0.75])]
        got = [_quantile(ordered, q) for q in (0.25, 0.5, 0.75)]
        assert repr(got) == repr(want), data


def test_histograms_are_numpys() -> None:
    for data in _samples():
        ordered = _sorted(data)
        if ordered is None:
            continue
        assert repr(_histogram(ordered, render=None)) == repr(_numpy_histogram(data)), data


def _numpy_histogram(data: np.ndarray) -> tuple[HistogramBin, ...]:
    try:
        with np.errstate(all="ignore"):
            counts, edges = np.histogram(data, bins=min(MAX_BINS, np.unique(data).size))
    except ValueError:
        return ()
    if not np.all(np.isfinite(edges)):
        return ()
    return tuple(
        HistogramBin(float(edges[i]), float(edges[i + 1]), int(counts[i]))
        for i in range(len(counts))
    )


@pytest.mark.parametrize("seed", range(10))
def test_number_columns_match_a_plain_numpy_profile(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        floats_drawn = _sample(rng)
        values: list[object] = list(floats_drawn)
        if rng.random() < 0.5:  # whole floats as ints
            values = [int(v) if v.is_integer() else v for v in floats_drawn]
        if rng.random() < 0.3:
            values += [float("nan"), None, float("inf")]
        rng.shuffle(values)
        profile = profile_column(values, sensitive=False)
        present = [v for v in values if v is not None]
        floats = np.array(present, dtype=np.float64)
        finite = floats[np.isfinite(floats)]
        with np.errstate(all="ignore"):
            quartiles = [_finite(float(q)) for q in np.quantile(finite, [0.25, 0.5, 0.75])]
            spread = (_finite(float(np.mean(finite))), _finite(float(np.std(finite))))
        counts = Counter(_key(v) for v in present).most_common(MAX_TOP_VALUES)
        assert repr([profile.p25, profile.p50, profile.p75]) == repr(quartiles), values
        assert repr((profile.mean, profile.std)) == repr(spread), values
        assert repr(profile.histogram) == repr(_numpy_histogram(finite)), values
        assert profile.top_values == tuple(TopValue(_preview(k[1]), n) for k, n in counts)


def test_all_distinct_top_values_keep_first_seen_order() -> None:
    values = [f"id-{i}" for i in range(50, 0, -1)]

    profile = profile_column(values, sensitive=False)

    assert profile.top_values == tuple(TopValue(v, 1) for v in values[:MAX_TOP_VALUES])


def test_signed_zeros_are_reported_as_numpy_reports_them() -> None:
    values = [0.0, -0.0, 1.0, -1.0, -0.0]

    profile = profile_column(values, sensitive=False)

    data = np.array(values)
    assert repr(profile.p50) == repr(float(np.quantile(data, 0.5)))
    assert repr(profile.histogram) == repr(_numpy_histogram(data))


def test_bins_and_top_values_made_without_init_equal_the_dataclasses() -> None:
    assert _histogram_bin(1.0, 2.5, 3) == HistogramBin(1.0, 2.5, 3)
    assert hash(_histogram_bin(1.0, 2.5, 3)) == hash(HistogramBin(1.0, 2.5, 3))
    assert _top_value("a", 2) == TopValue("a", 2)
