"""Resolvers of the data-quality area."""

from __future__ import annotations

import uuid
from typing import Any, cast

from strawberry.types import Info

from racine.domain.access.model import Role
from racine.domain.errors import NotFound
from racine.domain.incidents.ports import IncidentsUnitOfWork
from racine.domain.paging import PageRequest
from racine.domain.quality import score as scores
from racine.domain.quality import use_cases as cases
from racine.domain.quality.model import AssertionKind
from racine.domain.quality.runner import QuerySource
from racine.domain.quality.sources import source_opener
from racine.domain.scanning.credentials import CredentialCipher
from racine.schema import compliance as cgql
from racine.schema import quality as gql
from racine.schema.errors import run_mutation
from racine.schema.relay import Connection, connection_from_page, decode_id

__all__ = [
    "create_quality_assertion",
    "quality_assertions",
    "quality_score",
    "resolve_assertion",
    "results",
    "run_quality_assertion",
]

STATEMENT_TIMEOUT_S = 30.0


def _uow(info: Info) -> IncidentsUnitOfWork:
    return cast(IncidentsUnitOfWork, info.context.uow())


def _opener(info: Info) -> cases.SourceOpener:
    factory = info.context.services.extras.get("connectors")
    if factory is None:
        from racine.connectors import connector_for as factory

    def connect(url: str) -> QuerySource:
        return cast(QuerySource, factory(url, statement_timeout_s=STATEMENT_TIMEOUT_S))

    cipher = CredentialCipher(info.context.services.settings.secret())
    return source_opener(info.context.services.uow_factory, cipher, connect)


async def quality_assertions(
    info: Info, asset_id: str | None, first: int, after: str | None
) -> Connection[gql.QualityAssertion]:
    info.context.actor.require(Role.VIEWER)
    request = PageRequest(first=first, after=after)
    ident = None if asset_id is None else decode_id(asset_id, "Asset", field="assetId")
    async with _uow(info) as uow:
        page = await uow.quality.page(ident, request)
    return connection_from_page(page, gql.QualityAssertion.from_domain)


async def resolve_assertion(info: Info, raw_id: str) -> gql.QualityAssertion | None:
    info.context.actor.require(Role.VIEWER)
    async with _uow(info) as uow:
        found = await uow.quality.get(uuid.UUID(raw_id))
    return None if found is None else gql.QualityAssertion.from_domain(found)


async def results(
    info: Info, raw_id: str, first: int, after: str | None
) -> Connection[gql.QualityResult]:
    page = await cases.assertion_results(
        _uow(info), info.context.actor, uuid.UUID(raw_id), PageRequest(first=first, after=after)
    )
    return connection_from_page(page, gql.QualityResult.from_domain)


async def quality_score(info: Info, asset_id: str) -> gql.QualityScore:
    found = await scores.quality_score(
        _uow(info), info.context.actor, decode_id(asset_id, "Asset", field="assetId")
    )
    return gql.QualityScore.from_domain(found)


async def create_quality_assertion(
    info: Info, input: gql.CreateQualityAssertionInput
) -> gql.CreateQualityAssertionPayload:
    async def action() -> dict[str, Any]:
        cmd = cases.CreateAssertion(
            asset_id=decode_id(input.asset_id, "Asset", field="assetId"),
            kind=AssertionKind(input.kind.value),
            params=cgql.as_json(input.params),
            severity=input.severity.value,
            description=input.description,
            schedule=input.schedule,
        )
        assertion = await cases.create_assertion(_uow(info), info.context.actor, cmd)
        return {"assertion": gql.QualityAssertion.from_domain(assertion)}

    return await run_mutation(info, gql.CreateQualityAssertionPayload, action)


async def run_quality_assertion(
    info: Info, input: gql.RunQualityAssertionInput
) -> gql.RunQualityAssertionPayload:
    async def action() -> dict[str, Any]:
        from racine.notifications.jobs import dispatch_deliveries

        ident = decode_id(input.id, "QualityAssertion")
        outcome = await cases.run_assertion(
            info.context.services.uow_factory, _opener(info), ident, info.context.actor
        )
        await dispatch_deliveries(info.context.services.jobs, outcome.delivery_ids)
        async with _uow(info) as uow:
            assertion = await uow.quality.get(ident)
        if assertion is None:
            raise NotFound("QualityAssertion", ident, field="id")
        return {
            "result": gql.QualityResult.from_domain(outcome.results[0]),
            "assertion": gql.QualityAssertion.from_domain(assertion),
        }

    return await run_mutation(info, gql.RunQualityAssertionPayload, action)
