"""compliance findings: fingerprint (one unique key) and evidence digest

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 17:10:00.000000

A finding's identity (framework, control, check, asset) becomes one uniquely
indexed ``fingerprint`` column, replacing the four-column unique constraint;
``evidence_digest`` lets a re-evaluation tell whether a finding changed
without reading its evidence back. Existing rows are backfilled with the same
functions as ``racine.domain.compliance.model`` (copied here: a migration must
not change when the code does).
"""
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fingerprint(framework: str, control_id: str, check_id: str, asset_id: Any) -> str:
    raw = f"{framework}\x1f{control_id}\x1f{check_id}\x1f{asset_id}".encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _digest(severity: str, evidence: Any) -> str:
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    text = json.dumps(evidence or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(f"{severity}\x1f{text}".encode(), digest_size=16).hexdigest()


def _backfill() -> None:
    findings = sa.table(
        'compliance_findings',
        sa.column('id', sa.Uuid()), sa.column('framework', sa.String()),
        sa.column('control_id', sa.String()), sa.column('check_id', sa.String()),
        sa.column('asset_id', sa.Uuid()), sa.column('severity', sa.String()),
        sa.column('evidence', sa.JSON()), sa.column('fingerprint', sa.String()),
        sa.column('evidence_digest', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(
        findings.c.id, findings.c.framework, findings.c.control_id, findings.c.check_id,
        findings.c.asset_id, findings.c.severity, findings.c.evidence)).all()
    if not rows:
        return
    statement = (sa.update(findings).where(findings.c.id == sa.bindparam('b_id'))
                 .values(fingerprint=sa.bindparam('b_fp'),
                         evidence_digest=sa.bindparam('b_digest')))
    params = [{'b_id': r.id, 'b_fp': _fingerprint(r.framework, r.control_id, r.check_id,
                                                   r.asset_id),
               'b_digest': _digest(r.severity, r.evidence)} for r in rows]
    for i in range(0, len(params), 1000):
        bind.execute(statement, params[i:i + 1000])


def upgrade() -> None:
    with op.batch_alter_table('compliance_findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('evidence_digest', sa.String(length=32), nullable=True))
    _backfill()
    with op.batch_alter_table('compliance_findings', schema=None) as batch_op:
        batch_op.alter_column('fingerprint', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint('uq_compliance_findings_identity', type_='unique')
        batch_op.create_unique_constraint('uq_compliance_findings_fingerprint', ['fingerprint'])


def downgrade() -> None:
    with op.batch_alter_table('compliance_findings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_compliance_findings_fingerprint', type_='unique')
        batch_op.create_unique_constraint(
            'uq_compliance_findings_identity', ['framework', 'control_id', 'check_id', 'asset_id'])
        batch_op.drop_column('evidence_digest')
        batch_op.drop_column('fingerprint')
