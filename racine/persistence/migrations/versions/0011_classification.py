"""classification: custom types and rules, stored asset sensitivity

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-22 14:43:08.261797
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import racine.persistence.tables.base

revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('classification_rules',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type_key', sa.String(length=64), nullable=False),
    sa.Column('rule_set_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('name_pattern', sa.Text(), nullable=True),
    sa.Column('value_pattern', sa.Text(), nullable=True),
    sa.Column('dictionary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('min_match_ratio', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('case_sensitive', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', racine.persistence.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', racine.persistence.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classification_rules'))
    )
    with op.batch_alter_table('classification_rules', schema=None) as batch_op:
        batch_op.create_index('ix_classification_rules_rule_set', ['rule_set_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_classification_rules_type_key'), ['type_key'], unique=False)

    op.create_table('classification_types',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('sensitivity', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', racine.persistence.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', racine.persistence.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_classification_types'))
    )
    op.create_table('asset_sensitivity',
    sa.Column('asset_id', sa.Uuid(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('updated_at', racine.persistence.tables.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_sensitivity_asset_id_assets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('asset_id', name=op.f('pk_asset_sensitivity'))
    )
    with op.batch_alter_table('asset_sensitivity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_sensitivity_level'), ['level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('asset_sensitivity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_sensitivity_level'))
    op.drop_table('asset_sensitivity')
    op.drop_table('classification_types')
    with op.batch_alter_table('classification_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classification_rules_type_key'))
        batch_op.drop_index('ix_classification_rules_rule_set')
    op.drop_table('classification_rules')
