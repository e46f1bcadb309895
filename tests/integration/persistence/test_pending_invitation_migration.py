"""Migration 0016 keeps one pending invitation per user and workspace, deleting the
later duplicates stored before it, on SQLite and PostgreSQL.

The test's database is at head: it goes down to 0015, gets duplicates, and comes
back up (so the downgrade runs too, and the database is at head again after)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from test_unique_names_migration import _insert

from racine.persistence.migrate import alembic_config, upgrade
from racine.persistence.tables.access import UserRow
from racine.persistence.tables.collaboration import InvitationRow, WorkspaceRow

INVITATIONS = InvitationRow.__table__
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _user(name: str) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "name": name, "role": "VIEWER", "created_at": T0}


def _workspace(name: str, owner: uuid.UUID) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "name": name,
        "created_by": owner,
        "created_at": T0,
        "updated_at": T0,
    }


def _invitation(
    ws: dict[str, Any], user: dict[str, Any], minute: int, state: str = "PENDING"
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "workspace_id": ws["id"],
        "user_id": user["id"],
        "role": "EDITOR",
        "invited_by": ws["created_by"],
        "state": state,
        "created_at": T0 + timedelta(minutes=minute),
    }


async def test_later_duplicate_pending_invitations_go_and_are_then_refused(
    database_url: str,
) -> None:
    engine = create_async_engine(database_url)
    config = alembic_config(database_url)
    try:
        # Given a database at 0015 where one user has three pending invitations to one
        # workspace (the oldest stored second), another an accepted and a pending one,
        # and the first user a pending one to another workspace
        await asyncio.to_thread(command.downgrade, config, "0015")
        ana, bo = _user(f"ana_{uuid.uuid4().hex[:6]}"), _user(f"bo_{uuid.uuid4().hex[:6]}")
        await _insert(engine, UserRow.__table__, [ana, bo])
        team, other = _workspace("team", ana["id"]), _workspace("other", ana["id"])
        await _insert(engine, WorkspaceRow.__table__, [team, other])
        later, oldest, latest = (
            _invitation(team, bo, 5),
            _invitation(team, bo, 1),
            _invitation(team, bo, 9),
        )
        accepted, pending = _invitation(team, ana, 1, "ACCEPTED"), _invitation(team, ana, 2)
        elsewhere = _invitation(other, bo, 3)
        await _insert(engine, INVITATIONS, [later, oldest, latest, accepted, pending, elsewhere])

        # When it is upgraded to head
        await asyncio.to_thread(upgrade, database_url)

        # Then only the later duplicates are gone
        async with engine.connect() as conn:
            left = set((await conn.execute(select(INVITATIONS.c.id))).scalars())
        assert left == {oldest["id"], accepted["id"], pending["id"], elsewhere["id"]}

        # And a second pending invitation is refused by the database; an accepted one
        # beside a pending one is not
        with pytest.raises(IntegrityError):
            await _insert(engine, INVITATIONS, [_invitation(team, bo, 20)])
        await _insert(engine, INVITATIONS, [_invitation(other, bo, 21, "ACCEPTED")])
    finally:
        await engine.dispose()
        await asyncio.to_thread(upgrade, database_url)
