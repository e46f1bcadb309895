"""glossary term names unique per parent in any case; custom rule keys unique

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 12:40:00.000000

Both were unique by a check in their use case only, so two creates at once could
store one name (or key) twice.

* ``glossary_terms.name_key``: the name lowered by the application (Python's
  ``str.lower``, as ``GlossaryRepository`` computes it; copied here: a migration must
  not change when the code does), uniquely indexed with ``parent_id``. A unique
  index takes NULLs as distinct, so top-level terms (no parent) get a partial unique
  index on ``name_key`` alone, where ``parent_id IS NULL`` (both databases have
  partial indexes). No SQL ``lower()`` is involved: the app replaces SQLite's per
  connection, and PostgreSQL's folds some letters otherwise.
* ``compliance_rules``: unique ``(key, version)``. A rule's versions share its key
  and every rule has a version 1, so that is one rule per key.

Existing duplicates are renamed, never deleted: the oldest term (by ``created_at``,
then id) keeps its name among siblings of one name in any case, the others become
``Name (2)``, ``Name (3)``… (the first such name free among the siblings, cut to 200
characters); the oldest rule keeps its key, the others (every version) become
``key-2``, ``key-3``… (cut to 64). The downgrade drops the keys and keeps the names.
"""
from collections import defaultdict
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROOT_WHERE = sa.text('parent_id IS NULL')


def _name_key(name: str) -> str:  # racine.persistence.repositories.glossary.name_key
    return name.lower()


def _free(base: str, limit: int, suffix: Callable[[int], str], taken: set[str],
          key: Callable[[str], str]) -> str:
    """``base`` with the first suffix (from 2) that makes a value not ``taken``."""
    n = 2
    while True:
        end = suffix(n)
        candidate = base[:limit - len(end)] + end
        if key(candidate) not in taken:
            taken.add(key(candidate))
            return candidate
        n += 1


def _glossary() -> None:
    terms = sa.table(
        'glossary_terms',
        sa.column('id', sa.Uuid()), sa.column('name', sa.String()),
        sa.column('parent_id', sa.Uuid()), sa.column('created_at', sa.String()),
        sa.column('name_key', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(terms.c.id, terms.c.name, terms.c.parent_id)
                        .order_by(terms.c.created_at, terms.c.id)).all()
    taken: dict[object, set[str]] = defaultdict(set)
    for row in rows:
        taken[row.parent_id].add(_name_key(row.name))
    kept: set[tuple[object, str]] = set()
    params = []
    for row in rows:
        name, key = row.name, _name_key(row.name)
        if (row.parent_id, key) in kept:
            name = _free(row.name, 200, lambda n: f' ({n})', taken[row.parent_id], _name_key)
            key = _name_key(name)
        kept.add((row.parent_id, key))
        params.append({'b_id': row.id, 'b_name': name, 'b_key': key})
    statement = (sa.update(terms).where(terms.c.id == sa.bindparam('b_id'))
                 .values(name=sa.bindparam('b_name'), name_key=sa.bindparam('b_key')))
    for i in range(0, len(params), 1000):
        bind.execute(statement, params[i:i + 1000])


def _rule_keys() -> None:
    rules = sa.table(
        'compliance_rules',
        sa.column('rule_id', sa.Uuid()), sa.column('key', sa.String()),
        sa.column('created_at', sa.String()),
    )
    bind = op.get_bind()
    first = sa.func.min(rules.c.created_at)
    found = bind.execute(sa.select(rules.c.rule_id, rules.c.key)
                         .group_by(rules.c.rule_id, rules.c.key)
                         .order_by(first, rules.c.rule_id)).all()
    taken = {r.key for r in found}
    kept: set[str] = set()
    for rule_id, key in found:
        if key not in kept:
            kept.add(key)
            continue
        new = _free(key, 64, lambda n: f'-{n}', taken, lambda k: k)
        bind.execute(sa.update(rules).where(rules.c.rule_id == rule_id).values(key=new))


def upgrade() -> None:
    with op.batch_alter_table('glossary_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=400), nullable=True))
    _glossary()
    with op.batch_alter_table('glossary_terms', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=400), nullable=False)
        batch_op.create_index('uq_glossary_terms_parent_name_key', ['parent_id', 'name_key'],
                              unique=True)
        batch_op.create_index('uq_glossary_terms_root_name_key', ['name_key'], unique=True,
                              sqlite_where=_ROOT_WHERE, postgresql_where=_ROOT_WHERE)
    _rule_keys()
    with op.batch_alter_table('compliance_rules', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_compliance_rules_key_version', ['key', 'version'])


def downgrade() -> None:
    with op.batch_alter_table('compliance_rules', schema=None) as batch_op:
        batch_op.drop_constraint('uq_compliance_rules_key_version', type_='unique')
    with op.batch_alter_table('glossary_terms', schema=None) as batch_op:
        batch_op.drop_index('uq_glossary_terms_root_name_key')
        batch_op.drop_index('uq_glossary_terms_parent_name_key')
        batch_op.drop_column('name_key')
