"""Users and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from racine.domain.access.model import ApiToken, Role, User
from racine.persistence.tables.access import ApiTokenRow, UserRow
from racine.persistence.unique_keys import UniqueKey, conflicts_on

__all__ = ["TokenRepository", "UserRepository"]

_USER_NAME = UniqueKey.of(
    UserRow.__table__, "name", field="name", message="a user with this name exists"
)


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        display_name=row.display_name,
        email=row.email,
        disabled=row.disabled,
        created_at=row.created_at,
    )


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        token_hash=row.token_hash,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, user: User) -> None:
        """A name taken, also since the caller's check, is ``Conflict`` on ``name``."""
        self.session.add(
            UserRow(
                id=user.id,
                name=user.name,
                role=user.role.value,
                display_name=user.display_name,
                email=user.email,
                disabled=user.disabled,
                created_at=user.created_at,
            )
        )
        with conflicts_on(_USER_NAME):
            await self.session.flush()

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = await self.session.get(UserRow, user_id)
        return None if row is None else _user(row)

    async def get_by_name(self, name: str) -> User | None:
        row = await self.session.scalar(select(UserRow).where(UserRow.name == name))
        return None if row is None else _user(row)

    async def get_many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        rows = await self.session.scalars(select(UserRow).where(UserRow.id.in_(ids)))
        return {row.id: _user(row) for row in rows}

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(UserRow)) or 0)

    async def list(self, limit: int = 100) -> list[User]:
        rows = await self.session.scalars(select(UserRow).order_by(UserRow.name).limit(limit))
        return [_user(r) for r in rows]


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: ApiToken) -> None:
        self.session.add(
            ApiTokenRow(
                id=token.id,
                user_id=token.user_id,
                name=token.name,
                token_hash=token.token_hash,
                prefix=token.prefix,
                created_at=token.created_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
                last_used_at=token.last_used_at,
            )
        )
        await self.session.flush()

    async def get(self, token_id: uuid.UUID) -> ApiToken | None:
        row = await self.session.get(ApiTokenRow, token_id)
        return None if row is None else _token(row)

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        row = await self.session.scalar(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)
        )
        return None if row is None else _token(row)

    async def list_for_user(self, user_id: uuid.UUID, limit: int = 100) -> list[ApiToken]:
        rows = await self.session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id)
            .order_by(ApiTokenRow.created_at.desc())
            .limit(limit)
        )
        return [_token(r) for r in rows]

    async def touch(self, token_id: uuid.UUID, when: datetime) -> None:
        await self.session.execute(
            update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=when)
        )

    async def revoke(self, token_id: uuid.UUID, when: datetime) -> None:
        await self.session.execute(
            update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(revoked_at=when)
        )
