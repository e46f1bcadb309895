"""Sensitivity labels derived from classifications, rolled up column -> table -> source.

A column is as sensitive as its most sensitive live label; a table as its most
sensitive column; a source as its most sensitive table. REJECTED labels never
count; SUGGESTED ones count unless ``include_suggested=False`` (governance
defaults to caution: an unreviewed card-number suggestion still restricts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from racine.domain.classification.labels import Label, LabelState
from racine.domain.classification.types import BUILTIN_TYPES, Sensitivity

__all__ = ["roll_up", "sensitivity_for"]


def sensitivity_for(
    labels: Iterable[Label],
    *,
    include_suggested: bool = True,
    overrides: Mapping[str, Sensitivity] | None = None,
) -> Sensitivity | None:
    """Sensitivity of one column, or ``None`` when no label applies.

    ``overrides`` maps type keys to sensitivities for custom types or for an
    organisation that ranks a built-in type differently.
    """
    best: Sensitivity | None = None
    for label in labels:
        if label.state is LabelState.REJECTED:
            continue
        if label.state is LabelState.SUGGESTED and not include_suggested:
            continue
        level = (overrides or {}).get(label.type_key)
        if level is None:
            known = BUILTIN_TYPES.get(label.type_key)
            level = known.sensitivity if known else Sensitivity.CONFIDENTIAL
        if best is None or level > best:
            best = level
    return best


def roll_up(children: Iterable[Sensitivity | None]) -> Sensitivity | None:
    """Sensitivity of a parent (table, schema, source) from its children's."""
    levels = [c for c in children if c is not None]
    return max(levels) if levels else None
