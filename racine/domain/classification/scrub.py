"""Stored profiles scrubbed of raw values once their columns become sensitive.

A scan profiles a column it knows to be sensitive without raw values, and a
steward's label scrubs the profile at once (``set_column_classification``). A
label that arrives from elsewhere (lineage propagating an upstream column's label,
a custom type raised to a sensitive level) must do the same, with the check results
kept for the column's source: reads mask them either way, but raw values of a
sensitive column are not to be *stored* either.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import cast

from racine.domain.catalog.model import Asset, ColumnClassification, utcnow
from racine.domain.classification.custom import custom_levels
from racine.domain.classification.ports import ClassificationUnitOfWork
from racine.domain.classification.profiles import mask_profile, masking_type
from racine.domain.classification.types import Sensitivity
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.quality.masking import scrub_source_results

__all__ = ["mask_stored_profile", "scrub_profiles"]


def mask_stored_profile(
    column: Asset, labels: Iterable[ColumnClassification], overrides: Mapping[str, Sensitivity]
) -> bool:
    """Mask ``column``'s profile in place if its ``labels`` call for it and it is not
    masked yet; True if it changed (the caller saves it)."""
    if not column.profile or column.profile.get("masked"):
        return False
    mask_with = masking_type(labels, overrides)
    if mask_with is None:
        return False
    column.profile = mask_profile(column.profile, mask_with)
    column.updated_at = utcnow()
    return True


async def scrub_profiles(uow: ClassificationUnitOfWork, column_ids: Iterable[uuid.UUID]) -> None:
    """Mask, in the open unit of work, the stored profile of each of ``column_ids``
    whose labels now call for it and that is not masked yet, and the check results
    kept for their sources (``quality.masking.scrub_source_results``)."""
    ids = list(dict.fromkeys(column_ids))
    if not ids:
        return
    columns = await uow.catalog.get_many(ids)
    labels = await uow.catalog.classifications_for(ids)
    overrides = await custom_levels(uow)
    for column_id, column in columns.items():
        if mask_stored_profile(column, labels.get(column_id, []), overrides):
            await uow.catalog.save(column)
    sources = {c.source_id for c in columns.values()}
    await scrub_source_results(cast(IncidentsUnitOfWork, uow), sources)
