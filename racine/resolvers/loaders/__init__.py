"""Per-request DataLoaders (one module per loader), built lazily from the Context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from racine.domain.collaboration import batches
from racine.resolvers.loaders.asset_classifications import load_asset_classifications
from racine.resolvers.loaders.asset_columns import load_asset_columns
from racine.resolvers.loaders.asset_owners import load_asset_owners
from racine.resolvers.loaders.asset_sensitivity import load_asset_sensitivity
from racine.resolvers.loaders.asset_tags import load_asset_tags
from racine.resolvers.loaders.asset_terms import load_asset_terms
from racine.resolvers.loaders.assets import load_assets, load_assets_by_name
from racine.resolvers.loaders.classification_types import load_classification_types
from racine.resolvers.loaders.collaboration import collaboration_loader
from racine.resolvers.loaders.data_sources import load_data_sources
from racine.resolvers.loaders.glossary_terms import load_glossary_terms
from racine.resolvers.loaders.latest_scans import load_latest_scans
from racine.resolvers.loaders.users import load_users

if TYPE_CHECKING:
    import uuid

    from racine.domain.access.model import User
    from racine.domain.catalog.model import Asset, ColumnClassification, GlossaryTerm
    from racine.domain.classification.custom import StoredType
    from racine.domain.collaboration.batches import DocumentPageKey
    from racine.domain.collaboration.model import Comment, Document, DocumentVersion, Member
    from racine.domain.paging import Page
    from racine.domain.scanning.model import DataSource, Scan
    from racine.resolvers.context import Context

__all__ = ["DataLoaders"]


@dataclass
class DataLoaders:
    user: DataLoader[uuid.UUID, User | None]
    asset: DataLoader[uuid.UUID, Asset | None]
    asset_by_name: DataLoader[tuple[uuid.UUID, str], Asset | None]
    asset_columns: DataLoader[uuid.UUID, list[Asset]]
    asset_tags: DataLoader[uuid.UUID, list[str]]
    asset_owners: DataLoader[uuid.UUID, list[uuid.UUID]]
    asset_classifications: DataLoader[uuid.UUID, list[ColumnClassification]]
    asset_terms: DataLoader[uuid.UUID, list[uuid.UUID]]
    glossary_term: DataLoader[uuid.UUID, GlossaryTerm | None]
    data_source: DataLoader[uuid.UUID, DataSource | None]
    latest_scan: DataLoader[uuid.UUID, Scan | None]
    asset_sensitivity: DataLoader[uuid.UUID, int | None]
    classification_type: DataLoader[str, StoredType | None]
    workspace_members: DataLoader[uuid.UUID, list[Member]]
    workspace_documents: DataLoader[DocumentPageKey, Page[Document]]
    document_versions: DataLoader[uuid.UUID, list[DocumentVersion]]
    document_comments: DataLoader[uuid.UUID, list[Comment]]
    comment_replies: DataLoader[uuid.UUID, list[Comment]]

    @classmethod
    def build(cls, context: Context) -> DataLoaders:
        return cls(
            user=DataLoader(load_fn=lambda ids: load_users(context, ids)),
            asset=DataLoader(load_fn=lambda ids: load_assets(context, ids)),
            asset_by_name=DataLoader(load_fn=lambda keys: load_assets_by_name(context, keys)),
            asset_columns=DataLoader(load_fn=lambda ids: load_asset_columns(context, ids)),
            asset_tags=DataLoader(load_fn=lambda ids: load_asset_tags(context, ids)),
            asset_owners=DataLoader(load_fn=lambda ids: load_asset_owners(context, ids)),
            asset_classifications=DataLoader(
                load_fn=lambda ids: load_asset_classifications(context, ids)
            ),
            asset_terms=DataLoader(load_fn=lambda ids: load_asset_terms(context, ids)),
            glossary_term=DataLoader(load_fn=lambda ids: load_glossary_terms(context, ids)),
            data_source=DataLoader(load_fn=lambda ids: load_data_sources(context, ids)),
            latest_scan=DataLoader(load_fn=lambda ids: load_latest_scans(context, ids)),
            asset_sensitivity=DataLoader(load_fn=lambda ids: load_asset_sensitivity(context, ids)),
            classification_type=DataLoader(
                load_fn=lambda keys: load_classification_types(context, keys)
            ),
            workspace_members=collaboration_loader(context, batches.workspace_members),
            workspace_documents=collaboration_loader(context, batches.document_pages),
            document_versions=collaboration_loader(context, batches.document_versions),
            document_comments=collaboration_loader(context, batches.document_threads),
            comment_replies=collaboration_loader(context, batches.comment_replies),
        )
