"""Merge a fresh scan's labels into a column's existing ones.

A steward's decision is final: a MANUAL label (CONFIRMED or REJECTED) is kept
as it is, and a type a steward REJECTED is never suggested again by a scan.
Automatic labels are replaced by the new scan's view, and dropped if the new
scan no longer finds them (stale evidence must not linger), unless the scan did
not look for their type (a rule set's ``enabledTypes``). A PROPAGATED label is
lineage's mirror of an upstream label, not the scan's view: a scan's own label of
that type replaces it, but a scan that does not find the type keeps it (lineage
alone removes it; dropped here, it would not come back while the copy stands, and
the column's values would show unmasked).
"""

from __future__ import annotations

from collections.abc import Sequence

from racine.domain.classification.labels import Label, LabelSource, LabelState

__all__ = ["merge"]


def _is_steward(label: Label) -> bool:
    return label.source is LabelSource.MANUAL or label.state is LabelState.REJECTED


def merge(
    existing: Sequence[Label], new: Sequence[Label], *, evaluated: frozenset[str] | None = None
) -> list[Label]:
    """Existing steward labels first, then new automatic ones for other types.
    ``evaluated``: the types the scan looked for (None: every type); an automatic
    label of another type is kept as it is, the scan having no view of it."""
    kept = [
        label
        for label in existing
        if _is_steward(label) or (evaluated is not None and label.type_key not in evaluated)
    ]
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
    merged += [
        label
        for label in existing
        if label.source is LabelSource.PROPAGATED and label.type_key not in decided
    ]
    return merged
