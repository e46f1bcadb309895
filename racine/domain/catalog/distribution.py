"""A column's numbers as numpy describes them, bit for bit, with fewer calls.

The profiler (``racine.domain.catalog.profiling``) reports mean, std, quartiles and a
histogram of a column's finite numbers (or epoch seconds). ``np.mean``, ``np.std``,
``np.quantile`` and ``np.histogram`` cost tens of microseconds each in checks and
dispatch, which made them most of a profile's time; the functions here repeat their
arithmetic on one sorted array (and fall back to numpy itself where a shortcut could
differ: a -0.0, bins narrower than 2**-32 of the magnitude).
"""

from __future__ import annotations

import math
import operator
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MAX_BINS", "HistogramBin", "finite_or_none", "mean_and_std", "shape", "sorted_or_none"]

MAX_BINS = 20


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Values in ``[lower, upper)`` (the last bin includes ``upper``)."""

    lower: float | str
    upper: float | str
    count: int


# A frozen dataclass's __init__ sets each field through object.__setattr__; these
# make the same objects by their slot descriptors (no __post_init__ to skip).
_new = object.__new__
_set_lower, _set_upper, _set_bin_count = (
    vars(HistogramBin)[name].__set__ for name in ("lower", "upper", "count")
)


def _histogram_bin(lower: float | str, upper: float | str, count: int) -> HistogramBin:
    bin_ = _new(HistogramBin)
    _set_lower(bin_, lower)
    _set_upper(bin_, upper)
    _set_bin_count(bin_, count)
    return bin_


def mean_and_std(data: np.ndarray) -> tuple[float, float]:
    """``np.mean(data)`` and ``np.std(data)``: the same reductions in the same
    order (``np.add.reduce``, squares of the deviations), without their checks."""
    size = data.size
    mean = float(np.add.reduce(data)) / size
    deviations = data - mean
    np.square(deviations, out=deviations)
    return mean, math.sqrt(float(np.add.reduce(deviations)) / size)


def sorted_or_none(data: np.ndarray) -> np.ndarray | None:
    """``data`` sorted, or None when it holds a -0.0: which zero numpy's
    partition or ``min`` returns then depends on the order (and ``np.sort``
    itself may turn a -0.0 into 0.0), so the callers use numpy on the data as
    given."""
    ordered = np.sort(data)
    # More sign bits than negative values means a -0.0.
    if ordered[0] <= 0.0 and np.signbit(data).sum() != ordered.searchsorted(0.0):
        return None
    return ordered


def shape(data: np.ndarray, ordered: np.ndarray | None, *, render: Any) -> dict[str, Any]:
    """Quartiles and histogram of finite ``data`` (``ordered`` is it sorted, or
    None), shown by ``render`` (None for numbers: as they are, if finite)."""
    if ordered is None:
        return _shape_by_numpy(data, render=render or finite_or_none)
    show = render or finite_or_none
    return {
        "p25": show(_quantile(ordered, 0.25)),
        "p50": show(_quantile(ordered, 0.5)),
        "p75": show(_quantile(ordered, 0.75)),
        "histogram": _histogram(ordered, render=render),
    }


def _quantile(ordered: np.ndarray, q: float) -> float:
    """``np.quantile(data, q)`` (method 'linear') of sorted finite data: the
    same index, weight and interpolation arithmetic as numpy's ``_lerp``."""
    size = ordered.size
    if size == 1:
        return float(ordered[0])
    virtual = (size - 1) * q
    below = math.floor(virtual)
    weight = virtual - below
    low, high = float(ordered[below]), float(ordered[below + 1])
    step = high - low
    if weight >= 0.5:
        return high - step * (1 - weight)
    return low + step * weight


def _histogram(ordered: np.ndarray, *, render: Any) -> tuple[HistogramBin, ...]:
    """``np.histogram(data, bins=min(MAX_BINS, distinct values))`` of sorted
    finite data, as bins with edges shown by ``render`` (None: as numbers), or
    () where numpy refuses (edges that overflow or do not increase).

    The edges are ``np.linspace``'s. numpy puts a value in the bin its offset
    from the low edge suggests, moved by one where that disagrees with the edges;
    when a bin spans at least 2**-32 of the largest magnitude (and is no
    subnormal width) that guess is off by less than a thousandth of a bin, so
    numpy's bins are exactly the edge intervals, found here with one
    ``searchsorted``. Narrower bins go to numpy itself."""
    distinct = 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
    bins = min(MAX_BINS, distinct)
    first, last = float(ordered[0]), float(ordered[-1])
    if bins == 1:  # numpy widens the empty range of equal values
        edges = _linspace(first - 0.5, last + 0.5, 1)
        if not edges[0] < edges[1]:
            return ()  # values too large to widen by 0.5: numpy raises
        counts = [ordered.size]
    else:
        width = (last - first) / bins
        if not (_SMALLEST_NORMAL <= width < math.inf and width >= 2.0**-32 * max(-first, last)):
            return _histogram_by_numpy(ordered, render=render or finite_or_none)
        edges = _linspace(first, last, bins)  # increasing, as the bins are this wide
        starts = ordered.searchsorted(edges).tolist()  # the last bin includes its upper edge:
        starts[-1] = ordered.size  # it ends after the data
        counts = list(map(operator.sub, starts[1:], starts))
    if render is not None:
        edges = [render(edge) for edge in edges]
    return tuple(map(_histogram_bin, edges[:-1], edges[1:], counts))


_SMALLEST_NORMAL = sys.float_info.min  # below it, float64 rounding is no longer relative


def _linspace(first: float, last: float, bins: int) -> list[float]:
    """``np.linspace(first, last, bins + 1)`` with the same float operations."""
    delta = last - first
    step = delta / bins
    if step == 0:  # numpy's path for subnormal steps
        edges = [i / bins * delta + first for i in range(bins)]
    else:
        edges = [i * step + first for i in range(bins)]
    edges.append(last)
    return edges


def _shape_by_numpy(data: np.ndarray, *, render: Any) -> dict[str, Any]:
    p25, p50, p75 = (float(q) for q in np.quantile(data, [0.25, 0.5, 0.75]))
    return {
        "p25": render(p25),
        "p50": render(p50),
        "p75": render(p75),
        "histogram": _histogram_by_numpy(data, render=render),
    }


def _histogram_by_numpy(data: np.ndarray, *, render: Any) -> tuple[HistogramBin, ...]:
    bins = min(MAX_BINS, int(np.unique(data).size))
    try:
        with np.errstate(all="ignore"):
            counts, edges = np.histogram(data, bins=bins)
    except ValueError:  # a range too wide for float64 (e.g. -1e308 .. 1e308)
        return ()
    if not np.all(np.isfinite(edges)):
        return ()
    return tuple(
        HistogramBin(render(float(edges[i])), render(float(edges[i + 1])), int(counts[i]))
        for i in range(len(counts))
    )


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
