"""Use cases that edit catalog assets: description, owners, tags, properties (one asset),
and tags, owners and glossary terms on many assets at once (``update_assets``).

Each runs in one unit of work, writes an audit event targeting the asset (that is
the asset's change history), refreshes its search document and emits
``ASSET_UPDATED`` on the catalog channel; an edit that changes nothing does none
of these. That includes an edit sent twice at once: the second finds the first's
tags or owners written when it writes its own (``set_tags`` says it changed
nothing), so it succeeds without a second history entry.

Tags and owners are either replaced (``tags``, ``owner_ids``: the whole list, as a
form sends it) or changed (``add_*``/``remove_*``: only the named ones). A client
that sends a whole list it read earlier removes what another user added since;
changes made at once by several users all land.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from racine.domain.access.model import Principal, Role
from racine.domain.audit.record import record
from racine.domain.catalog.editable import editable
from racine.domain.catalog.model import Asset, GlossaryTerm, utcnow
from racine.domain.catalog.ports import CatalogUnitOfWork
from racine.domain.catalog.term_links import link_terms
from racine.domain.errors import LimitExceeded, NotFound, ValidationFailed
from racine.domain.events import Channels, Event

__all__ = [
    "MAX_BATCH",
    "MAX_TAGS",
    "UpdateAsset",
    "UpdateAssets",
    "asset_event",
    "update_asset",
    "update_assets",
]

MAX_TAGS = 50
MAX_OWNERS = 20
MAX_DESCRIPTION = 10_000
MAX_PROPERTIES = 100
MAX_BATCH = 100
_TAG = re.compile(r"[\w][\w.:/ -]{0,63}", re.UNICODE)


@dataclass(frozen=True)
class UpdateAsset:
    """Fields left ``None`` are unchanged; ``tags`` and ``owner_ids`` replace the
    current lists, ``add_*``/``remove_*`` add and remove items (not with the list
    they change)."""

    asset_id: uuid.UUID
    description: str | None = None
    owner_ids: tuple[uuid.UUID, ...] | None = None
    tags: tuple[str, ...] | None = None
    properties: dict[str, Any] | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    add_owner_ids: tuple[uuid.UUID, ...] = ()
    remove_owner_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class UpdateAssets:
    """Tags, owners and glossary terms added to or removed from many assets at once (a
    list is never replaced in bulk: each asset keeps what the change does not name)."""

    asset_ids: tuple[uuid.UUID, ...]
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    add_owner_ids: tuple[uuid.UUID, ...] = ()
    remove_owner_ids: tuple[uuid.UUID, ...] = ()
    add_term_ids: tuple[uuid.UUID, ...] = ()
    remove_term_ids: tuple[uuid.UUID, ...] = ()


def asset_event(type_: str, asset: Asset, **extra: Any) -> Event:
    """A catalog-channel event about ``asset`` (ids as strings, JSON-safe)."""
    return Event(
        Channels.CATALOG,
        type_,
        {
            "assetId": str(asset.id),
            "kind": asset.kind.value,
            "qualifiedName": asset.qualified_name,
            "sourceId": None if asset.source_id is None else str(asset.source_id),
            **extra,
        },
    )


def _clean_tags(tags: tuple[str, ...], field: str = "tags") -> list[str]:
    if len(tags) > MAX_TAGS:
        raise LimitExceeded(f"at most {MAX_TAGS} tags", field=field)
    out: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if not _TAG.fullmatch(tag):
            raise ValidationFailed(
                "a tag is 1-64 letters, digits, spaces or . : / - _", field=field
            )
        if tag not in out:
            out.append(tag)
    return out


def _one_way(whole: object, add: tuple[Any, ...], remove: tuple[Any, ...], names: str) -> None:
    """A list is either replaced or changed, and nothing is both added and removed."""
    listed, adding, removing = names.split()
    if whole is not None and (add or remove):
        raise ValidationFailed(
            f"{listed} replaces the list, {adding}/{removing} change it: send one or the other",
            field=listed,
        )
    if set(add) & set(remove):
        raise ValidationFailed(f"an item is both in {adding} and {removing}", field=removing)


async def _replace_list(
    key: str,
    whole: list[Any],
    read: Callable[[], Awaitable[list[Any]]],
    replace: Callable[[list[Any]], Awaitable[bool]],
) -> dict[str, Any]:
    """The history diff's entry ``key`` for a list replaced by ``whole``, or none if it
    did not change."""
    before = await read()
    # False when an identical edit committed since the read: nothing to record
    if set(whole) != set(before) and await replace(whole):
        return {key: {"before": before, "after": whole}}
    return {}


_LIMITS = {"tags": (MAX_TAGS, "addTags"), "owners": (MAX_OWNERS, "addOwnerIds")}


async def _change_lists(
    uow: CatalogUnitOfWork, assets: list[Asset], key: str, add: list[Any], remove: list[Any]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Add ``add`` to and remove ``remove`` from the ``key`` list (``tags`` or
    ``owners``) of each of ``assets``, in a few statements whatever their number: the
    history diff's entry ``key`` of each asset it changed. An asset left with more than
    the list's limit is LIMIT_EXCEEDED, named when there are several (checked after
    the change: other edits may have added items since the lists were read)."""
    if not (add or remove):
        return {}
    catalog = uow.catalog
    read, change = (
        (catalog.tags_for, catalog.change_tags)
        if key == "tags"
        else (catalog.owners_for, catalog.change_owners)
    )
    limit, field = _LIMITS[key]
    ids = [a.id for a in assets]
    before = await read(ids)
    changed = (await change(ids, add, remove)).by_asset()
    after = await read([i for i in ids if i in changed]) if changed else {}
    diffs: dict[uuid.UUID, dict[str, Any]] = {}
    for asset in assets:
        if asset.id not in changed:
            continue
        now = after.get(asset.id, [])
        if len(now) > limit:
            named = f"{asset.qualified_name}: " if len(assets) > 1 else ""
            raise LimitExceeded(f"{named}at most {limit} {key}", field=field)
        diffs[asset.id] = {key: {"before": before.get(asset.id, []), "after": now}}
    return diffs


def _tag_changes(add: tuple[str, ...], remove: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Tags to add (checked and cleaned) and to remove."""
    _one_way(None, add, remove, "tags addTags removeTags")
    if len(remove) > MAX_TAGS:
        raise LimitExceeded(f"at most {MAX_TAGS} tags", field="removeTags")
    return _clean_tags(add, "addTags"), [t.strip() for t in remove]


async def _users(uow: CatalogUnitOfWork, ids: tuple[uuid.UUID, ...], field: str) -> list[uuid.UUID]:
    """``ids`` (each once) if they are at most ``MAX_OWNERS`` users that exist."""
    owners = list(dict.fromkeys(ids))
    if len(owners) > MAX_OWNERS:
        raise LimitExceeded(f"at most {MAX_OWNERS} owners", field=field)
    if owners and len(await uow.users.get_many(owners)) != len(owners):
        raise NotFound("User", field=field)
    return owners


async def _name_owners(uow: CatalogUnitOfWork, diffs: list[dict[str, Any]]) -> None:
    """Give each diff that changes owners ``ownerNames``: the ids say who; the names, as
    they were, let the history be read as it is (one query for all the diffs)."""
    changes = [d["owners"] for d in diffs if "owners" in d]
    if not changes:
        return
    users = await uow.users.get_many(
        list(dict.fromkeys(i for change in changes for side in change.values() for i in side))
    )
    for diff in diffs:
        if "owners" in diff:
            change = diff["owners"]
            diff["ownerNames"] = {
                side: [users[i].name if i in users else None for i in change[side]]
                for side in change
            }


async def _edit_tags(uow: CatalogUnitOfWork, asset: Asset, cmd: UpdateAsset) -> dict[str, Any]:
    """The tags' entry of the history diff, or none if they did not change."""
    _one_way(cmd.tags, cmd.add_tags, cmd.remove_tags, "tags addTags removeTags")
    if cmd.tags is None:
        add, remove = _tag_changes(cmd.add_tags, cmd.remove_tags)
        return (await _change_lists(uow, [asset], "tags", add, remove)).get(asset.id, {})

    async def read() -> list[Any]:
        return list((await uow.catalog.tags_for([asset.id])).get(asset.id, []))

    return await _replace_list(
        "tags", _clean_tags(cmd.tags), read, lambda tags: uow.catalog.set_tags(asset.id, tags)
    )


async def _edit_owners(uow: CatalogUnitOfWork, asset: Asset, cmd: UpdateAsset) -> dict[str, Any]:
    """The owners' entry of the history diff, or none if they did not change."""
    _one_way(
        cmd.owner_ids,
        cmd.add_owner_ids,
        cmd.remove_owner_ids,
        "ownerIds addOwnerIds removeOwnerIds",
    )
    if cmd.owner_ids is None:
        add = await _users(uow, cmd.add_owner_ids, "addOwnerIds")
        remove = list(cmd.remove_owner_ids)
        diff = (await _change_lists(uow, [asset], "owners", add, remove)).get(asset.id, {})
    else:
        owners = await _users(uow, cmd.owner_ids, "ownerIds")

        async def read() -> list[Any]:
            return list((await uow.catalog.owners_for([asset.id])).get(asset.id, []))

        diff = await _replace_list(
            "owners", owners, read, lambda ids: uow.catalog.set_owners(asset.id, ids)
        )
    await _name_owners(uow, [diff])
    return diff


async def update_asset(uow: CatalogUnitOfWork, actor: Principal, cmd: UpdateAsset) -> Asset:
    actor.require(Role.EDITOR)
    async with uow:
        asset = editable(await uow.catalog.get(cmd.asset_id), field="id")
        if fields := await _edit(uow, actor, asset, cmd):
            await uow.catalog.reindex([asset.id])
            uow.emit(asset_event("ASSET_UPDATED", asset, fields=fields))
            await uow.commit()
    return asset


async def update_assets(uow: CatalogUnitOfWork, actor: Principal, cmd: UpdateAssets) -> list[Asset]:
    """The same tag, owner and term changes on each of ``cmd.asset_ids``, in one transaction:
    an asset that cannot be changed (unknown, removed, past a limit) changes none.
    Each change is recorded in the asset's history as the single mutations record it,
    and each changed asset gets one ``ASSET_UPDATED``; an asset the change leaves as it
    was gets neither."""
    actor.require(Role.EDITOR)
    ids = list(dict.fromkeys(cmd.asset_ids))
    if not ids:
        raise ValidationFailed("name at least one asset", field="ids")
    if len(ids) > MAX_BATCH:
        raise LimitExceeded(f"at most {MAX_BATCH} assets at once", field="ids")
    if not (
        cmd.add_tags
        or cmd.remove_tags
        or cmd.add_owner_ids
        or cmd.remove_owner_ids
        or cmd.add_term_ids
        or cmd.remove_term_ids
    ):
        raise ValidationFailed("name tags, owners or terms to add or remove", field="addTags")
    if set(cmd.add_term_ids) & set(cmd.remove_term_ids):
        raise ValidationFailed("a term both added and removed", field="addTermIds")
    _one_way(None, cmd.add_owner_ids, cmd.remove_owner_ids, "ownerIds addOwnerIds removeOwnerIds")
    add_tags, remove_tags = _tag_changes(cmd.add_tags, cmd.remove_tags)
    async with uow:
        terms = await _terms(uow, cmd.add_term_ids, "addTermIds")
        gone = await _terms(uow, cmd.remove_term_ids, "removeTermIds")
        owners = await _users(uow, cmd.add_owner_ids, "addOwnerIds")
        found = await uow.catalog.get_many(ids)
        assets = [editable(found.get(i), field="ids") for i in ids]
        # Each list is changed for every asset at once: a batch costs the statements
        # of one asset, not one asset's statements per asset.
        diffs: dict[uuid.UUID, dict[str, Any]] = {a.id: {} for a in assets}
        for key, add, remove in (
            ("tags", add_tags, remove_tags),
            ("owners", owners, list(cmd.remove_owner_ids)),
        ):
            for asset_id, entry in (await _change_lists(uow, assets, key, add, remove)).items():
                diffs[asset_id] |= entry
        await _name_owners(uow, list(diffs.values()))
        edited = [a for a in assets if diffs[a.id]]
        now = utcnow()
        for asset in edited:
            asset.updated_at = now
            await record(uow, actor, "asset.update", "Asset", asset.id, diffs[asset.id])
        linked = await link_terms(uow, actor, assets, terms, gone)
        changed = [a for a in assets if diffs[a.id] or a.id in linked]
        for asset in changed:
            fields = sorted(diffs[asset.id]) + (["glossaryTerms"] if asset.id in linked else [])
            uow.emit(asset_event("ASSET_UPDATED", asset, fields=fields))
        if changed:
            await uow.catalog.save_many([], edited)
            await uow.catalog.reindex([a.id for a in changed])
            await uow.commit()
    return assets


async def _terms(
    uow: CatalogUnitOfWork, ids: tuple[uuid.UUID, ...], field: str
) -> list[GlossaryTerm]:
    """The glossary terms ``ids`` (each once), or NOT_FOUND on ``field``."""
    wanted = list(dict.fromkeys(ids))
    found = await uow.glossary.get_many(wanted) if wanted else {}
    if len(found) != len(wanted):
        raise NotFound("GlossaryTerm", field=field)
    return [found[i] for i in wanted]


async def _edit(
    uow: CatalogUnitOfWork, actor: Principal, asset: Asset, cmd: UpdateAsset
) -> list[str]:
    """Apply ``cmd`` to ``asset`` in the open unit of work: store it and record the
    history entry. The fields it changed (none: nothing is written); the caller
    announces them."""
    # Only fields whose value changes are written and recorded: a form that sends
    # every field must not put untouched ones in the history.
    diff: dict[str, Any] = {}
    if cmd.description is not None:
        if len(cmd.description) > MAX_DESCRIPTION:
            raise LimitExceeded(
                f"description longer than {MAX_DESCRIPTION} characters", field="description"
            )
        if (cmd.description or None) != asset.description:
            diff["description"] = {"before": asset.description, "after": cmd.description}
            asset.description = cmd.description or None
    if cmd.properties is not None:
        if len(cmd.properties) > MAX_PROPERTIES:
            raise LimitExceeded(f"at most {MAX_PROPERTIES} properties", field="properties")
        if cmd.properties != asset.properties:
            diff["properties"] = {"before": asset.properties, "after": cmd.properties}
            asset.properties = dict(cmd.properties)
    if cmd.tags is not None or cmd.add_tags or cmd.remove_tags:
        diff |= await _edit_tags(uow, asset, cmd)
    if cmd.owner_ids is not None or cmd.add_owner_ids or cmd.remove_owner_ids:
        diff |= await _edit_owners(uow, asset, cmd)
    if not diff:  # nothing changes: nothing to store, record or announce
        return []
    asset.updated_at = utcnow()
    await uow.catalog.save(asset)
    await record(uow, actor, "asset.update", "Asset", asset.id, diff)
    return sorted(diff)
