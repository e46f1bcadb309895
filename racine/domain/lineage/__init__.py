"""Lineage engine: SQL and OpenLineage intake, traversal, label propagation.

Pure domain code: no database, no GraphQL. Persistence stores the edges these
modules produce; resolvers call them through use cases.
"""

from racine.domain.lineage.graph import (
    MAX_DEPTH,
    Direction,
    Edge,
    Impact,
    NodeFacts,
    Traversal,
    TruncationReason,
    impact,
    traverse,
)
from racine.domain.lineage.model import (
    ColumnEdge,
    ColumnRef,
    Provenance,
    TableEdge,
    Transformation,
    TransformationSubtype,
    TransformationType,
)
from racine.domain.lineage.openlineage import (
    DatasetEvent,
    JobEvent,
    OpenLineageEvent,
    RunEvent,
    parse_openlineage_event,
)
from racine.domain.lineage.propagation import (
    AssignedLabel,
    Label,
    LabelKind,
    PropagatedLabel,
    PropagationDelta,
    PropagationEdge,
    PropagationPolicy,
    compute_propagation,
    plan_propagation,
    sources_affected_by_edge,
)
from racine.domain.lineage.sourcehint import SourceHint, namespace_to_source_hint
from racine.domain.lineage.sql import (
    ExternalTable,
    SqlError,
    SqlLineageResult,
    StatementKind,
    StatementLineage,
    extract_sql_lineage,
)

__all__ = [
    "MAX_DEPTH",
    "AssignedLabel",
    "ColumnEdge",
    "ColumnRef",
    "DatasetEvent",
    "Direction",
    "Edge",
    "ExternalTable",
    "Impact",
    "JobEvent",
    "Label",
    "LabelKind",
    "NodeFacts",
    "OpenLineageEvent",
    "PropagatedLabel",
    "PropagationDelta",
    "PropagationEdge",
    "PropagationPolicy",
    "Provenance",
    "RunEvent",
    "SourceHint",
    "SqlError",
    "SqlLineageResult",
    "StatementKind",
    "StatementLineage",
    "TableEdge",
    "Transformation",
    "TransformationSubtype",
    "TransformationType",
    "Traversal",
    "TruncationReason",
    "compute_propagation",
    "extract_sql_lineage",
    "impact",
    "namespace_to_source_hint",
    "parse_openlineage_event",
    "plan_propagation",
    "sources_affected_by_edge",
    "traverse",
]
