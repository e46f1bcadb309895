"""Access use cases: authenticate, bootstrap, users and tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from racine.domain.access.model import ApiToken, Principal, Role, User, utcnow
from racine.domain.access.tokens import generate_token, hash_token, public_prefix
from racine.domain.audit.record import record
from racine.domain.errors import (
    Conflict,
    LimitExceeded,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from racine.domain.events import Channels, Event
from racine.domain.ports import UnitOfWork

__all__ = [
    "CreateToken",
    "CreateUser",
    "IssuedToken",
    "authenticate",
    "bootstrap_admin",
    "create_token",
    "create_user",
    "revoke_token",
]

MAX_TOKEN_DAYS = 3650
TOUCH_EVERY = timedelta(minutes=1)  # how stale a token's last_used_at may get


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


async def authenticate(uow: UnitOfWork, secret: str | None) -> Principal:
    """Resolve a bearer token to a principal, or raise Unauthenticated."""
    if not secret:
        raise Unauthenticated("missing bearer token")
    async with uow:
        token = await uow.tokens.get_by_hash(hash_token(secret))
        if token is None or not token.is_active():
            raise Unauthenticated("invalid, expired or revoked token")
        user = await uow.users.get(token.user_id)
        if user is None or user.disabled:
            raise Unauthenticated("invalid, expired or revoked token")
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            # A write (and on SQLite the database's write lock) at most once a minute
            # per token, not on every request.
            await uow.tokens.touch(token.id, now)
            await uow.commit()
    return Principal(user_id=user.id, name=user.name, role=user.role, token_id=token.id)


async def bootstrap_admin(uow: UnitOfWork, preset: str | None = None) -> str | None:
    """Create the first admin and its token when the database has no user.

    Returns the token secret (to print once) or None when users already exist,
    also when another process (an API replica starting at the same moment) created
    the admin after this one counted none: its name is unique (``Conflict``).
    """
    try:
        async with uow:
            if await uow.users.count() > 0:
                return None
            admin = User(name="admin", role=Role.ADMIN, display_name="Administrator")
            await uow.users.add(admin)
            secret = preset or generate_token()
            token = ApiToken(
                user_id=admin.id,
                name="bootstrap",
                token_hash=hash_token(secret),
                prefix=public_prefix(secret),
            )
            await uow.tokens.add(token)
            actor = Principal(user_id=admin.id, name=admin.name, role=Role.ADMIN)
            await record(uow, actor, "user.bootstrap", "User", admin.id, {"name": admin.name})
            await uow.commit()
    except Conflict:
        return None
    return secret


@dataclass(frozen=True)
class CreateUser:
    name: str
    role: Role
    display_name: str | None = None
    email: str | None = None


async def create_user(uow: UnitOfWork, actor: Principal, cmd: CreateUser) -> User:
    actor.require(Role.ADMIN)
    name = cmd.name.strip()
    if (
        not name
        or len(name) > 64
        or not name.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        raise ValidationFailed("name must be 1-64 letters, digits, '.', '-' or '_'", field="name")
    async with uow:
        if await uow.users.get_by_name(name) is not None:
            raise Conflict(f"a user named {name!r} exists", field="name")
        user = User(name=name, role=cmd.role, display_name=cmd.display_name, email=cmd.email)
        await uow.users.add(user)
        await record(uow, actor, "user.create", "User", user.id, {"name": name, "role": cmd.role})
        await uow.commit()
    return user


@dataclass(frozen=True)
class CreateToken:
    name: str
    user_id: uuid.UUID | None = None  # default: the caller
    expires_in_days: int | None = None


async def create_token(uow: UnitOfWork, actor: Principal, cmd: CreateToken) -> IssuedToken:
    """Issue a token for the caller, or (admins only) for another user."""
    owner_id = cmd.user_id or actor.user_id
    if owner_id != actor.user_id:
        actor.require(Role.ADMIN)
    name = cmd.name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("name must be 1-100 characters", field="name")
    expires_at: datetime | None = None
    if cmd.expires_in_days is not None:
        if not 1 <= cmd.expires_in_days <= MAX_TOKEN_DAYS:
            raise LimitExceeded(
                f"expiresInDays must be between 1 and {MAX_TOKEN_DAYS}", field="expiresInDays"
            )
        expires_at = utcnow() + timedelta(days=cmd.expires_in_days)
    async with uow:
        owner = await uow.users.get(owner_id)
        if owner is None or owner.disabled:
            raise NotFound("User", owner_id, field="userId")
        secret = generate_token()
        token = ApiToken(
            user_id=owner.id,
            name=name,
            token_hash=hash_token(secret),
            prefix=public_prefix(secret),
            expires_at=expires_at,
        )
        await uow.tokens.add(token)
        await record(
            uow,
            actor,
            "token.create",
            "ApiToken",
            token.id,
            {"name": name, "user": owner.name, "expires_at": expires_at},
        )
        await uow.commit()
    return IssuedToken(token=token, secret=secret)


async def revoke_token(uow: UnitOfWork, actor: Principal, token_id: uuid.UUID) -> ApiToken:
    """Revoke a token: its owner or an admin may. Live subscriptions using it end."""
    async with uow:
        token = await uow.tokens.get(token_id)
        if token is None or (token.user_id != actor.user_id and not actor.has(Role.ADMIN)):
            raise NotFound("ApiToken", token_id, field="id")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            await uow.tokens.revoke(token.id, token.revoked_at)
            await record(uow, actor, "token.revoke", "ApiToken", token.id, {"name": token.name})
            uow.emit(Event(Channels.ACCESS, "TOKEN_REVOKED", {"token_id": str(token.id)}))
        await uow.commit()
    return token
