"""Classification storage on both databases: stored sensitivity kept in step with
labels (incremental and per source), filtered and faceted by the catalog, and the
engine settings a scan rule set gets from stored custom types and rules."""

from __future__ import annotations

import uuid
from typing import Any

import racine.persistence.repositories  # noqa: F401 - registers every repository
from racine.domain.access.model import Principal, Role
from racine.domain.catalog.model import Asset, AssetFilter, AssetKind, ColumnClassification
from racine.domain.catalog.search import SearchQuery
from racine.domain.classification.custom import (
    StoredRule,
    StoredType,
    classifier_config,
    custom_rule_ids,
)
from racine.domain.classification.engine import classify_column
from racine.domain.classification.labels import LabelState
from racine.domain.classification.levels import refresh_sensitivity, refresh_source_sensitivity
from racine.domain.classification.types import Sensitivity
from racine.domain.classification.use_cases import (
    SetColumnClassification,
    set_column_classification,
)
from racine.domain.paging import PageRequest
from racine.domain.scanning.model import ScanRuleSet
from racine.persistence.database import Database
from racine.persistence.unit_of_work import SqlUnitOfWork
from racine.realtime import build_bus

STEWARD = Principal(uuid.uuid4(), "steward", Role.STEWARD)
RESTRICTED, CONFIDENTIAL = int(Sensitivity.RESTRICTED), int(Sensitivity.CONFIDENTIAL)


def uow(db: Database) -> Any:
    return SqlUnitOfWork(db, build_bus(None))


def _asset(kind: AssetKind, qualified: str, source: uuid.UUID, parent: Asset | None) -> Asset:
    return Asset(
        kind=kind,
        name=qualified.rsplit(".", 1)[-1],
        qualified_name=qualified,
        source_id=source,
        parent_id=None if parent is None else parent.id,
    )


def _label(column: Asset, key: str, state: str, source: str) -> ColumnClassification:
    return ColumnClassification(column.id, key, state, source, 0.95, {"rules": [f"value:{key}"]})


async def _tree(db: Database, *, new_type: bool = True) -> dict[str, Asset]:
    """src → db → main → customers(email, loyalty) + cards(pan): labels of each kind
    (``new_type``: also store the custom type LOYALTY_ID, once per database)."""
    sid = uuid.uuid4()
    root = Asset(
        kind=AssetKind.DATA_SOURCE, name="src", qualified_name="src", source_id=sid, id=sid
    )
    database = _asset(AssetKind.DATABASE, "src.db", sid, root)
    schema = _asset(AssetKind.SCHEMA, "src.db.main", sid, database)
    customers = _asset(AssetKind.TABLE, "src.db.main.customers", sid, schema)
    cards = _asset(AssetKind.TABLE, "src.db.main.cards", sid, schema)
    email = _asset(AssetKind.COLUMN, "src.db.main.customers.email", sid, customers)
    loyalty = _asset(AssetKind.COLUMN, "src.db.main.customers.loyalty", sid, customers)
    pan = _asset(AssetKind.COLUMN, "src.db.main.cards.pan", sid, cards)
    tree = {a.name: a for a in (root, database, schema, customers, cards, email, loyalty, pan)}
    async with uow(db) as work:
        await work.catalog.save_many(list(tree.values()), [])
        if new_type:
            await work.classification.add_type(
                StoredType("LOYALTY_ID", "Loyalty id", sensitivity=Sensitivity.RESTRICTED)
            )
        await work.catalog.replace_classifications_many(
            {
                email.id: [_label(email, "EMAIL", "SUGGESTED", "RULE")],
                loyalty.id: [_label(loyalty, "LOYALTY_ID", "CONFIRMED", "RULE")],
                pan.id: [_label(pan, "CREDIT_CARD", "REJECTED", "MANUAL")],
            }
        )
        await work.commit()
    return tree


async def _levels(db: Database, tree: dict[str, Asset]) -> dict[str, int | None]:
    async with uow(db) as work:
        found = await work.classification.levels_for([a.id for a in tree.values()])
    return {name: found.get(a.id) for name, a in tree.items()}


async def test_source_levels_roll_up_and_filter_and_facet(db: Database) -> None:
    # Given a source whose labels are a suggestion, a confirmed custom type and a rejection
    tree = await _tree(db)

    # When its sensitivity is computed from scratch
    async with uow(db) as work:
        count = await refresh_source_sensitivity(work, tree["src"].id)
        await work.commit()

    # Then columns take their highest live label (custom types at their own level, a
    # rejection at none) and every container the highest below it
    assert count == 6
    assert await _levels(db, tree) == {
        "src": RESTRICTED,
        "db": RESTRICTED,
        "main": RESTRICTED,
        "customers": RESTRICTED,
        "cards": None,
        "email": CONFIDENTIAL,
        "loyalty": RESTRICTED,
        "pan": None,
    }
    # And the catalog filters and facets on it
    async with uow(db) as work:
        page = await work.catalog.page(
            AssetFilter(sensitivities=(RESTRICTED,)), PageRequest(first=100)
        )
        facets = await work.catalog.facets(SearchQuery(text="", filter=AssetFilter()))
    assert {a.name for a in page.items} == {"src", "db", "main", "customers", "loyalty"}
    counts = {f.value: f.count for f in facets if f.facet == "sensitivity"}
    assert counts == {"RESTRICTED": 5, "CONFIDENTIAL": 1}


async def test_incremental_refresh_follows_steward_and_deletions(db: Database) -> None:
    tree = await _tree(db)
    async with uow(db) as work:
        await refresh_source_sensitivity(work, tree["src"].id)
        await work.commit()

    # When a steward confirms the rejected card type, the column and its table rise
    await set_column_classification(
        uow(db),
        STEWARD,
        SetColumnClassification(
            tree["pan"].id, "CREDIT_CARD", LabelState.CONFIRMED, "checked with the DBA"
        ),
    )
    levels = await _levels(db, tree)
    assert (levels["pan"], levels["cards"]) == (RESTRICTED, RESTRICTED)

    # When the restricted column of the other table disappears, its table falls back
    # to its remaining column; the schema stays restricted through the card table
    async with uow(db) as work:
        loyalty = tree["loyalty"]
        loyalty.deleted_at = loyalty.updated_at
        await work.catalog.save(loyalty)
        await refresh_sensitivity(work, [loyalty.id])
        await work.commit()
    levels = await _levels(db, tree)
    assert (levels["loyalty"], levels["customers"]) == (None, CONFIDENTIAL)
    assert (levels["main"], levels["src"]) == (RESTRICTED, RESTRICTED)


async def test_classifier_config_holds_global_and_own_rules_in_stable_order(db: Database) -> None:
    mine, other = ScanRuleSet(name="mine"), ScanRuleSet(name="other", min_match_ratio=0.5)
    first = StoredRule("EMPLOYEE_ID", value_pattern=r"EMP-\d{6}")
    second = StoredRule("EMPLOYEE_ID", name_pattern="badge", rule_set_id=mine.id)
    foreign = StoredRule("EMPLOYEE_ID", name_pattern="staff", rule_set_id=other.id)
    async with uow(db) as work:
        await work.classification.add_type(StoredType("EMPLOYEE_ID", "Employee id"))
        for rule in (first, second, foreign):
            await work.classification.add_rule(rule)
        await work.commit()

    async with uow(db) as work:
        config = await classifier_config(work, mine)
        ids = await custom_rule_ids(work, mine)
        default_config = await classifier_config(work, ScanRuleSet.default())

    assert ids == [first.id, second.id]
    assert [t.key for t in config.custom_types] == ["EMPLOYEE_ID"]
    assert [r.name_pattern for r in config.custom_rules] == [None, "badge"]
    assert len(default_config.custom_rules) == 1  # only the global rule
    verdict = classify_column("staff_code", [f"EMP-{i:06d}" for i in range(40)], config)
    assert verdict.top is not None and verdict.top.type_key == "EMPLOYEE_ID"
    assert verdict.top.evidence["rules"] == ["custom:0"]


async def test_a_source_refresh_replaces_its_own_levels_only(db: Database) -> None:
    # Given two sources, both refreshed
    first, second = await _tree(db), await _tree(db, new_type=False)
    async with uow(db) as work:
        await refresh_source_sensitivity(work, first["src"].id)
        await refresh_source_sensitivity(work, second["src"].id)
        await work.commit()
    before = await _levels(db, second)

    # When the first loses its labels and only it is refreshed
    async with uow(db) as work:
        await work.catalog.replace_classifications_many(
            {first[n].id: [] for n in ("email", "loyalty", "pan")}
        )
        count = await refresh_source_sensitivity(work, first["src"].id)
        await work.commit()

    # Then its stale levels are gone, its root's included, and the other source's stay
    assert count == 0
    assert set((await _levels(db, first)).values()) == {None}
    assert await _levels(db, second) == before
