"""Re-evaluations against a real metadata database (SQLite and PostgreSQL):
bulk first runs, summarised alerts, refreshed, resolved and reopened findings."""

from __future__ import annotations

from typing import Any

import pytest

from racine.domain.compliance.custom import SaveRule, create_rule
from racine.domain.compliance.evaluation import run_evaluation
from racine.domain.compliance.findings import SetFindingStatus, set_finding_status
from racine.domain.compliance.model import (
    EvaluationRun,
    FindingFilter,
    FindingStatus,
    evidence_digest,
    evidence_text,
    finding_fingerprint,
)
from racine.domain.compliance.rules import Severity
from racine.domain.events import Channels
from racine.domain.incidents.alerts import MAX_ALERTS_PER_KIND
from racine.domain.paging import PageRequest

pytestmark = pytest.mark.usefixtures("dialect")

COLUMNS = 150


async def evaluate(env: Any, *frameworks: str) -> Any:
    run = EvaluationRun(frameworks=list(frameworks), source_ids=None)
    async with env.uow() as uow:
        await uow.compliance.add_run(run)
        await uow.commit()
    return await run_evaluation(env.uow, run.id)


def alerts(env: Any, kind: str) -> list[dict[str, Any]]:
    return [e.payload for e in env.bus.events if e.channel == Channels.ALERTS and e.type == kind]


async def custom_findings(env: Any) -> Any:
    async with env.uow() as uow:
        return await uow.compliance.findings_page(
            FindingFilter(framework="CUSTOM"), PageRequest(first=100)
        )


async def test_a_large_first_evaluation_is_written_in_bulk_and_its_alerts_summarised(
    env, shop, catalog_builder
) -> None:
    # Given 150 more columns and a CRITICAL rule every column fails
    await catalog_builder(
        env, shop.source_id, "bulk", {"wide": {f"c{i}": ("TEXT", []) for i in range(COLUMNS)}}
    )
    await create_rule(
        env.uow(),
        env.admin,
        SaveRule(
            {
                "scope": {"kinds": ["COLUMN"]},
                "conditions": [{"op": "has_tag", "any_of": ["approved"]}],
            },
            key="columns-approved",
            title="Columns are approved",
            severity=Severity.CRITICAL,
        ),
    )
    # When it is evaluated for the first time
    first = await evaluate(env, "CUSTOM")
    new = first.run.counts["new"]
    assert new == first.run.counts["violations"] >= COLUMNS + 7
    # Then every finding is stored with its identity and evidence
    page = await custom_findings(env)
    assert page.total_count == new
    f = page.items[0]
    assert f.status is FindingStatus.OPEN and f.evidence["failed"][0]["op"] == "has_tag"
    assert f.fingerprint == finding_fingerprint(*f.key)
    # ... each new CRITICAL finding opened an incident
    async with env.uow() as uow:
        incidents = await uow.incidents.page(["TRIAGE"], PageRequest(first=1))
    assert incidents.total_count == new
    # ... and alerts were raised for the 100 most severe of each kind plus one summary
    for kind in ("FINDING_NEW", "INCIDENT_OPENED"):
        raised = alerts(env, kind)
        assert len(raised) == MAX_ALERTS_PER_KIND + 1
        summary = raised[-1]
        assert summary["details"]["omitted"] == new - MAX_ALERTS_PER_KIND
        assert summary["details"]["bySeverity"] == {"CRITICAL": new - MAX_ALERTS_PER_KIND}
    assert alerts(env, "FINDING_NEW")[-1]["details"]["evaluation"] == str(first.run.id)
    # When the unchanged catalog is evaluated again
    env.bus.events.clear()
    second = await evaluate(env, "CUSTOM")
    # Then nothing is new, nothing is resolved, no alert is raised, no incident added
    assert second.run.counts["new"] == 0 and second.run.counts["resolved"] == 0
    assert not alerts(env, "FINDING_NEW") and not alerts(env, "INCIDENT_OPENED")
    async with env.uow() as uow:
        assert (await uow.incidents.page([], PageRequest(first=1))).total_count == new
    assert (await custom_findings(env)).total_count == new


async def test_changed_evidence_is_rewritten_resolved_findings_reopen(env, shop) -> None:
    card = shop.ids["payments.card_number"]
    await create_rule(
        env.uow(),
        env.admin,
        SaveRule(
            {
                "scope": {"kinds": ["COLUMN"], "classification_types": ["CREDIT_CARD"]},
                "conditions": [{"op": "has_tag", "any_of": ["masked"]}],
            },
            key="card-masked",
            title="Cards are masked",
            severity=Severity.HIGH,
        ),
    )

    async def tag(*tags: str) -> None:
        async with env.uow() as uow:
            await uow.catalog.set_tags(card, list(tags))
            await uow.commit()

    async def finding() -> Any:
        (only,) = (await custom_findings(env)).items
        return only

    # Given an open finding on the card column
    assert (await evaluate(env, "CUSTOM")).run.counts["new"] == 1
    before = await finding()
    assert before.evidence["tags"] == []
    # When its evidence changes (a tag that does not satisfy the rule)
    await tag("pii")
    outcome = await evaluate(env, "CUSTOM")
    # Then the same finding is rewritten: new evidence and digest, first seen kept
    after = await finding()
    assert outcome.run.counts == {**outcome.run.counts, "new": 0, "resolved": 0, "reopened": 0}
    assert after.id == before.id and after.status is FindingStatus.OPEN
    assert after.evidence["tags"] == ["pii"]
    assert after.digest == evidence_digest("HIGH", evidence_text(after.evidence))
    assert after.first_seen == before.first_seen and after.last_seen > before.first_seen
    # ... and a steward's decision survives a rewrite
    await set_finding_status(
        env.uow(),
        env.admin,
        SetFindingStatus(after.id, FindingStatus.ACCEPTED_RISK, "tokenised upstream"),
    )
    await tag("pii", "vaulted")
    await evaluate(env, "CUSTOM")
    decided = await finding()
    assert decided.status is FindingStatus.ACCEPTED_RISK
    assert decided.evidence["tags"] == ["pii", "vaulted"]
    # When the column is masked, the finding is resolved
    await tag("masked")
    assert (await evaluate(env, "CUSTOM")).run.counts["resolved"] == 1
    assert (await finding()).status is FindingStatus.RESOLVED
    # When the mask goes away again, the same finding reopens and is announced
    env.bus.events.clear()
    await tag()
    again = await evaluate(env, "CUSTOM")
    reopened = await finding()
    assert again.run.counts["reopened"] == 1 and again.run.counts["new"] == 0
    assert reopened.id == before.id and reopened.status is FindingStatus.OPEN
    assert reopened.status_reason == "reproduced" and reopened.evidence["tags"] == []
    assert [a["subjectId"] for a in alerts(env, "FINDING_NEW")] == [str(before.id)]


async def test_evaluation_runs_off_the_loop_and_a_second_run_reproduces_every_finding(
    env, shop, no_loop_block
) -> None:
    # Given the shop evaluated (in a worker thread), without stalling the loop
    run = EvaluationRun(frameworks=["PCI_DSS", "GDPR"], source_ids=None)
    async with env.uow() as uow:
        await uow.compliance.add_run(run)
        await uow.commit()
    first, stall = await no_loop_block(run_evaluation(env.uow, run.id))
    assert stall < 0.5
    # When the same frameworks are evaluated again
    again = EvaluationRun(frameworks=["PCI_DSS", "GDPR"], source_ids=None)
    async with env.uow() as uow:
        await uow.compliance.add_run(again)
        await uow.commit()
    second = await run_evaluation(env.uow, again.id)
    # Then it reproduces every finding and changes nothing
    assert first.run.counts["new"] > 0
    assert second.run.counts == {**first.run.counts, "new": 0}
