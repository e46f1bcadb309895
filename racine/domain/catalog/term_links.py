"""Glossary terms attached to and detached from assets, each link recorded in its
asset's history: what ``assignGlossaryTerm``/``unassignGlossaryTerm`` and the bulk
``updateAssets`` share."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, GlossaryTerm
from racine.domain.catalog.ports import CatalogUnitOfWork

__all__ = ["link_terms"]


async def link_terms(
    uow: CatalogUnitOfWork,
    actor: Principal,
    assets: Sequence[Asset],
    add: Sequence[GlossaryTerm] = (),
    remove: Sequence[GlossaryTerm] = (),
) -> set[uuid.UUID]:
    """Attach ``add`` to each of ``assets`` and detach ``remove`` in the open unit of
    work (one write each, whatever the number of assets), each link that changes
    recorded as ``asset.assign_term``/``asset.unassign_term``; the ids of the assets
    whose links changed (a link already there, or already gone, changes and records
    nothing)."""
    if not assets or not (add or remove):
        return set()
    changes = await uow.catalog.change_terms(
        [a.id for a in assets], [t.id for t in add], [t.id for t in remove]
    )
    by_asset = changes.by_asset()
    for asset in assets:
        if asset.id not in by_asset:
            continue
        for terms, changed, action in (
            (add, set(by_asset[asset.id][0]), "asset.assign_term"),
            (remove, set(by_asset[asset.id][1]), "asset.unassign_term"),
        ):
            for term in terms:
                if term.id in changed:
                    diff = {"term": term.name, "termId": term.id}
                    await record(uow, actor, action, "Asset", asset.id, diff)
    return set(by_asset)
