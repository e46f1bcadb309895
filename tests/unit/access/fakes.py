"""Hand-written fakes of the persistence ports, for domain unit tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from racine.domain.access.model import ApiToken, User
from racine.domain.audit.model import AuditEvent
from racine.domain.events import Event


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, User] = {}

    async def add(self, user: User) -> None:
        self.rows[user.id] = user

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self.rows.get(user_id)

    async def get_by_name(self, name: str) -> User | None:
        return next((u for u in self.rows.values() if u.name == name), None)

    async def count(self) -> int:
        return len(self.rows)


class FakeTokens:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ApiToken] = {}

    async def add(self, token: ApiToken) -> None:
        self.rows[token.id] = token

    async def get(self, token_id: uuid.UUID) -> ApiToken | None:
        return self.rows.get(token_id)

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self.rows.values() if t.token_hash == token_hash), None)

    async def touch(self, token_id: uuid.UUID, when: datetime) -> None:
        self.rows[token_id].last_used_at = when

    async def revoke(self, token_id: uuid.UUID, when: datetime) -> None:
        self.rows[token_id].revoked_at = when


class FakeAudit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def add(self, event: AuditEvent) -> None:
        self.events.append(event)


class FakeUnitOfWork:
    """Commits are counted; events are 'published' to a list only on commit."""

    def __init__(self) -> None:
        self.users = FakeUsers()
        self.tokens = FakeTokens()
        self.audit = FakeAudit()
        self.runs: Any = None
        self.commits = 0
        self.published: list[Event] = []
        self._pending: list[Event] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        self._pending = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._pending = []

    async def commit(self) -> None:
        self.commits += 1
        self.published += self._pending
        self._pending = []

    async def rollback(self) -> None:
        self._pending = []

    def emit(self, event: Event) -> None:
        self._pending.append(event)
