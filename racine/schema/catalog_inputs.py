"""Catalog area: inputs of the asset and glossary mutations and the payloads they
answer."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from racine.schema.catalog import Asset, GlossaryTerm
from racine.schema.errors import UserError

__all__ = [
    "AssignGlossaryTermInput",
    "AssignGlossaryTermPayload",
    "CreateGlossaryTermInput",
    "DeleteGlossaryTermInput",
    "GlossaryTermPayload",
    "UpdateAssetInput",
    "UpdateAssetPayload",
    "UpdateAssetsInput",
    "UpdateAssetsPayload",
    "UpdateGlossaryTermInput",
]


@strawberry.input(
    description="Change an asset. Omitted fields stay as they are; `tags` and `ownerIds` replace"
    " the lists, `add…`/`remove…` change them (edits made at once by several users all land)."
)
class UpdateAssetInput:
    id: strawberry.ID = strawberry.field(description="The Asset.")
    description: str | None = strawberry.field(
        default=None, description="New description (≤ 10,000 characters; empty clears)."
    )
    owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Owner Users (≤ 20)."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags (≤ 50, each 1-64 characters)."
    )
    properties: JSON | None = strawberry.field(
        default=None, description="Custom properties object (≤ 100 keys)."
    )
    add_tags: list[str] | None = strawberry.field(
        default=None,
        description="Tags to add, keeping the others (also those another user added since"
        " you read them); not with `tags`. At most 50 in all.",
    )
    remove_tags: list[str] | None = strawberry.field(
        default=None, description="Tags to remove, keeping the others; not with `tags`."
    )
    add_owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Owner Users to add, keeping the others; not with `ownerIds`."
        " At most 20 in all.",
    )
    remove_owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Owner Users to remove, keeping the others; not with `ownerIds`."
    )


@strawberry.type(description="Result of updateAsset.")
class UpdateAssetPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    asset: Asset | None = strawberry.field(default=None, description="The asset after the change.")


@strawberry.input(
    description="Tags, owners and glossary terms to add to or remove from up to 100 "
    "assets at once, in "
    "one transaction: if one asset cannot be changed (unknown, removed by a scan, past "
    "a limit), none is. Each asset keeps what the change does not name. "
    "EDITOR or above."
)
class UpdateAssetsInput:
    ids: list[strawberry.ID] = strawberry.field(description="The Assets (1-100).")
    add_tags: list[str] | None = strawberry.field(
        default=None, description="Tags to add to each (at most 50 per asset in all)."
    )
    remove_tags: list[str] | None = strawberry.field(
        default=None, description="Tags to remove from each."
    )
    add_owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Owner Users to add to each (at most 20 per asset in all)."
    )
    remove_owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Owner Users to remove from each."
    )
    add_term_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="GlossaryTerms to attach to each (each attachment recorded as "
        "assignGlossaryTerm records it).",
    )
    remove_term_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="GlossaryTerms to detach from each."
    )


@strawberry.type(description="Result of updateAssets.")
class UpdateAssetsPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    assets: list[Asset] = strawberry.field(
        default_factory=list, description="The assets after the change, in the order given."
    )


@strawberry.input(description="A new glossary term. STEWARD or above.")
class CreateGlossaryTermInput:
    name: str = strawberry.field(description="1-200 characters, unique among siblings.")
    definition: str = strawberry.field(default="", description="What it means.")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="Broader term.")
    synonyms: list[str] = strawberry.field(default_factory=list, description="≤ 50 synonyms.")
    related_term_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="≤ 50 related GlossaryTerms."
    )


@strawberry.input(description="Change a glossary term; omitted fields stay. STEWARD or above.")
class UpdateGlossaryTermInput:
    id: strawberry.ID = strawberry.field(description="The GlossaryTerm.")
    name: str | None = strawberry.field(default=None, description="New name.")
    definition: str | None = strawberry.field(default=None, description="New definition.")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="New parent.")
    clear_parent: bool = strawberry.field(default=False, description="Make it a root term.")
    synonyms: list[str] | None = strawberry.field(default=None, description="Replace synonyms.")
    related_term_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replace related terms."
    )


@strawberry.input(description="Delete a term without children. STEWARD or above.")
class DeleteGlossaryTermInput:
    id: strawberry.ID = strawberry.field(description="The GlossaryTerm.")


@strawberry.type(description="Result of a glossary term mutation.")
class GlossaryTermPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    term: GlossaryTerm | None = strawberry.field(default=None, description="The term.")


@strawberry.input(description="Attach a glossary term to an asset (or detach it). EDITOR or above.")
class AssignGlossaryTermInput:
    term_id: strawberry.ID = strawberry.field(description="The GlossaryTerm.")
    asset_id: strawberry.ID = strawberry.field(description="The Asset.")


@strawberry.type(description="Result of assigning or unassigning a term.")
class AssignGlossaryTermPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    asset: Asset | None = strawberry.field(default=None, description="The asset.")
    term: GlossaryTerm | None = strawberry.field(default=None, description="The term.")
