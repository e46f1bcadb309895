"""Who is calling and what they may do.

Global roles are ordered: ADMIN ⊃ STEWARD ⊃ EDITOR ⊃ VIEWER. Anything not
explicitly granted is denied (see :meth:`Principal.require`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from racine.domain.errors import PermissionDenied

__all__ = ["ApiToken", "Principal", "Role", "User"]


class Role(StrEnum):
    VIEWER = "VIEWER"
    EDITOR = "EDITOR"
    STEWARD = "STEWARD"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANKS = {Role.VIEWER: 0, Role.EDITOR: 1, Role.STEWARD: 2, Role.ADMIN: 3}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class User:
    name: str
    role: Role
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    display_name: str | None = None
    email: str | None = None
    disabled: bool = False
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class ApiToken:
    """A stored token: only its hash and a short public prefix are kept."""

    user_id: uuid.UUID
    name: str
    token_hash: str
    prefix: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request or WebSocket connection."""

    user_id: uuid.UUID
    name: str
    role: Role
    token_id: uuid.UUID | None = None

    def has(self, role: Role) -> bool:
        return self.role.includes(role)

    def require(self, role: Role) -> None:
        if not self.has(role):
            raise PermissionDenied(f"requires the {role.value} role")

    @classmethod
    def system(cls) -> Principal:
        """The actor recorded for work the platform does on its own (schedules)."""
        return cls(user_id=SYSTEM_USER_ID, name="system", role=Role.ADMIN)


SYSTEM_USER_ID = uuid.UUID(int=0)
