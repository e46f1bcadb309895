"""Dates and datetimes of a column, measured as epoch seconds (naive datetimes read
as UTC) and reported back as ISO text, for the profiler
(``racine.domain.catalog.profiling``)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from racine.domain.catalog.distribution import finite_or_none, mean_and_std, shape, sorted_or_none

__all__ = ["temporal_stats"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def temporal_stats(values: list[object], *, date_only: bool, sensitive: bool) -> dict[str, Any]:
    """Statistics of dates or datetimes ``values``, reported as ISO text (dates as
    dates if ``date_only``); a ``sensitive`` column keeps mean and spread only."""
    aware = any(isinstance(v, dt.datetime) and v.tzinfo is not None for v in values)
    seconds = np.array([_epoch(v) for v in values], dtype=np.float64)  # type: ignore[arg-type]

    def render(x: float) -> str | None:
        return _iso(x, date_only, aware)

    with np.errstate(all="ignore"):
        mean, std = mean_and_std(seconds)
        stats: dict[str, Any] = {"mean": render(mean), "std": finite_or_none(std)}
        if sensitive:
            return stats
        ordered = sorted_or_none(seconds)
        bounds = (seconds.min(), seconds.max()) if ordered is None else (ordered[0], ordered[-1])
        stats["min"], stats["max"] = render(float(bounds[0])), render(float(bounds[1]))
        stats.update(shape(seconds, ordered, render=render))
    return stats


def _epoch(value: dt.date) -> float:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return (moment - _EPOCH).total_seconds()
    return float((value - _EPOCH.date()).days * 86_400)


def _iso(seconds: float, date_only: bool, aware: bool) -> str | None:
    if not math.isfinite(seconds):
        return None
    try:
        moment = _EPOCH + dt.timedelta(seconds=seconds)
    except OverflowError:
        return None
    if date_only:
        return moment.date().isoformat()
    return moment.isoformat() if aware else moment.replace(tzinfo=None).isoformat()
