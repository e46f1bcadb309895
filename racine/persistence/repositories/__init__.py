"""Repositories: collections of domain objects over one AsyncSession."""

from racine.persistence.repositories import (  # noqa: F401 - importing registers them
    catalog,
    classification,
    compliance,
    discussions,
    documents,
    glossary,
    incidents,
    lineage,
    notifications,
    quality,
    sources,
    workspaces,
)
