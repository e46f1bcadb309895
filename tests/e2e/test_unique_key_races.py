"""Saves of one unique name or key at once, beyond data sources and rule sets (see
``catalog/test_source_name_races.py``): each use case checks the key, then writes it,
so both saves pass the check and the second hits the table's unique key. It is the
check's CONFLICT on the key's field, not a masked internal error, and one row stays.
Glossary term names (any case, per parent, top-level terms too) and custom rule keys
had no unique key before migration 0015: both saves were stored.

PostgreSQL is deterministic: the audit table is held locked, so the first save waits
to write its audit record (its row written, not committed) while the second passes
the check and waits on the key. SQLite has no table lock: plain concurrent calls,
a few rounds (each round a fresh key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pg_lock_waits import twice_at_once
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

CREATE_USER = """
mutation($name: String!) {
  createUser(input: {name: $name, role: VIEWER}) { errors { code field message } user { id } }
}
"""
CREATE_TYPE = """
mutation($key: String!) {
  createClassificationType(input: {key: $key, name: "Badge"}) {
    errors { code field message } type { key }
  }
}
"""
CREATE_TOKEN = """
mutation($user: ID!) {
  createApiToken(input: {name: "t", userId: $user}) { errors { code } secret }
}
"""
CREATE_WORKSPACE = """
mutation($name: String!) { createWorkspace(input: {name: $name}) { errors { code } workspace { id } } }
"""
INVITE = """
mutation($ws: ID!, $user: String!) {
  inviteWorkspaceMember(input: {workspaceId: $ws, userName: $user, role: EDITOR}) {
    errors { code field message } invitation { id }
  }
}
"""
ACCEPT = """
mutation($id: ID!) {
  acceptInvitation(input: {id: $id}) { errors { code field message } member { userName } }
}
"""
CREATE_RULE = """
mutation($key: String!, $definition: JSON!) {
  createComplianceRule(input: {key: $key, title: "Hashed", definition: $definition}) {
    errors { code field message } rule { id }
  }
}
"""
UPDATE_RULE = """
mutation($id: ID!, $definition: JSON!) {
  updateComplianceRule(input: {id: $id, definition: $definition}) {
    errors { code field message } rule { version }
  }
}
"""
CREATE_TERM = """
mutation($name: String!, $parent: ID) {
  createGlossaryTerm(input: {name: $name, parentId: $parent}) {
    errors { code field message } term { id }
  }
}
"""
DEFINITION = {"scope": {"kinds": ["COLUMN"]}, "conditions": [{"op": "has_tag", "any_of": ["x"]}]}
MEMBERS = "query($id: ID!) { node(id: $id) { ... on Workspace { members { userName } } } }"
ROUNDS = 3  # SQLite only


@dataclass
class Save:
    """One save sent twice at once: the mutation, its variables and caller, the
    payload's name, the field of the CONFLICT, and how many rows have the key."""

    document: str
    variables: dict[str, Any]
    mutation: str
    field: str
    rows: Callable[[], Awaitable[int]]
    token: str | None = None
    # Both saves may also succeed one after the other (a rule's versions 2 and 3). On
    # SQLite the two are sent without a lock holding the first open, and on a loaded
    # machine they can run one after the other.
    sequential: Callable[[list[dict[str, Any]]], bool] | None = None


async def _user_name(gql: Any, engine: AsyncEngine, n: int) -> Save:
    name = f"ana{n}"

    async def rows() -> int:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM users WHERE name = :n")
            return int(await conn.scalar(query, {"n": name}) or 0)

    return Save(CREATE_USER, {"name": name}, "createUser", "name", rows)


async def _type_key(gql: Any, engine: AsyncEngine, n: int) -> Save:
    key = f"BADGE_{n}"

    async def rows() -> int:
        listed = (await gql.ok("{ classificationTypes { key } }"))["classificationTypes"]
        return [t["key"] for t in listed].count(key)

    return Save(CREATE_TYPE, {"key": key}, "createClassificationType", "key", rows)


async def _membership(gql: Any, engine: AsyncEngine, n: int) -> Save:
    """The invited user accepts one invitation twice at once (a double submit)."""
    user = (await gql.ok(CREATE_USER, {"name": f"bo{n}"}))["createUser"]["user"]["id"]
    token = (await gql.ok(CREATE_TOKEN, {"user": user}))["createApiToken"]["secret"]
    ws = (await gql.ok(CREATE_WORKSPACE, {"name": f"ws{n}"}))["createWorkspace"]["workspace"]
    invited = await gql.ok(INVITE, {"ws": ws["id"], "user": f"bo{n}"})
    invitation = invited["inviteWorkspaceMember"]["invitation"]["id"]

    async def rows() -> int:
        members = (await gql.ok(MEMBERS, {"id": ws["id"]}))["node"]["members"]
        return [m["userName"] for m in members].count(f"bo{n}")

    return Save(ACCEPT, {"id": invitation}, "acceptInvitation", "id", rows, token)


async def _invitation(gql: Any, engine: AsyncEngine, n: int) -> Save:
    """Two invitations of one user to one workspace at once (two owners, or a double
    submit): one pending invitation (migration 0016's key), the other a CONFLICT."""
    name = f"cy{n}"
    assert (await gql.ok(CREATE_USER, {"name": name}))["createUser"]["errors"] == []
    ws = (await gql.ok(CREATE_WORKSPACE, {"name": f"team{n}"}))["createWorkspace"]["workspace"]

    async def rows() -> int:
        query = (
            "SELECT count(*) FROM collab_invitations i JOIN users u ON u.id = i.user_id"
            " WHERE u.name = :n AND i.state = 'PENDING'"
        )
        return await _count(engine, query, n=name)

    variables = {"ws": ws["id"], "user": name}
    return Save(INVITE, variables, "inviteWorkspaceMember", "userName", rows)


async def _rule_version(gql: Any, engine: AsyncEngine, n: int) -> Save:
    """Two updates of one compliance rule at once: both would write version 2."""
    key = f"hashed-{n}"
    created = await gql.ok(CREATE_RULE, {"key": key, "definition": DEFINITION})
    rule = created["createComplianceRule"]["rule"]["id"]

    async def rows() -> int:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM compliance_rules WHERE key = :k AND version = 2")
            return int(await conn.scalar(query, {"k": key}) or 0)

    def one_after_the_other(payloads: list[dict[str, Any]]) -> bool:
        return sorted(p["rule"]["version"] for p in payloads) == [2, 3]

    variables = {"id": rule, "definition": DEFINITION}
    return Save(
        UPDATE_RULE, variables, "updateComplianceRule", "id", rows, sequential=one_after_the_other
    )


async def _count(engine: AsyncEngine, query: str, **values: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(query), values) or 0)


async def _rule_key(gql: Any, engine: AsyncEngine, n: int) -> Save:
    """Two creates of one new custom rule key: one rule (of many versions) per key."""
    key = f"masked-{n}"

    async def rows() -> int:
        query = "SELECT count(DISTINCT rule_id) FROM compliance_rules WHERE key = :k"
        return await _count(engine, query, k=key)

    return Save(
        CREATE_RULE, {"key": key, "definition": DEFINITION}, "createComplianceRule", "key", rows
    )


async def _root_term_name(gql: Any, engine: AsyncEngine, n: int) -> Save:
    """Top-level terms: no parent, whose NULL a plain unique key would not compare."""
    name = f"Revenue {n}"

    async def rows() -> int:
        query = "SELECT count(*) FROM glossary_terms WHERE name = :n AND parent_id IS NULL"
        return await _count(engine, query, n=name)

    return Save(CREATE_TERM, {"name": name}, "createGlossaryTerm", "name", rows)


async def _child_term_name(gql: Any, engine: AsyncEngine, n: int) -> Save:
    parent = await gql.ok(CREATE_TERM, {"name": f"Finance {n}"})
    parent_id = parent["createGlossaryTerm"]["term"]["id"]
    name = f"Margin {n}"

    async def rows() -> int:
        return await _count(engine, "SELECT count(*) FROM glossary_terms WHERE name = :n", n=name)

    return Save(
        CREATE_TERM, {"name": name, "parent": parent_id}, "createGlossaryTerm", "name", rows
    )


CASES = {
    "user name": _user_name,
    "type key": _type_key,
    "membership": _membership,
    "pending invitation": _invitation,
    "rule version": _rule_version,
    "rule key": _rule_key,
    "root term name": _root_term_name,
    "child term name": _child_term_name,
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_key_saved_twice_at_once_is_one_row_and_one_conflict(
    gql: Any, dialect: str, database_url: str, case: str
) -> None:
    engine = create_async_engine(database_url)
    try:
        for n in range(1 if dialect == "postgresql" else ROUNDS):
            # Given a key nobody has yet
            save = await CASES[case](gql, engine, n)

            # When it is saved twice at once
            def send(save: Save = save) -> Awaitable[Any]:
                return gql.ok(save.document, save.variables, token=save.token)

            answers = await twice_at_once(engine, dialect, send)

            # Then one save succeeds, the other is a CONFLICT on the key's field
            payloads = [a[save.mutation] for a in answers]
            outcome = (n, payloads)
            if (
                dialect != "postgresql"
                and save.sequential
                and not any(p["errors"] for p in payloads)
            ):
                assert save.sequential(payloads), outcome  # they did not overlap
                assert await save.rows() == 1, outcome
                continue
            assert sorted(len(p["errors"]) for p in payloads) == [0, 1], outcome
            failed = next(p for p in payloads if p["errors"])
            codes = [(e["code"], e["field"]) for e in failed["errors"]]
            assert codes == [("CONFLICT", save.field)], outcome
            assert await save.rows() == 1, outcome
    finally:
        await engine.dispose()
