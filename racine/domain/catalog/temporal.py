"""Dates and datetimes of a column, measured as epoch seconds (naive datetimes read
as UTC), and times of day, measured as seconds since midnight, reported back as
ISO text, for the profiler (``racine.domain.catalog.profiling``).

Times of day in one zone (``timetz`` at ``+02``) are measured on their clock and
shown with their zone; times in several zones are measured, and shown, in UTC
(a time of day wraps at midnight: ``01:00+02`` is ``23:00`` UTC)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from racine.domain.catalog.distribution import finite_or_none, mean_and_std, shape, sorted_or_none

__all__ = ["temporal_stats"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def temporal_stats(values: list[object], *, kind: str, sensitive: bool) -> dict[str, Any]:
    """Statistics of ``values``, dates, datetimes or times of day as ``kind`` says
    (``DATE``, ``DATETIME``, ``TIME``), reported as ISO text of that kind; a
    ``sensitive`` column keeps mean and spread only."""
    render: Callable[[float], str | None]
    if kind == "TIME":
        seconds, zone = _clock_seconds(values)  # type: ignore[arg-type]

        def render(x: float) -> str | None:
            return _clock(x, zone)
    else:
        date_only = kind == "DATE"
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


def _clock_seconds(values: list[dt.time]) -> tuple[np.ndarray, dt.tzinfo | None]:
    """Seconds since midnight of each time, and the zone to show them in: theirs if
    they share one (or have none), else UTC, in which they are then measured."""
    offsets = {v.utcoffset() for v in values}
    shift = len(offsets) > 1
    seconds = np.array(
        [
            v.hour * 3600
            + v.minute * 60
            + v.second
            + v.microsecond / 1e6
            - (((v.utcoffset() or dt.timedelta()).total_seconds()) if shift else 0.0)
            for v in values
        ],
        dtype=np.float64,
    )
    if shift:
        return np.mod(seconds, 86_400.0), dt.UTC
    return seconds, values[0].tzinfo if values else None


def _clock(seconds: float, zone: dt.tzinfo | None) -> str | None:
    if not math.isfinite(seconds):
        return None
    whole = min(max(seconds, 0.0), 86_399.999999)
    moment = dt.datetime.combine(dt.date(2000, 1, 1), dt.time()) + dt.timedelta(seconds=whole)
    return moment.time().replace(tzinfo=zone).isoformat()
