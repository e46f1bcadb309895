"""Tags and owners added and removed one by one (``addTags``/``removeTags``,
``addOwnerIds``/``removeOwnerIds`` on ``updateAsset``), so that two users curating
the same asset at once both keep what they added: ``tags``/``ownerIds`` replace the
whole list, and a client sending a list it read before another user's edit removes
that edit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

from pg_lock_waits import at_once
from sqlalchemy.ext.asyncio import create_async_engine
from strawberry import relay
from test_catalog_mutations import HISTORY, UPDATE_ASSET
from test_repeated_assignment_races import _asset

ROUNDS = 3  # SQLite only: plain concurrent calls, a few times


async def _edit(gql: Any, asset: str, token: str | None = None, **patch: Any) -> dict[str, Any]:
    done: dict[str, Any] = (
        await gql.ok(UPDATE_ASSET, {"input": {"id": asset, **patch}}, token=token)
    )["updateAsset"]
    return done


async def _history(gql: Any, asset: str) -> list[dict[str, Any]]:
    edges = (await gql.ok(HISTORY, {"id": asset}))["node"]["history"]["edges"]
    return [e["node"]["diff"] for e in edges]


async def test_added_and_removed_tags_and_owners_keep_the_others(
    gql: Any, user_with_role: Any
) -> None:
    # Given an asset tagged by a form that sent the whole list
    asset = await _asset(gql, "added")
    assert (await _edit(gql, asset, tags=["finance", "gold"]))["errors"] == []

    # When two users each add a tag, neither sending the list they read
    first = await _edit(gql, asset, addTags=["pii"])
    second = await _edit(gql, asset, addTags=["audited"])

    # Then the asset has both, and each addition is in the history with before/after
    assert first["errors"] == second["errors"] == []
    assert second["asset"]["tags"] == ["audited", "finance", "gold", "pii"]
    diffs = await _history(gql, asset)
    assert diffs[0] == {
        "tags": {
            "before": ["finance", "gold", "pii"],
            "after": ["audited", "finance", "gold", "pii"],
        }
    }
    assert diffs[1] == {
        "tags": {"before": ["finance", "gold"], "after": ["finance", "gold", "pii"]}
    }

    # A removal and an addition in one call (tags are trimmed as on replace)
    both = await _edit(gql, asset, addTags=[" eu "], removeTags=["gold"])
    assert both["errors"] == [] and both["asset"]["tags"] == ["audited", "eu", "finance", "pii"]

    # Removing a tag the asset does not carry, or adding one it does, changes nothing
    # and records nothing
    count = len(await _history(gql, asset))
    same = await _edit(gql, asset, removeTags=["absent"], addTags=["pii"])
    assert same["errors"] == [] and same["asset"]["tags"] == ["audited", "eu", "finance", "pii"]
    assert len(await _history(gql, asset)) == count

    # Owners likewise
    steward, _ = await user_with_role("STEWARD")
    editor, _ = await user_with_role("EDITOR")
    assert (await _edit(gql, asset, addOwnerIds=[steward]))["errors"] == []
    added = await _edit(gql, asset, addOwnerIds=[editor])
    assert sorted(o["id"] for o in added["asset"]["owners"]) == sorted([steward, editor])
    removed = await _edit(gql, asset, removeOwnerIds=[steward])
    assert [o["id"] for o in removed["asset"]["owners"]] == [editor]
    last = (await _history(gql, asset))[0]
    assert list(last) == ["owners", "ownerNames"]
    # Each owner's name beside their id, in the same order
    name = {o["id"]: o["name"] for o in added["asset"]["owners"]}
    ids = {relay.GlobalID.from_id(o).node_id: o for o in (steward, editor)}
    for side in ("before", "after"):
        assert last["ownerNames"][side] == [name[ids[i]] for i in last["owners"][side]]
    assert last["ownerNames"]["after"] == [name[editor]]


async def test_bad_list_changes_are_typed_errors_and_change_nothing(
    gql: Any, user_with_role: Any
) -> None:
    # Given an asset with two tags and an owner
    asset = await _asset(gql, "refused")
    owner, _ = await user_with_role("EDITOR")
    kept = await _edit(gql, asset, tags=["finance", "gold"], ownerIds=[owner])
    assert kept["errors"] == []
    count = len(await _history(gql, asset))
    absent_user = str(relay.GlobalID("User", str(uuid.uuid4())))

    # When a change is malformed, Then a typed error names the field
    for patch, code, field in (
        ({"tags": ["x"], "addTags": ["y"]}, "INVALID", "tags"),
        ({"ownerIds": [owner], "removeOwnerIds": [owner]}, "INVALID", "ownerIds"),
        ({"addTags": ["x"], "removeTags": ["x"]}, "INVALID", "removeTags"),
        ({"addTags": ["ok", ""]}, "INVALID", "addTags"),
        ({"addTags": [f"t{i}" for i in range(49)]}, "LIMIT_EXCEEDED", "addTags"),
        ({"removeTags": [f"t{i}" for i in range(51)]}, "LIMIT_EXCEEDED", "removeTags"),
        ({"addOwnerIds": [absent_user]}, "NOT_FOUND", "addOwnerIds"),
        ({"addOwnerIds": [asset]}, "INVALID", "addOwnerIds"),
        ({"removeOwnerIds": [asset]}, "INVALID", "removeOwnerIds"),
    ):
        bad = await _edit(gql, asset, **patch)
        assert [(e["code"], e["field"]) for e in bad["errors"]] == [(code, field)], (patch, bad)
        assert bad["asset"] is None

    # And nothing changed: neither the lists nor the history
    after = await _edit(gql, asset, tags=["finance", "gold"])
    assert after["asset"]["tags"] == ["finance", "gold"]
    assert [o["id"] for o in after["asset"]["owners"]] == [owner]
    assert len(await _history(gql, asset)) == count

    # A VIEWER cannot change the lists either
    _, viewer = await user_with_role("VIEWER")
    denied = await gql(UPDATE_ASSET, {"input": {"id": asset, "addTags": ["x"]}}, token=viewer)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_two_additions_at_once_both_land(gql: Any, dialect: str, database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        for n in range(1 if dialect == "postgresql" else ROUNDS):
            # Given an asset with one tag
            asset = await _asset(gql, f"together{n}")
            assert (await _edit(gql, asset, tags=["finance"]))["errors"] == []

            # When two users add a tag each at once (on PostgreSQL the second is sent
            # while the first has written its tag and not committed)
            def add(tag: str, asset: str = asset) -> Awaitable[Any]:
                return _edit(gql, asset, addTags=[tag])

            answers = await at_once(engine, dialect, lambda: add("pii"), lambda: add("gold"))

            # Then both succeed and the asset keeps all three tags, with two entries
            assert [a["errors"] for a in answers] == [[], []], (n, answers)
            tags = (await _edit(gql, asset))["asset"]["tags"]
            assert tags == ["finance", "gold", "pii"], (n, tags)
            assert len(await _history(gql, asset)) == 3, n
    finally:
        await engine.dispose()
