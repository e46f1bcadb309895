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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    if profiling:
        for name, _ in columns:
            live = any(lb.state is not LabelState.REJECTED for lb in out[name].labels)
            cells = iso_dates(values[name]) if name in dated else values[name]
            profile = profile_column(cells, sensitive=live or name in known_sensitive)
            out[name].profile = profile.to_json()
    return out


def _as_list(values: Sequence[object]) -> list[object]:
    """``values`` as a list: the list itself if it is one (``plain_sample`` makes
    new lists)."""
    return values if type(values) is list else list(values)
