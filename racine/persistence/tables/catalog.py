"""Catalog tables: one ``assets`` table for every kind, its tags, owners, glossary
terms and classifications, the glossary, and the search documents.

The full-text index over ``asset_search`` is dialect-specific and created by the
migration: a GIN index on a ``tsvector`` expression on PostgreSQL, an FTS5 virtual
table ``asset_fts`` on SQLite (kept current by the repository on every change).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from racine.persistence.tables.base import Base, Json, JsonAsWritten, UtcDateTime

__all__ = [
    "AssetOwnerRow",
    "AssetRow",
    "AssetSearchRow",
    "AssetTagRow",
    "AssetTermRow",
    "ColumnClassificationRow",
    "GlossaryTermRow",
]


class AssetRow(Base):
    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("source_id", "qualified_name", name="uq_assets_source_qualified"),
        Index("ix_assets_parent", "parent_id", "position"),
        # the name filter matches lower(name) (migration 0020)
        Index("ix_assets_kind_lower_name", "kind", text("lower(name)")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(512))
    qualified_name: Mapped[str] = mapped_column(String(2048))
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(Json)
    detail: Mapped[dict[str, Any]] = mapped_column(Json)
    profile: Mapped[dict[str, Any] | None] = mapped_column(JsonAsWritten)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AssetTagRow(Base):
    __tablename__ = "asset_tags"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AssetOwnerRow(Base):
    __tablename__ = "asset_owners"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class GlossaryTermRow(Base):
    """A term's name is unique among its siblings in any case: ``name_key`` is the name
    lowered by the application (Python's ``str.lower``, on both databases: no SQL
    ``lower()`` in the key), uniquely indexed with ``parent_id``. Top-level terms have
    no parent, and a unique index takes NULLs as distinct, so they get a partial
    unique index of their own (migration 0015)."""

    __tablename__ = "glossary_terms"
    __table_args__ = (
        Index("ix_glossary_terms_parent_name", "parent_id", "name"),
        Index("uq_glossary_terms_parent_name_key", "parent_id", "name_key", unique=True),
        Index(
            "uq_glossary_terms_root_name_key",
            "name_key",
            unique=True,
            sqlite_where=text("parent_id IS NULL"),
            postgresql_where=text("parent_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # lowering can lengthen a name ("İ" is two characters lowered): twice the room
    name_key: Mapped[str] = mapped_column(String(400))
    definition: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("glossary_terms.id", ondelete="RESTRICT")
    )
    synonyms: Mapped[list[str]] = mapped_column(Json)
    related_ids: Mapped[list[str]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetTermRow(Base):
    __tablename__ = "asset_terms"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    term_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("glossary_terms.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ColumnClassificationRow(Base):
    __tablename__ = "column_classifications"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    type_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(Json)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetSearchRow(Base):
    """The search document of one asset, field by field (see ``persistence/search``)."""

    __tablename__ = "asset_search"

    asset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(Text)
    qualified_name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    columns: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
