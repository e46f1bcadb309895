"""Access use cases against hand-written fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeUnitOfWork

from racine.domain.access.model import Principal, Role
from racine.domain.access.tokens import hash_token
from racine.domain.access.use_cases import (
    CreateToken,
    CreateUser,
    authenticate,
    bootstrap_admin,
    create_token,
    create_user,
    revoke_token,
)
from racine.domain.errors import (
    Conflict,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)


async def admin(uow: FakeUnitOfWork) -> Principal:
    secret = await bootstrap_admin(uow)
    assert secret is not None
    return await authenticate(uow, secret)


async def test_bootstrap_creates_one_admin_once_and_stores_only_a_hash() -> None:
    uow = FakeUnitOfWork()
    secret = await bootstrap_admin(uow, preset="rcn_preset_0123456789abcdef")
    assert secret == "rcn_preset_0123456789abcdef"
    assert await bootstrap_admin(uow) is None
    (token,) = uow.tokens.rows.values()
    assert token.token_hash == hash_token(secret) and secret not in repr(token)
    assert [e.action for e in uow.audit.events] == ["user.bootstrap"]


async def test_authenticate_refuses_missing_unknown_expired_revoked() -> None:
    uow = FakeUnitOfWork()
    actor = await admin(uow)
    for bad in (None, "", "rcn_unknown_token_value"):
        with pytest.raises(Unauthenticated):
            await authenticate(uow, bad)
    issued = await create_token(uow, actor, CreateToken(name="t", expires_in_days=1))
    issued.token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    uow.tokens.rows[issued.token.id].expires_at = issued.token.expires_at
    with pytest.raises(Unauthenticated):
        await authenticate(uow, issued.secret)
    other = await create_token(uow, actor, CreateToken(name="u"))
    await revoke_token(uow, actor, other.token.id)
    with pytest.raises(Unauthenticated):
        await authenticate(uow, other.secret)


async def test_revoke_emits_after_commit_and_hides_foreign_tokens() -> None:
    uow = FakeUnitOfWork()
    actor = await admin(uow)
    viewer = await create_user(uow, actor, CreateUser(name="vera", role=Role.VIEWER))
    issued = await create_token(uow, actor, CreateToken(name="v", user_id=viewer.id))
    vera = await authenticate(uow, issued.secret)
    mine = await create_token(uow, actor, CreateToken(name="mine"))
    with pytest.raises(NotFound):  # same answer as a missing token
        await revoke_token(uow, vera, mine.token.id)
    before = len(uow.published)
    await revoke_token(uow, vera, issued.token.id)
    revoked = [e for e in uow.published[before:] if e.type == "TOKEN_REVOKED"]
    assert revoked and revoked[0].payload == {"token_id": str(issued.token.id)}


async def test_roles_and_validation() -> None:
    uow = FakeUnitOfWork()
    actor = await admin(uow)
    editor = await create_user(uow, actor, CreateUser(name="ed", role=Role.EDITOR))
    ed = Principal(user_id=editor.id, name="ed", role=Role.EDITOR)
    with pytest.raises(PermissionDenied):
        await create_user(uow, ed, CreateUser(name="x", role=Role.ADMIN))
    with pytest.raises(PermissionDenied):
        await create_token(uow, ed, CreateToken(name="x", user_id=actor.user_id))
    with pytest.raises(Conflict):
        await create_user(uow, actor, CreateUser(name="ed", role=Role.VIEWER))
    with pytest.raises(LimitExceeded):
        await create_token(uow, actor, CreateToken(name="x", expires_in_days=0))
    assert Role.ADMIN.includes(Role.STEWARD) and not Role.VIEWER.includes(Role.EDITOR)


async def test_authenticate_records_last_use_at_most_once_a_minute() -> None:
    uow = FakeUnitOfWork()
    actor = await admin(uow)
    issued = await create_token(uow, actor, CreateToken(name="t"))
    # Given a token used for the first time: its last use is recorded (one commit).
    before = uow.commits
    await authenticate(uow, issued.secret)
    first = uow.tokens.rows[issued.token.id].last_used_at
    assert first is not None and uow.commits == before + 1
    # When it is used again within the minute: nothing is written.
    await authenticate(uow, issued.secret)
    assert uow.tokens.rows[issued.token.id].last_used_at == first
    assert uow.commits == before + 1
    # When its last use is over a minute old: it is written again.
    uow.tokens.rows[issued.token.id].last_used_at = first - timedelta(minutes=2)
    await authenticate(uow, issued.secret)
    later = uow.tokens.rows[issued.token.id].last_used_at
    assert later is not None and later >= first and uow.commits == before + 2
