"""Run the classification benchmark: ``python -m bench.classification [--no-presidio]``.

Scores the engine and, in the same run on the same columns, Presidio. A
column's prediction is its top label at confidence >= 0.5 (else NONE); a
hard negative counts as a false positive when it gets any such label.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor

from bench.classification.dataset import NONE, Column, build
from racine.domain.classification import ColumnInput, classify_column, classify_columns

PREDICT_AT = 0.5
CPU_SECONDS = 0.0
REGIMES = ("informative", "opaque", "misleading")


def macro_f1(pairs: list[tuple[str, str]], classes: set[str] | None = None) -> float:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for truth, pred in pairs:
        if truth == pred:
            if truth != NONE:
                tp[truth] += 1
            continue
        if pred != NONE:
            fp[pred] += 1
        if truth != NONE:
            fn[truth] += 1
    labels = classes if classes is not None else {t for t, _ in pairs if t != NONE}
    scores = []
    for label in labels:
        denom = 2 * tp[label] + fp[label] + fn[label]
        scores.append(2 * tp[label] / denom if denom else 1.0)
    return sum(scores) / len(scores) if scores else 0.0


def _ours(columns: list[Column]) -> tuple[list[str], list[float], float, list[str]]:
    preds: list[str] = []
    notes: list[str] = []
    sparse_conf: list[float] = []
    classify_column("warmup", ["a@b.co", "c@d.io", "e@f.net"])
    started = time.perf_counter()
    cpu_started = time.process_time()
    verdicts = [classify_column(c.name, c.values) for c in columns]
    elapsed = time.perf_counter() - started
    global CPU_SECONDS
    CPU_SECONDS = time.process_time() - cpu_started
    for verdict in verdicts:
        top = verdict.top
        preds.append(top.type_key if top and top.confidence >= PREDICT_AT else NONE)
        sparse_conf.append(top.confidence if top else 0.0)
        notes.append(" ".join(f"{lb.type_key}:{lb.confidence:.2f}" for lb in verdict.labels))
    return preds, sparse_conf, elapsed, notes


def _batched(columns: list[Column], repeats: int) -> tuple[float, float]:
    """Best-of-``repeats`` (wall seconds, CPU seconds) of one ``classify_columns`` call."""
    inputs = [ColumnInput(c.name, c.values) for c in columns]
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        classify_columns(inputs)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def _worker_batch(chunk: list[tuple[str, list[str]]]) -> int:
    return len(classify_columns([ColumnInput(n, v) for n, v in chunk]))


def _parallel(columns: list[Column], processes: int) -> float:
    """Wall seconds to classify every column across ``processes`` worker processes
    (workers started and warmed up before the clock starts)."""
    chunks = [[(c.name, c.values) for c in columns[i::processes]] for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_worker_batch, [[("warmup", ["a@b.co", "c@d.io", "e@f.net"])]] * processes))
        started = time.perf_counter()
        done = sum(pool.map(_worker_batch, chunks))
        elapsed = time.perf_counter() - started
    assert done == len(columns)
    return elapsed


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-type", type=int, default=8)
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument(
        "--presidio-values",
        type=int,
        default=32,
        help="values per column given to Presidio (it is ~3 ms/value)",
    )
    parser.add_argument("--errors", action="store_true", help="print misclassified columns")
    parser.add_argument(
        "--repeats", type=int, default=3, help="batched timing: best of this many runs"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="also time a wall-clock run split across N worker processes",
    )
    args = parser.parse_args()

    columns = build(per_type=args.per_type)
    load_before = _load()
    preds, top_conf, elapsed, notes = _ours(columns)
    batch_elapsed, batch_cpu = _batched(columns, args.repeats)
    parallel_elapsed = _parallel(columns, args.processes) if args.processes > 1 else None
    load_after = _load()

    by_regime: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for col, pred in zip(columns, preds, strict=True):
        by_regime[col.regime].append((col.label, pred))
    hard = by_regime["hard_negative"]
    negatives = hard + by_regime["sparse"]

    presidio_preds: list[str] | None = None
    presidio_error = None
    p_elapsed = 0.0
    if not args.no_presidio:
        try:
            from bench.classification.presidio_baseline import ENTITY_MAP, PresidioColumnClassifier

            presidio = PresidioColumnClassifier()
            p_start = time.perf_counter()
            presidio_preds = [
                presidio.classify(c.name, c.values[: args.presidio_values]) for c in columns
            ]
            p_elapsed = time.perf_counter() - p_start
        except Exception as exc:  # report, don't crash the bench
            presidio_error = f"{type(exc).__name__}: {exc}"

    print(
        f"columns: {len(columns)} ({dict(Counter(c.regime for c in columns))}), "
        f"128 sampled values each"
    )
    print(f"machine: {os.cpu_count()} logical CPUs; {load_before} before, {load_after} after")
    print(
        f"engine, one process: {len(columns) / elapsed:,.0f} columns/s wall one by one "
        f"({len(columns) / CPU_SECONDS:,.0f} per CPU-second); batched (best of "
        f"{args.repeats}) {len(columns) / batch_elapsed:,.0f} columns/s wall "
        f"({len(columns) / batch_cpu:,.0f} per CPU-second)"
    )
    if parallel_elapsed is not None:
        print(
            f"engine, {args.processes} processes batched: "
            f"{len(columns) / parallel_elapsed:,.0f} columns/s wall-clock"
        )
    print(
        f"{'regime':<14}{'engine F1':>10}{'presidio F1':>13}"
        f"{'engine F1 (presidio types)':>28}{'presidio F1 (its types)':>25}"
    )
    presidio_types = set(ENTITY_MAP.values()) if presidio_preds is not None else set()
    for regime in REGIMES:
        pairs = by_regime[regime] + negatives
        ours = macro_f1(pairs)
        line = f"{regime:<14}{ours:>10.3f}"
        if presidio_preds is not None:
            ppairs = [
                (c.label, p)
                for c, p in zip(columns, presidio_preds, strict=True)
                if c.regime in (regime, "hard_negative", "sparse")
            ]
            supported = {c.label for c in columns if c.regime == regime} & presidio_types
            line += f"{macro_f1(ppairs):>13.3f}{macro_f1(pairs, supported):>28.3f}"
            line += f"{macro_f1(ppairs, supported):>25.3f}"
        print(line)
    fp = sum(1 for _, p in hard if p != NONE)
    print(f"hard-negative false positives: {fp}/{len(hard)} = {fp / len(hard):.1%}", end="")
    if presidio_preds is not None:
        pfp = sum(
            1
            for c, p in zip(columns, presidio_preds, strict=True)
            if c.regime == "hard_negative" and p != NONE
        )
        print(f"   presidio: {pfp}/{len(hard)} = {pfp / len(hard):.1%}")
    else:
        print()
    sparse = [(c, conf) for c, conf in zip(columns, top_conf, strict=True) if c.regime == "sparse"]
    flagged = sum(1 for _, conf in sparse if 0 < conf < PREDICT_AT)
    loud = sum(1 for _, conf in sparse if conf >= PREDICT_AT)
    print(
        f"sparse PII free text: {flagged}/{len(sparse)} low-confidence suggestions, "
        f"{loud} above {PREDICT_AT}"
    )
    if presidio_preds is not None:
        print(
            f"presidio: {len(columns) / p_elapsed:,.1f} columns/s at "
            f"{args.presidio_values} values/column"
        )
    if presidio_error:
        print(f"presidio could not run: {presidio_error}")
    if args.errors:
        for col, pred, note in zip(columns, preds, notes, strict=True):
            if pred != col.label:
                print(
                    f"  {col.regime:<13} {col.name:<28} truth={col.label:<22} pred={pred:<20}"
                    f" [{note}] {col.values[:3]}"
                )


if __name__ == "__main__":
    main()
