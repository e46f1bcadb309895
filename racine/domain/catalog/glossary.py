"""The business glossary: hierarchical terms with definitions, synonyms and related
terms, assignable to assets. Synonyms are indexed with every asset the term is
assigned to, so searching "client" finds a column tagged with the term "Customer"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.editable import editable
from racine.domain.catalog.model import Asset, GlossaryTerm, utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.term_links import link_terms
from racine.domain.catalog.use_cases import asset_event
from racine.domain.errors import Conflict, LimitExceeded, NotFound, ValidationFailed

__all__ = [
    "AssignTerm",
    "SaveTerm",
    "assign_term",
    "create_term",
    "delete_term",
    "unassign_term",
    "update_term",
]

MAX_SYNONYMS = 50
MAX_RELATED = 50
MAX_DEPTH = 10


@dataclass(frozen=True)
class SaveTerm:
    """Create (``term_id`` None) or update a term; ``None`` fields stay unchanged on update."""

    term_id: uuid.UUID | None = None
    name: str | None = None
    definition: str | None = None
    parent_id: uuid.UUID | None = None
    clear_parent: bool = False
    synonyms: tuple[str, ...] | None = None
    related_ids: tuple[uuid.UUID, ...] | None = None


@dataclass(frozen=True)
class AssignTerm:
    term_id: uuid.UUID
    asset_id: uuid.UUID


def _name(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise ValidationFailed("name must be 1-200 characters", field="name")
    return value


def _synonyms(values: tuple[str, ...]) -> list[str]:
    if len(values) > MAX_SYNONYMS:
        raise LimitExceeded(f"at most {MAX_SYNONYMS} synonyms", field="synonyms")
    out = []
    for value in values:
        value = value.strip()
        if not 1 <= len(value) <= 200:
            raise ValidationFailed("a synonym is 1-200 characters", field="synonyms")
        if value not in out:
            out.append(value)
    return out


async def _check_parent(
    uow: CatalogUnitOfWork, term_id: uuid.UUID, parent_id: uuid.UUID, height: int = 1
) -> None:
    """The parent exists, is not the term itself or one of its descendants, and the
    term's subtree (``height`` levels, 1 for a leaf) fits under it within the depth limit."""
    ancestors = 0
    cursor: uuid.UUID | None = parent_id
    while cursor is not None:
        if cursor == term_id:
            raise ValidationFailed("a term cannot be its own ancestor", field="parentId")
        if ancestors > MAX_DEPTH:
            break
        parent = await uow.glossary.get(cursor)
        if parent is None:
            raise NotFound("GlossaryTerm", field="parentId")
        ancestors += 1
        cursor = parent.parent_id
    if ancestors + height > MAX_DEPTH + 1:
        raise LimitExceeded(f"terms nest at most {MAX_DEPTH} deep", field="parentId")


async def _height(uow: CatalogUnitOfWork, term_id: uuid.UUID) -> int:
    """Levels of the term's subtree, the term included (counted up to the limit only)."""
    height, level = 1, [term_id]
    while height <= MAX_DEPTH + 1:
        level = await uow.glossary.child_ids(level)
        if not level:
            break
        height += 1
    return height


async def _check_related(
    uow: CatalogUnitOfWork, term_id: uuid.UUID, ids: tuple[uuid.UUID, ...]
) -> list[uuid.UUID]:
    related = [i for i in dict.fromkeys(ids) if i != term_id]
    if len(related) > MAX_RELATED:
        raise LimitExceeded(f"at most {MAX_RELATED} related terms", field="relatedTermIds")
    found = await uow.glossary.get_many(related)
    if len(found) != len(related):
        raise NotFound("GlossaryTerm", field="relatedTermIds")
    return related


async def create_term(uow: CatalogUnitOfWork, actor: Principal, cmd: SaveTerm) -> GlossaryTerm:
    actor.require(Role.STEWARD)
    term = GlossaryTerm(name=_name(cmd.name or ""), definition=(cmd.definition or "").strip())
    async with uow:
        if await uow.glossary.get_by_name(term.name, cmd.parent_id) is not None:
            raise Conflict("a term with this name exists under this parent", field="name")
        if cmd.parent_id is not None:
            await _check_parent(uow, term.id, cmd.parent_id)
            term.parent_id = cmd.parent_id
        term.synonyms = _synonyms(cmd.synonyms or ())
        term.related_ids = await _check_related(uow, term.id, cmd.related_ids or ())
        await uow.glossary.add(term)
        await record(uow, actor, "glossary.create", "GlossaryTerm", term.id, _diff(term))
        await uow.commit()
    return term


async def update_term(uow: CatalogUnitOfWork, actor: Principal, cmd: SaveTerm) -> GlossaryTerm:
    actor.require(Role.STEWARD)
    assert cmd.term_id is not None
    async with uow:
        term = await uow.glossary.get(cmd.term_id)
        if term is None:
            raise NotFound("GlossaryTerm", field="id")
        before = _diff(term)
        if cmd.name is not None:
            term.name = _name(cmd.name)
        if cmd.definition is not None:
            term.definition = cmd.definition.strip()
        if cmd.clear_parent:
            term.parent_id = None
        elif cmd.parent_id is not None and cmd.parent_id != term.parent_id:
            # a move takes the term's children along: their depth counts too
            await _check_parent(uow, term.id, cmd.parent_id, await _height(uow, term.id))
            term.parent_id = cmd.parent_id
        if cmd.synonyms is not None:
            term.synonyms = _synonyms(cmd.synonyms)
        if cmd.related_ids is not None:
            term.related_ids = await _check_related(uow, term.id, cmd.related_ids)
        clash = await uow.glossary.get_by_name(term.name, term.parent_id)
        if clash is not None and clash.id != term.id:
            raise Conflict("a term with this name exists under this parent", field="name")
        term.updated_at = utcnow()
        await uow.glossary.save(term)
        # Assets carrying the term are found by its name and synonyms: refresh them.
        await uow.catalog.reindex(await uow.catalog.assets_with_term(term.id))
        await record(
            uow,
            actor,
            "glossary.update",
            "GlossaryTerm",
            term.id,
            {"before": before, "after": _diff(term)},
        )
        await uow.commit()
    return term


async def delete_term(uow: CatalogUnitOfWork, actor: Principal, term_id: uuid.UUID) -> GlossaryTerm:
    actor.require(Role.STEWARD)
    async with uow:
        term = await uow.glossary.get(term_id)
        if term is None:
            raise NotFound("GlossaryTerm", field="id")
        if await uow.glossary.has_children(term_id):
            raise Conflict("the term has child terms: delete or move them first", field="id")
        assets = await uow.catalog.assets_with_term(term_id)
        await uow.glossary.delete(term_id)
        await uow.catalog.reindex(assets)
        await record(uow, actor, "glossary.delete", "GlossaryTerm", term_id, _diff(term))
        # Each asset loses the term: its history and live listeners must say so, as
        # they do for an unassignment.
        for asset in (await uow.catalog.get_many(assets)).values():
            detached = {"term": term.name, "termId": term.id, "termDeleted": True}
            await record(uow, actor, "asset.unassign_term", "Asset", asset.id, detached)
            uow.emit(asset_event("ASSET_UPDATED", asset, fields=["glossaryTerms"]))
        await uow.commit()
    return term


async def assign_term(
    uow: CatalogUnitOfWork, actor: Principal, cmd: AssignTerm, *, assign: bool = True
) -> tuple[Asset, GlossaryTerm]:
    """Attach (or with ``assign=False`` detach) a term to an asset; idempotent: a call
    that changes nothing records nothing and announces nothing, also the second of two
    identical calls at once (its write finds the first's link and adds none)."""
    actor.require(Role.EDITOR)
    async with uow:
        term = await uow.glossary.get(cmd.term_id)
        if term is None:
            raise NotFound("GlossaryTerm", field="termId")
        asset = editable(await uow.catalog.get(cmd.asset_id), field="assetId")
        linked = [term] if assign else []
        if not await link_terms(uow, actor, [asset], linked, [] if assign else [term]):
            return asset, term
        await uow.catalog.reindex([asset.id])
        uow.emit(asset_event("ASSET_UPDATED", asset, fields=["glossaryTerms"]))
        await uow.commit()
    return asset, term


async def unassign_term(
    uow: CatalogUnitOfWork, actor: Principal, cmd: AssignTerm
) -> tuple[Asset, GlossaryTerm]:
    return await assign_term(uow, actor, cmd, assign=False)


def _diff(term: GlossaryTerm) -> dict[str, object]:
    return {
        "name": term.name,
        "definition": term.definition,
        "parentId": term.parent_id,
        "synonyms": list(term.synonyms),
        "relatedIds": list(term.related_ids),
    }
