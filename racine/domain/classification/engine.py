"""The classifier: rules and model combined into one verdict per column.

Combination, per type: a fired rule gives the base confidence (see
``matching``); agreement of the model raises it (noisy-OR on half the model's
probability), a model confident that the column is nothing sensitive lowers a
non-checksum rule. Without a fired rule the model alone may *suggest* a type,
capped below the default auto-confirm threshold and never for a checksum type
whose validator failed on the values (an IBAN-shaped string with a bad mod-97 is
not an IBAN, whatever it looks like). Manual labels are the caller's: see
``merge``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import contains, itemgetter

from racine.domain.classification.config import DEFAULT, ClassifierConfig
from racine.domain.classification.features import featurize
from racine.domain.classification.labels import ColumnVerdict, Label, LabelSource, LabelState
from racine.domain.classification.matching import (
    RuleOutcome,
    evaluate_custom,
    evaluate_rules,
    probe,
)
from racine.domain.classification.model import NONE_CLASS, load_model
from racine.domain.classification.rules import (
    GENERIC_NEGATIVE,
    RULE_SPECS,
    Strength,
    normalize_name,
)
from racine.domain.classification.sample import Sample, prepare
from racine.domain.classification.validators import VALIDATORS

__all__ = ["ColumnInput", "classify_column", "classify_columns"]

# Model-only labels: emitted from p >= 0.4, mapped linearly onto [0.5, 0.85]. On a held-out
# benchmark seed, top-class predictions in that band were right >= 9 times in 10; capping at
# 0.85 keeps them SUGGESTED under the default auto-confirm threshold (0.9).
_ML_MIN_PROBABILITY = 0.4
_ML_FLOOR = 0.5
_ML_CAP = 0.85
_MAX_LABELS = 3
_SPARSE_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "PHONE": re.compile(r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,4}\b"),
    "IBAN": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "CREDIT_CARD": re.compile(r"\b\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,4}\b"),
}

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class ColumnInput:
    """One column for batch classification."""

    column_name: str
    values: Sequence[object]
    table_name: str | None = None
    data_type: str | None = None


_BOOLEAN_TYPES = frozenset({"BOOLEAN", "BOOL", "BIT", "TINYINT(1)"})


def _insufficient(sample: Sample, min_distinct: int, data_type: str | None) -> str | None:
    declared = (data_type or "").strip().upper()
    if declared in _BOOLEAN_TYPES:
        return f"boolean column ({data_type}) holds no identifying values"
    if declared.startswith("INTERVAL") or (
        declared.startswith("TIME") and not declared.startswith("TIMESTAMP")
    ):
        # Durations and times of day reach the classifier as numbers of seconds,
        # which the model can take for amounts (an INTERVAL column was a SALARY).
        return f"duration or time-of-day column ({data_type}) holds no identifying values"
    if sample.total == 0:
        return "empty column: no values sampled"
    if sample.non_null == 0:
        if sample.binary:
            return f"binary data only: {sample.binary} of {sample.total} values are not text"
        return f"all {sample.total} sampled values are null"
    if sample.distinct == 1:
        return f"one repeated value in {sample.non_null} non-null values"
    if sample.distinct < min_distinct:
        return f"too few distinct values: {sample.distinct} (at least {min_distinct} needed)"
    return None


def _sparse(sample: Sample, config: ClassifierConfig) -> list[RuleOutcome]:
    """Free text where a few rows carry PII: a low-confidence suggestion at most."""
    texts = sample.counts
    if not texts:
        return []
    values = list(map(itemgetter(0), texts))
    joined = "".join(values)
    if len(joined) / len(texts) < 20:
        return []
    if " " not in joined:
        return []  # no row with a space: none of the non-null rows is free text
    spaced = compress(map(itemgetter(1), texts), map(contains, values, repeat(" ")))
    if sum(spaced) < 0.5 * sample.non_null:
        return []
    out: list[RuleOutcome] = []
    # Every pattern needs an "@" (email) or a digit (the others): search only those rows.
    with_at = [(v, c) for v, c in texts if "@" in v]
    with_digit = [(v, c) for v, c in texts if _DIGIT.search(v)]
    for key, pattern in _SPARSE_PATTERNS.items():
        if not config.is_enabled(key):
            continue
        hits = _sparse_hits(pattern, VALIDATORS[key], with_at if key == "EMAIL" else with_digit)
        if hits == 0:
            continue
        ratio = hits / sample.non_null
        out.append(
            RuleOutcome(
                key,
                0.3 + 0.15 * min(1.0, ratio / 0.5),
                {
                    "rules": [f"sparse:{key.lower()}"],
                    "match_ratio": round(ratio, 4),
                    "note": "sparse: values found inside free text in some rows",
                },
            )
        )
    return out


def _sparse_hits(
    pattern: re.Pattern[str], check: Callable[[str], bool], texts: list[tuple[str, int]]
) -> int:
    """Cells holding a match of ``pattern`` that ``check`` accepts.

    The values are searched as one text, joined by newlines: no pattern can match a
    newline, and at a value's edges a newline reads as the start or end of the text
    does (``\\b``, the phone pattern's look-behind), so the matches are each value's
    own. When a value holds a newline, each value is searched alone.
    """
    values = [v for v, _ in texts]
    joined = "\n".join(values)
    if joined.count("\n") != len(values) - 1:
        return sum(
            c for v, c in texts if any(check(m.group(0).strip()) for m in pattern.finditer(v))
        )
    starts = list(accumulate((len(v) + 1 for v in values), initial=0))
    hit: set[int] = set()
    for m in pattern.finditer(joined):
        index = bisect_right(starts, m.start()) - 1
        if index not in hit and check(m.group(0).strip()):
            hit.add(index)
    return sum(texts[i][1] for i in hit)


def _combine(
    rule_hits: list[RuleOutcome],
    proba: dict[str, float] | None,
    rates: dict[str, float],
    config: ClassifierConfig,
    negative_name: bool,
) -> list[tuple[str, float, LabelSource, dict[str, object]]]:
    merged: dict[str, tuple[float, LabelSource, dict[str, object]]] = {}
    p_none = proba.get(NONE_CLASS, 0.0) if proba else 0.0
    for hit in rule_hits:
        confidence = hit.confidence
        evidence = dict(hit.evidence)
        strength = evidence.get("strength")
        if proba is not None:
            p = proba.get(hit.type_key, 0.0)
            evidence["model_probability"] = round(p, 4)
            confidence = 1 - (1 - confidence) * (1 - 0.5 * p)
            if p_none > 0.8 and strength != Strength.STRONG.value:
                confidence *= 0.8
        previous = merged.get(hit.type_key)
        if previous is None or previous[0] < confidence:
            merged[hit.type_key] = (min(confidence, 0.999), LabelSource.RULE, evidence)
    if proba is not None:
        for key, p in proba.items():
            if key == NONE_CLASS or key in merged or p < _ML_MIN_PROBABILITY:
                continue
            if not config.is_enabled(key):
                continue
            spec = RULE_SPECS.get(key)
            if spec and spec.strength is Strength.STRONG and rates.get(key, 0.0) < 0.5:
                continue  # a checksum type whose checksum fails is never that type
            if spec and spec.strength is Strength.WEAK and negative_name:
                continue  # ``login_attempts`` holds counts, whatever they look like
            scaled = (p - _ML_MIN_PROBABILITY) / (1 - _ML_MIN_PROBABILITY)
            merged[key] = (
                _ML_FLOOR + (_ML_CAP - _ML_FLOOR) * scaled,
                LabelSource.ML,
                {
                    "model_probability": round(p, 4),
                    "rules": [],
                    "match_ratio": round(rates.get(key, 0.0), 4),
                },
            )
    # Checksums passing on most values outweigh any name or shape: an FR NIR column
    # named ``phone`` is a NIR column. Non-checksum rivals are kept but ranked below.
    strong = [
        c
        for k, (c, s, e) in merged.items()
        if s is LabelSource.RULE
        and e.get("strength") == Strength.STRONG.value
        and float(e.get("match_ratio", 0.0)) >= 0.9  # type: ignore[arg-type]
    ]
    if strong:
        ceiling = max(strong) - 0.05
        for k, (c, s, e) in list(merged.items()):
            if e.get("strength") != Strength.STRONG.value and c > ceiling:
                merged[k] = (ceiling, s, e)
    return [(k, c, s, e) for k, (c, s, e) in merged.items()]


def classify_columns(
    columns: Sequence[ColumnInput], config: ClassifierConfig = DEFAULT
) -> list[ColumnVerdict]:
    """Classify many columns at once (the model scores them in one matrix product)."""
    prepared: list[tuple[ColumnInput, str, Sample, str | None, dict[str, float]]] = []
    for col in columns:
        sample = prepare(col.values, config.max_samples, config.max_cell_chars)
        reason = _insufficient(sample, config.min_distinct, col.data_type)
        rates = probe(sample) if sample.non_null else {}
        prepared.append((col, normalize_name(col.column_name), sample, reason, rates))

    model = load_model() if config.use_ml else None
    scored = [i for i, p in enumerate(prepared) if p[3] is None]
    probabilities: dict[int, dict[str, float]] = {}
    if model is not None and scored:
        matrix = featurize(
            [prepared[i][1] for i in scored],
            [prepared[i][2] for i in scored],
            [prepared[i][4] for i in scored],
        )
        for row, i in zip(model.predict_proba(matrix).tolist(), scored, strict=True):
            probabilities[i] = dict(zip(model.classes, row, strict=True))

    verdicts: list[ColumnVerdict] = []
    for i, (col, name, sample, reason, rates) in enumerate(prepared):
        hits: list[RuleOutcome] = []
        # Tiny-domain types (GENDER) may fire below min_distinct, never on a boolean column.
        if sample.distinct >= 2 and not (reason and reason.startswith("boolean")):
            hits = evaluate_rules(name, sample, rates, config)
            hits += evaluate_custom(name, sample, config.custom_rules, config)
        negative_name = bool(GENERIC_NEGATIVE.search(name))
        candidates = _combine(hits, probabilities.get(i), rates, config, negative_name)
        if (
            config.detect_sparse
            and reason is None
            and not any(c >= 0.5 for _, c, _, _ in candidates)
        ):
            for hit in _sparse(sample, config):
                candidates.append(
                    (hit.type_key, hit.confidence, LabelSource.RULE, dict(hit.evidence))
                )
        labels: list[Label] = []
        for key, confidence, source, evidence in sorted(candidates, key=lambda c: -c[1]):
            if confidence < config.min_confidence:
                continue
            evidence["sample_size"] = sample.non_null
            evidence["distinct_values"] = sample.distinct
            if sample.truncated:
                evidence["truncated_values"] = sample.truncated
            state = (
                LabelState.CONFIRMED
                if confidence >= config.auto_confirm_threshold
                else LabelState.SUGGESTED
            )
            labels.append(Label(key, round(confidence, 4), state, source, evidence))
        verdicts.append(
            ColumnVerdict(
                column_name=col.column_name,
                labels=labels[:_MAX_LABELS],
                insufficient_evidence=reason,
                sample_size=sample.total,
                null_count=sample.nulls,
                distinct_count=sample.distinct,
            )
        )
    return verdicts


def classify_column(
    column_name: str,
    values: Sequence[object],
    config: ClassifierConfig = DEFAULT,
    *,
    table_name: str | None = None,
    data_type: str | None = None,
) -> ColumnVerdict:
    """Classify one column from its name and a sample of its values.

    ``data_type`` is the source's SQL type when known (a BOOLEAN column is never
    classified); ``table_name`` is accepted for callers' convenience and kept
    for future name-context rules.
    """
    return classify_columns([ColumnInput(column_name, values, table_name, data_type)], config)[0]
