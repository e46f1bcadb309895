"""column profiles kept as written on PostgreSQL (json, not jsonb)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 02:00:00.000000

A re-scan compares each column's fresh profile with the stored one by their JSON
text first (an unchanged profile is then one string comparison, not two decodes).
SQLite keeps the text a scan wrote; PostgreSQL's ``jsonb`` stores a parsed form and
gives back its own layout (key order, spacing), so on PostgreSQL the texts never
matched and every stored profile was decoded again. ``json`` keeps the text as
written. Nothing queries inside a profile, so jsonb's operators and indexes are
not needed there. On PostgreSQL the type change rewrites ``assets`` once, holding
an exclusive lock on it for as long as that takes: upgrade while no scan
runs. The downgrade converts back to ``jsonb``. SQLite: nothing to do.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE assets ALTER COLUMN profile TYPE json USING profile::json')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE assets ALTER COLUMN profile TYPE jsonb USING profile::jsonb')
