"""Merge a fresh scan's labels into a column's existing ones.

A steward's decision is final: a MANUAL label (CONFIRMED or REJECTED) is kept
as it is, and a type a steward REJECTED is never suggested again by a scan.
Automatic labels are replaced by the new scan's view, and dropped if the new
scan no longer finds them (stale evidence must not linger).
"""

from __future__ import annotations

from collections.abc import Sequence

from racine.domain.classification.labels import Label, LabelSource, LabelState

__all__ = ["merge"]


def _is_steward(label: Label) -> bool:
    return label.source is LabelSource.MANUAL or label.state is LabelState.REJECTED


def merge(existing: Sequence[Label], new: Sequence[Label]) -> list[Label]:
    """Existing steward labels first, then new automatic ones for other types."""
    kept = [label for label in existing if _is_steward(label)]
    decided = {label.type_key for label in kept}
    merged = list(kept)
    for label in sorted(new, key=lambda lb: -lb.confidence):
        if label.type_key in decided:
            continue
        if label.source is LabelSource.MANUAL:
            # Callers pass scan output here; a manual label belongs in ``existing``.
            raise ValueError("new labels must come from a scan, not from a steward")
        decided.add(label.type_key)
        merged.append(label)
    return merged
