"""one pending invitation per user and workspace

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 18:40:00.000000

``invite_member`` refused a second invitation of a user to a workspace by a check
only, so two invitations sent at once (two owners, a double submit) were both
stored. A partial unique index on ``(workspace_id, user_id)`` where ``state =
'PENDING'`` (both databases have partial indexes) now holds one; accepted
invitations stay as they are, so a user who left can be invited again.

Existing duplicates: the oldest pending invitation (by ``created_at``, then id) is
kept, the later ones are deleted (their notifications stay, and accepting one of
them answers NOT_FOUND, as for any withdrawn invitation). The downgrade drops the
index.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("state = 'PENDING'")


def _drop_duplicates() -> None:
    invitations = sa.table(
        'collab_invitations',
        sa.column('id', sa.Uuid()), sa.column('workspace_id', sa.Uuid()),
        sa.column('user_id', sa.Uuid()), sa.column('state', sa.String()),
        sa.column('created_at', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(invitations.c.id, invitations.c.workspace_id, invitations.c.user_id)
        .where(invitations.c.state == 'PENDING')
        .order_by(invitations.c.created_at, invitations.c.id)
    ).all()
    kept: set[tuple[object, object]] = set()
    extra = []
    for row in rows:
        pair = (row.workspace_id, row.user_id)
        if pair in kept:
            extra.append(row.id)
        kept.add(pair)
    for i in range(0, len(extra), 500):
        bind.execute(sa.delete(invitations).where(invitations.c.id.in_(extra[i:i + 500])))


def upgrade() -> None:
    _drop_duplicates()
    with op.batch_alter_table('collab_invitations', schema=None) as batch_op:
        batch_op.create_index('uq_collab_invitations_pending', ['workspace_id', 'user_id'],
                              unique=True, sqlite_where=_PENDING, postgresql_where=_PENDING)


def downgrade() -> None:
    with op.batch_alter_table('collab_invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_collab_invitations_pending')
