"""The one check every use case that edits an asset makes before it changes it.

A scan soft-deletes the assets its source no longer has (``Asset.deleted_at``).
Such an asset stays readable, with its tags, owners, terms and history, but is not
edited: as in DataHub and OpenMetadata, where a deleted entity is restored before
it is edited, and here it is restored by the scan that finds it again. An edit in
between would change metadata nobody sees in listings or search, or make the
history say a steward curated what no longer exists.
"""

from __future__ import annotations

from racine.domain.catalog.model import Asset
from racine.domain.errors import Conflict, NotFound

__all__ = ["editable"]


def editable(asset: Asset | None, *, field: str) -> Asset:
    """``asset``, if a mutation may edit it: NOT_FOUND when there is none, CONFLICT
    (on ``field``) when a scan removed it from the catalog."""
    if asset is None:
        raise NotFound("Asset", field=field)
    if asset.deleted:
        raise Conflict(
            f"{asset.qualified_name} was removed from its source (a scan no longer "
            "finds it): it can be edited again once a scan finds it",
            field=field,
        )
    return asset
