"""Evaluations against a real metadata database (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from racine.domain.compliance.custom import SaveRule, create_rule, update_rule
from racine.domain.compliance.evaluation import run_evaluation
from racine.domain.compliance.findings import (
    SetFindingStatus,
    compliance_report,
    set_finding_status,
)
from racine.domain.compliance.model import EvaluationRun, FindingFilter, FindingStatus
from racine.domain.errors import Conflict, ValidationFailed
from racine.domain.events import Channels
from racine.domain.incidents.model import CauseKind, IncidentStage
from racine.domain.paging import PageRequest

pytestmark = pytest.mark.usefixtures("dialect")


async def evaluate(env: Any, *frameworks: str, sources: list[Any] | None = None) -> Any:
    run = EvaluationRun(frameworks=list(frameworks), source_ids=sources)
    async with env.uow() as uow:
        await uow.compliance.add_run(run)
        await uow.commit()
    return await run_evaluation(env.uow, run.id)


async def pci_findings(env: Any) -> dict[str, Any]:
    async with env.uow() as uow:
        page = await uow.compliance.findings_page(
            FindingFilter(framework="PCI_DSS"), PageRequest(first=100)
        )
    return {f"{f.control_id}/{f.check_id}:{f.asset_name.split('.', 1)[1]}": f for f in page.items}


async def test_evaluation_stores_findings_and_steward_decisions_move_the_score(env, shop) -> None:
    # When PCI-DSS is evaluated over a catalog with an unmasked card column
    outcome = await evaluate(env, "PCI_DSS")
    assert outcome.run.state == "SUCCEEDED"
    found = await pci_findings(env)
    pan = found["3.4/pan-masked:main.payments.card_number"]
    # Then the finding carries its evidence
    assert pan.status is FindingStatus.OPEN and pan.severity.value == "CRITICAL"
    assert pan.evidence["labels"] == ["CREDIT_CARD"]
    assert pan.evidence["failed"][0]["op"] == "any_of"
    assert pan.first_seen == pan.last_seen
    # ... a live alert and an incident (CRITICAL) came with it
    kinds = [e.type for e in env.bus.events if e.channel == Channels.ALERTS]
    assert "FINDING_NEW" in kinds and "INCIDENT_OPENED" in kinds
    async with env.uow() as uow:
        incident = (await uow.incidents.open_for_causes(CauseKind.FINDING, [pan.id]))[pan.id]
    report = await compliance_report(env.uow(), env.admin, "PCI_DSS")
    before = report.score.total.score
    assert report.score.controls["3.4"].failing == 1
    assert report.score.sources[str(shop.source_id)].evaluated > 0
    # When a steward accepts the risk
    await set_finding_status(
        env.uow(),
        env.admin,
        SetFindingStatus(
            pan.id, FindingStatus.ACCEPTED_RISK, "compensating control: vault tokenisation"
        ),
    )
    after = await compliance_report(env.uow(), env.admin, "PCI_DSS")
    # Then the score rises and the incident is fixed
    assert after.score.total.score > before
    async with env.uow() as uow:
        fixed = await uow.incidents.get(incident.id)
    assert fixed.stage is IncidentStage.FIXED
    # When the column gets masked and PCI-DSS is evaluated again
    async with env.uow() as uow:
        await uow.catalog.set_tags(shop.ids["payments.card_number"], ["masked"])
        await uow.commit()
    second = await evaluate(env, "PCI_DSS")
    # Then the masking finding is resolved automatically; history holds both runs
    again = await pci_findings(env)
    assert again["3.4/pan-masked:main.payments.card_number"].status is FindingStatus.RESOLVED
    kept = again["7.1/pan-access:main.payments"]  # still failing: seen again, not rewritten
    assert kept.status is FindingStatus.OPEN and kept.last_seen > kept.first_seen
    assert second.run.counts["resolved"] >= 1
    history = await compliance_report(env.uow(), env.admin, "PCI_DSS")
    assert [r.id for r in history.history][:2] == [second.run.id, outcome.run.id]
    assert history.history[1].scores["PCI_DSS"]["score"] == before


async def test_scoped_evaluation_leaves_other_sources_alone(env, shop) -> None:
    await evaluate(env, "GDPR")
    outcome = await evaluate(env, "GDPR", sources=[shop.source_id])
    assert outcome.run.counts["new"] == 0 and outcome.run.counts["resolved"] == 0


async def test_facts_load_in_a_constant_number_of_queries(env, shop) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(env.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with env.uow() as uow:
            facts = await uow.compliance.load_facts()
    finally:
        event.remove(env.db.engine.sync_engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 6
    assert len(facts.assets) >= 10 and facts.labels


async def test_custom_rules_are_validated_and_versioned(env, shop) -> None:
    definition = {
        "scope": {"kinds": ["COLUMN"], "classification_types": ["EMAIL"]},
        "conditions": [{"op": "has_tag", "any_of": ["hashed"]}],
    }
    rule = await create_rule(
        env.uow(), env.admin, SaveRule(definition, key="email-hashed", title="Emails are hashed")
    )
    with pytest.raises(Conflict):
        await create_rule(
            env.uow(), env.admin, SaveRule(definition, key="email-hashed", title="again")
        )
    with pytest.raises(ValidationFailed, match="NOPE"):
        await update_rule(
            env.uow(),
            env.admin,
            SaveRule(
                {"scope": {}, "conditions": [{"op": "has_classification", "types": ["NOPE"]}]},
                rule_id=rule.rule_id,
            ),
        )
    v2 = await update_rule(
        env.uow(),
        env.admin,
        SaveRule(
            {**definition, "conditions": [{"op": "has_tag", "any_of": ["hashed", "masked"]}]},
            rule_id=rule.rule_id,
        ),
    )
    assert v2.version == 2 and v2.rule_id == rule.rule_id
    outcome = await evaluate(env, "CUSTOM")
    assert outcome.run.counts["new"] == 1  # employees.email lacks the tag
    async with env.uow() as uow:
        versions = await uow.compliance.rule_versions(rule.rule_id)
    assert [v.version for v in versions] == [2, 1]
