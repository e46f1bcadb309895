"""Access area: users, API tokens, the viewer."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Self

import strawberry
from strawberry import relay

from racine.domain.access import model
from racine.schema.errors import UserError

__all__ = [
    "ApiToken",
    "CreateApiTokenInput",
    "CreateApiTokenPayload",
    "CreateUserInput",
    "CreateUserPayload",
    "RevokeApiTokenInput",
    "RevokeApiTokenPayload",
    "Role",
    "User",
]


@strawberry.enum(description="Global roles, each including the ones below it.")
class Role(Enum):
    VIEWER = strawberry.enum_value("VIEWER", description="Reads the catalog.")
    EDITOR = strawberry.enum_value(
        "EDITOR", description="Also edits descriptions, tags, documents."
    )
    STEWARD = strawberry.enum_value(
        "STEWARD", description="Also confirms classifications, manages sources and scans."
    )
    ADMIN = strawberry.enum_value("ADMIN", description="Everything, including users and audit.")


@strawberry.type(description="A person or service account that can call the API.")
class User(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique login name.")
    display_name: str | None = strawberry.field(description="Name shown in the UI.")
    role: Role = strawberry.field(description="Global role.")
    created_at: datetime = strawberry.field(description="When the user was created (UTC).")

    @classmethod
    def from_domain(cls, user: model.User) -> Self:
        return cls(
            id=str(user.id),
            name=user.name,
            display_name=user.display_name,
            role=Role(user.role.value),
            created_at=user.created_at,
        )


@strawberry.type(description="An API token. Its secret is shown only once, at creation.")
class ApiToken(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="What the token is for.")
    prefix: str = strawberry.field(
        description="First characters of the secret, to tell tokens apart."
    )
    created_at: datetime = strawberry.field(description="Creation time (UTC).")
    expires_at: datetime | None = strawberry.field(description="Expiry (UTC); null never expires.")
    revoked_at: datetime | None = strawberry.field(description="Revocation time, if revoked.")
    last_used_at: datetime | None = strawberry.field(
        description="Last use, updated at most once a minute."
    )

    @classmethod
    def from_domain(cls, token: model.ApiToken) -> Self:
        return cls(
            id=str(token.id),
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


@strawberry.input(description="Issue an API token.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="What the token is for; 1-100 characters.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Owner; defaults to the caller. Another user needs ADMIN."
    )
    expires_in_days: int | None = strawberry.field(
        default=None, description="Lifetime in days (1-3650); null never expires."
    )


@strawberry.type(description="Result of createApiToken.")
class CreateApiTokenPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing was created, if so.")
    token: ApiToken | None = strawberry.field(default=None, description="The stored token.")
    secret: str | None = strawberry.field(
        default=None,
        description="The bearer secret. Shown this once: only its hash is stored.",
    )


@strawberry.input(description="Revoke an API token.")
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(description="Global id of the token.")


@strawberry.type(description="Result of revokeApiToken.")
class RevokeApiTokenPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
    token: ApiToken | None = strawberry.field(default=None, description="The revoked token.")


@strawberry.input(description="Create a user (ADMIN).")
class CreateUserInput:
    name: str = strawberry.field(description="Unique login name: 1-64 of letters, digits, . - _")
    role: Role = strawberry.field(description="Global role.")
    display_name: str | None = strawberry.field(default=None, description="Name shown in the UI.")
    email: str | None = strawberry.field(default=None, description="Contact address.")


@strawberry.type(description="Result of createUser.")
class CreateUserPayload:
    errors: list[UserError] = strawberry.field(description="Why nothing was created, if so.")
    user: User | None = strawberry.field(default=None, description="The new user.")
