"""Table definitions. Importing this package registers every table on ``Base.metadata``."""

from racine.persistence.tables import (
    access,
    audit,
    catalog,
    classification,
    collaboration,
    compliance,
    lineage,
    quality,
    runs,
    sources,
)
from racine.persistence.tables.base import Base

__all__ = [
    "Base",
    "access",
    "audit",
    "catalog",
    "classification",
    "collaboration",
    "compliance",
    "lineage",
    "quality",
    "runs",
    "sources",
]
