"""CPU work of a scan for one table: make its sampled cells plain, classify and
profile its columns.

A module-level function over plain data, so the job runner can send it to its
process pool (``JobContext.run_cpu``): the event loop never computes statistics.
One call does all the CPU work of a table (every column's labels and profile).

In a pool worker, the first call pins numpy's BLAS to one thread: the pool
already runs one worker per core, and idle BLAS threads spinning for work on a
shared machine made the model's small matrix product 100-1000x slower (0.2-0.4 s
instead of 0.3 ms per table). The classifier's model is cached per process by
``load_model``, so it is read once per worker, not per table.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from racine.domain.catalog.profiling import profile_column
from racine.domain.classification.config import ClassifierConfig
from racine.domain.classification.engine import ColumnInput, classify_columns
from racine.domain.classification.labels import Label, LabelState
from racine.domain.classification.model import load_model
from racine.domain.scanning.cells import iso_dates, plain_sample
from racine.domain.scanning.source import PortableSample

__all__ = ["ColumnAnalysis", "analyze_table", "prepare_worker"]

_worker_ready = False


def _prepare_worker() -> None:
    """Once per process, and only in a child (never change the API process's BLAS)."""
    global _worker_ready
    if _worker_ready:
        return
    _worker_ready = True
    if multiprocessing.parent_process() is None:
        return
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover - scikit-learn always brings it
        return
    threadpool_limits(limits=1, user_api="blas")


def prepare_worker() -> None:
    """What a pool worker does once as it starts (``RunQueue.prepare_cpu``): pin BLAS
    and load the classifier's model, before the first table waits for them."""
    _prepare_worker()
    load_model()


@dataclass
class ColumnAnalysis:
    labels: list[Label] = field(default_factory=list)
    profile: dict[str, Any] | None = None


def analyze_table(
    table: str,
    columns: Sequence[tuple[str, str]],
    sample: PortableSample | Mapping[str, Sequence[object]],
    config: ClassifierConfig | None,
    profiling: bool,
    known_sensitive: frozenset[str] = frozenset(),
) -> dict[str, ColumnAnalysis]:
    """``columns`` are (name, data type); ``sample`` is the connector's portable
    sample (made plain here, in the pool) or plain values by column; ``config``
    None skips classification. A column is profiled as sensitive (no raw values
    kept) when a live label — found now, or set by a steward before
    (``known_sensitive``) — says so."""
    _prepare_worker()
    samples: Mapping[str, Sequence[object]] = (
        plain_sample(sample.columns, sample.exact_text, sample.cut)
        if isinstance(sample, PortableSample)
        else sample
    )
    # Neither the classifier nor the profiler changes the values they are given:
    # each column is shared, not copied for each.
    values = {name: _as_list(samples.get(name, ())) for name, _ in columns}
    out = {name: ColumnAnalysis() for name, _ in columns}
    if config is not None:
        inputs = [ColumnInput(name, values[name], table, data_type) for name, data_type in columns]
        for verdict in classify_columns(inputs, config):
            out[verdict.column_name].labels = list(verdict.labels)
    # Date columns kept as ISO text (SQLite) are profiled as dates; the classifier reads
    # the cells as the source keeps them.
    dated = sample.text_dates if isinstance(sample, PortableSample) else frozenset()
    exact = sample.exact_text if isinstance(sample, PortableSample) else frozenset()
    if profiling:
        for name, _ in columns:
            live = any(lb.state is not LabelState.REJECTED for lb in out[name].labels)
            cells = iso_dates(values[name]) if name in dated else values[name]
            profile = profile_column(cells, sensitive=live or name in known_sensitive).to_json()
            if name in exact:
                assert isinstance(sample, PortableSample)
                _exact_numbers(profile, sample.columns[name], cells)
            out[name].profile = profile
    return out


def _exact_numbers(
    profile: dict[str, Any], texts: Sequence[object], numbers: Sequence[object]
) -> None:
    """An exact decimal column's min, max and top values as the source writes them
    (``12345678901234567890.0123456789``, ``12.50``), not as the floats its statistics
    are computed with (``1.2345678901234567e+19``, ``12.5``); ``texts`` are its cells
    as read, ``numbers`` as profiled. Mean, spread, quantiles and histogram stay
    numbers: they are computed, not found in the column."""
    low, high = profile.get("min"), profile.get("max")
    tops = profile.get("top_values") or []
    wanted = {v for v in (low, high, *(t["value"] for t in tops)) if v is not None}
    if not wanted:
        return
    spelled: dict[object, list[str]] = {}
    for text, number in zip(texts, numbers, strict=True):
        if number in wanted and type(text) is str:
            spelled.setdefault(number, []).append(text)
    # Decimals too close for a float to tell apart share one number: the extremes
    # are then told apart exactly, and a top value is spelled as most of its cells are.
    if low is not None and low in spelled:
        profile["min"] = min(spelled[low], key=Decimal)
    if high is not None and high in spelled:
        profile["max"] = max(spelled[high], key=Decimal)
    for top in tops:
        if top["value"] in spelled:
            top["value"] = Counter(spelled[top["value"]]).most_common(1)[0][0]


def _as_list(values: Sequence[object]) -> list[object]:
    """``values`` as a list: the list itself if it is one (``plain_sample`` makes
    new lists)."""
    return values if type(values) is list else list(values)
