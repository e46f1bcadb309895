"""An asset's findings are deleted with it (a trigger on ``assets``, migration 0014,
in place of the foreign key), on SQLite and PostgreSQL, also when the deletion
overlaps an evaluation that is writing findings for that asset."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from racine.domain.compliance.evaluation import run_evaluation
from racine.domain.compliance.model import EvaluationRun, Finding
from racine.domain.compliance.rules import Severity
from racine.persistence.tables.compliance import FindingRow

pytestmark = pytest.mark.usefixtures("dialect")


async def findings_of(env: Any, asset_ids: list[uuid.UUID]) -> int:
    async with env.uow() as uow:
        return int(
            await uow.session.scalar(
                select(func.count())
                .select_from(FindingRow)
                .where(FindingRow.asset_id.in_(asset_ids))
            )
        )


async def test_deleting_a_sources_assets_deletes_their_findings(env, shop) -> None:
    # Given findings on the shop's card column and tables
    run = EvaluationRun(frameworks=["PCI_DSS", "GDPR"], source_ids=None)
    async with env.uow() as uow:
        await uow.compliance.add_run(run)
        await uow.commit()
    outcome = await run_evaluation(env.uow, run.id)
    assert outcome.run.counts["new"] > 0
    ids = list(shop.ids.values())
    assert await findings_of(env, ids) == outcome.run.counts["new"]
    # When the source's assets are hard-deleted
    async with env.uow() as uow:
        await uow.catalog.delete_source_assets(shop.source_id)
        await uow.commit()
    # Then their findings are gone too, and a re-evaluation finds nothing to resolve
    assert await findings_of(env, ids) == 0
    again = EvaluationRun(frameworks=["PCI_DSS", "GDPR"], source_ids=None)
    async with env.uow() as uow:
        await uow.compliance.add_run(again)
        await uow.commit()
    second = await run_evaluation(env.uow, again.id)
    assert second.run.counts["new"] == 0 and second.run.counts["resolved"] == 0


async def test_a_deletion_during_an_evaluation_takes_the_findings_it_wrote(
    env, shop, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: the deletion cannot overlap the evaluation")
    card = shop.ids["payments.card_number"]
    async with env.uow() as writer:
        # Given an evaluation holding the evaluations' lock, writing a finding for a
        # column (not committed yet)
        await writer.compliance.lock_evaluations(uuid.uuid4())
        await writer.compliance.add_findings(
            [
                [
                    Finding(
                        framework="PCI_DSS",
                        control_id="3.4",
                        check_id="pan-masked",
                        asset_id=card,
                        severity=Severity.CRITICAL,
                        asset_name="shop.main.payments.card_number",
                        source_id=shop.source_id,
                        evidence_json="{}",
                    )
                ]
            ]
        )

        # When another transaction deletes the column's source assets meanwhile
        async def delete() -> None:
            async with env.uow() as other:
                await other.catalog.delete_source_assets(shop.source_id)
                await other.commit()

        deletion = asyncio.create_task(delete())
        # ... it waits for the evaluation's lock (seen in pg_locks, not timed)
        for _ in range(1000):
            async with env.uow() as probe:
                waiting = await probe.session.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    )
                )
            if waiting or deletion.done():
                break
            await asyncio.sleep(0.01)
        assert not deletion.done()
        await writer.commit()
    await deletion
    # Then the finding written meanwhile went with its asset
    assert await findings_of(env, [card]) == 0


async def test_new_finding_ids_are_random_version_4_uuids(env) -> None:
    async with env.uow() as uow:
        ids = uow.compliance.new_ids(500)
    assert len(set(ids)) == 500
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
    assert all(i.variant == uuid.RFC_4122 for i in ids)
    assert {str(i) for i in ids} == {str(uuid.UUID(str(i))) for i in ids}
