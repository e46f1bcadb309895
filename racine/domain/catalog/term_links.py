"""Glossary terms attached to and detached from an asset, each link recorded in the
asset's history: what ``assignGlossaryTerm``/``unassignGlossaryTerm`` and the bulk
``updateAssets`` share."""

from __future__ import annotations

from collections.abc import Sequence

from racine.domain.access.model import Principal
from racine.domain.audit.record import record
from racine.domain.catalog.model import Asset, GlossaryTerm
from racine.domain.catalog.ports import CatalogUnitOfWork

__all__ = ["link_terms"]


async def link_terms(
    uow: CatalogUnitOfWork,
    actor: Principal,
    asset: Asset,
    add: Sequence[GlossaryTerm] = (),
    remove: Sequence[GlossaryTerm] = (),
) -> bool:
    """Attach ``add`` to ``asset`` and detach ``remove`` in the open unit of work, each
    link that changes recorded as ``asset.assign_term``/``asset.unassign_term``; whether
    any changed (a link already there, or already gone, changes and records nothing)."""
    changed = False
    for terms, link, action in (
        (add, uow.catalog.assign_term, "asset.assign_term"),
        (remove, uow.catalog.unassign_term, "asset.unassign_term"),
    ):
        for term in terms:
            if await link(asset.id, term.id):
                diff = {"term": term.name, "termId": term.id}
                await record(uow, actor, action, "Asset", asset.id, diff)
                changed = True
    return changed
