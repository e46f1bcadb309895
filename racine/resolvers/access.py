"""Resolvers of the access area."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry.types import Info

from racine.domain.access import use_cases
from racine.domain.access.model import Role as DomainRole
from racine.schema import access as gql
from racine.schema.errors import run_mutation
from racine.schema.relay import decode_id

__all__ = ["create_api_token", "create_user", "resolve_user", "revoke_api_token", "viewer"]


async def viewer(info: Info) -> gql.User:
    user = await info.context.loaders.user.load(info.context.actor.user_id)
    return gql.User.from_domain(user)


async def resolve_user(info: Info, raw_id: str) -> gql.User | None:
    info.context.actor.require(DomainRole.VIEWER)
    user = await info.context.loaders.user.load(uuid.UUID(raw_id))
    return None if user is None else gql.User.from_domain(user)


async def create_api_token(info: Info, input: gql.CreateApiTokenInput) -> gql.CreateApiTokenPayload:
    async def action() -> dict[str, Any]:
        owner = None if input.user_id is None else decode_id(input.user_id, "User", field="userId")
        cmd = use_cases.CreateToken(
            name=input.name, user_id=owner, expires_in_days=input.expires_in_days
        )
        issued = await use_cases.create_token(info.context.uow(), info.context.actor, cmd)
        return {"token": gql.ApiToken.from_domain(issued.token), "secret": issued.secret}

    return await run_mutation(info, gql.CreateApiTokenPayload, action)


async def revoke_api_token(info: Info, input: gql.RevokeApiTokenInput) -> gql.RevokeApiTokenPayload:
    async def action() -> dict[str, Any]:
        token_id = decode_id(input.id, "ApiToken")
        token = await use_cases.revoke_token(info.context.uow(), info.context.actor, token_id)
        return {"token": gql.ApiToken.from_domain(token)}

    return await run_mutation(info, gql.RevokeApiTokenPayload, action)


async def create_user(info: Info, input: gql.CreateUserInput) -> gql.CreateUserPayload:
    async def action() -> dict[str, Any]:
        cmd = use_cases.CreateUser(
            name=input.name,
            role=DomainRole(input.role.name),
            display_name=input.display_name,
            email=input.email,
        )
        user = await use_cases.create_user(info.context.uow(), info.context.actor, cmd)
        return {"user": gql.User.from_domain(user)}

    return await run_mutation(info, gql.CreateUserPayload, action)
