"""lineage edges: covering indexes for the traversal (PostgreSQL)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 17:50:00.000000

The bounded walk looks up edges by one end and needs only the other end and the
edge id: with those INCLUDEd, PostgreSQL answers each step from the index alone
(no heap fetch per edge). SQLite has no INCLUDE; its indexes stay as they are.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENDS = (("source", "source_id", "target_id"), ("target", "target_id", "source_id"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, key, other in _ENDS:
        op.drop_index(f"ix_lineage_edges_{name}", table_name="lineage_edges")
        op.create_index(f"ix_lineage_edges_{name}", "lineage_edges", [key, "level"],
                        postgresql_include=[other, "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, key, _other in _ENDS:
        op.drop_index(f"ix_lineage_edges_{name}", table_name="lineage_edges")
        op.create_index(f"ix_lineage_edges_{name}", "lineage_edges", [key, "level"])
