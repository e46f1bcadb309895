"""compliance findings: deleted with their asset by trigger, not foreign key; evidence as json

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 20:10:00.000000

The foreign key from ``compliance_findings.asset_id`` to ``assets`` checked every
new finding (a first evaluation of 100,000 columns writes 22,566: ~0.17 s of the
database's time, measured, after the last row was sent). What it gave is kept:

* deleting assets deletes their findings — an ``AFTER DELETE`` trigger on
  ``assets`` (per statement with the deleted rows on PostgreSQL, per row on
  SQLite; cascaded deletes, e.g. of a data source's assets, fire it too);
* no finding outlives its asset when an evaluation and a deletion overlap — on
  PostgreSQL the trigger first takes the evaluations' advisory lock (the key of
  ``ComplianceRepository.lock_evaluations``, copied here): a deletion waits for
  a running evaluation to commit, then deletes what it wrote; an evaluation
  reads the catalog only once it holds that lock. SQLite has one writer at a time.

``ix_compliance_findings_asset_id`` stays (the trigger's lookup, findings by asset).

On PostgreSQL ``evidence`` becomes ``json`` (was ``jsonb``): the evaluator writes
it as canonical JSON text and reads it back whole, never queries into it; ``json``
keeps that text as written instead of parsing it into a tree (measured: 0.33 s →
0.26 s of the database's time for 22,566 new findings).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = 'fk_compliance_findings_asset_id_assets'
_TRIGGER = 'trg_assets_delete_compliance_findings'
_FUNCTION = 'racine_assets_delete_compliance_findings'
_EVAL_LOCK = 0x72616369  # racine.persistence.repositories.compliance._EVAL_LOCK

_PG_FUNCTION = f"""
CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({_EVAL_LOCK});
    DELETE FROM compliance_findings f USING deleted_assets d WHERE f.asset_id = d.id;
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = f"""
CREATE TRIGGER {_TRIGGER} AFTER DELETE ON assets
REFERENCING OLD TABLE AS deleted_assets
FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()
"""
_SQLITE_TRIGGER = f"""
CREATE TRIGGER {_TRIGGER} AFTER DELETE ON assets FOR EACH ROW
BEGIN
    DELETE FROM compliance_findings WHERE asset_id = OLD.id;
END
"""


def upgrade() -> None:
    with op.batch_alter_table('compliance_findings', schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_='foreignkey')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        op.execute('ALTER TABLE compliance_findings ALTER COLUMN evidence TYPE json '
                   'USING evidence::json')
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute(f'DROP TRIGGER IF EXISTS {_TRIGGER}' + (
        ' ON assets' if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP FUNCTION IF EXISTS {_FUNCTION}()')
        op.execute('ALTER TABLE compliance_findings ALTER COLUMN evidence TYPE jsonb '
                   'USING evidence::jsonb')
    op.execute('DELETE FROM compliance_findings WHERE asset_id NOT IN (SELECT id FROM assets)')
    with op.batch_alter_table('compliance_findings', schema=None) as batch_op:
        batch_op.create_foreign_key(_FK, 'assets', ['asset_id'], ['id'], ondelete='CASCADE')
