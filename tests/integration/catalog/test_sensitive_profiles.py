"""No raw value of a sensitive column is kept or shown, on both metadata databases:
a label a column gets by lineage propagation scrubs its stored profile at once and
survives a re-scan of that column, whose profile is then stored without raw values;
a custom type raised to a sensitive level scrubs its columns' profiles and check results."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from catalog_scan_env import SECRET, scan_environment

from racine.domain.catalog.model import AssetFilter, AssetKind
from racine.domain.classification.labels import LabelState
from racine.domain.classification.profiles import mask_profile, masking_type
from racine.domain.classification.types import Sensitivity
from racine.domain.classification.use_cases import (
    SaveType,
    SetColumnClassification,
    create_type,
    set_column_classification,
    update_type,
)
from racine.domain.lineage.relabel import propagate_from
from racine.domain.lineage.use_cases import AddEdges, EdgeSpec, add_lineage_edges
from racine.domain.paging import PageRequest
from racine.domain.runs.model import RunState

CODES = [f"zq{i:02d}-{'kx' * (i % 3)}" for i in range(40)]


@pytest.fixture
async def scan_env(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    async with scan_environment(database_url, tmp_path) as env:
        yield env


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A table of e-mails and a copy of them whose values the classifier cannot tell
    apart from any code (an export keyed by opaque codes)."""
    path = tmp_path / "copied.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
    conn.executemany(
        "INSERT INTO people VALUES (?, ?)", [(i, f"person{i}@example.org") for i in range(40)]
    )
    conn.execute("CREATE TABLE export (id INTEGER PRIMARY KEY, ref TEXT)")
    conn.executemany("INSERT INTO export VALUES (?, ?)", list(enumerate(CODES)))
    conn.commit()
    conn.close()
    return path


async def _columns(env: Any, source_id: uuid.UUID) -> dict[str, Any]:
    async with env.uow_factory() as uow:
        page = await uow.catalog.page(
            AssetFilter(kinds=(AssetKind.COLUMN,), source_ids=(source_id,)),
            PageRequest(first=100),
        )
    return {c.qualified_name.split(".", 3)[-1]: c for c in page.items}


async def _shown_profile(env: Any, column_id: uuid.UUID) -> tuple[Any, list[Any], Any]:
    """The stored profile, the labels, and the profile as ``Asset.profile`` shows it."""
    async with env.uow_factory() as uow:
        column = await uow.catalog.get(column_id)
        rows = (await uow.catalog.classifications_for([column_id])).get(column_id, [])
    mask_with = masking_type(rows, {})
    shown = column.profile if mask_with is None else mask_profile(column.profile, mask_with)
    return column.profile, [(r.type_key, r.source) for r in rows], shown


async def _scanned(env: Any, path: Path) -> tuple[uuid.UUID, Any, Any]:
    """``path`` registered and scanned: the source, its e-mail and opaque columns."""
    source = await env.add_source(f"sqlite:///{path}", sample_size=40)
    assert (await env.scan(source)).state is RunState.SUCCEEDED
    columns = await _columns(env, source)
    return source, columns["people.email"], columns["export.ref"]


async def _propagate_email(env: Any, email_id: uuid.UUID, copy_id: uuid.UUID) -> None:
    """A steward confirms EMAIL on ``email_id``, whose values flow into ``copy_id``
    (column lineage), and lineage propagates the label."""
    await set_column_classification(
        env.uow_factory(),
        env.actor,
        SetColumnClassification(email_id, "EMAIL", LabelState.CONFIRMED),
    )
    await add_lineage_edges(env.uow_factory(), env.actor, AddEdges((EdgeSpec(email_id, copy_id),)))
    await propagate_from(env.uow_factory(), [email_id])


async def test_a_propagated_label_survives_a_rescan_and_keeps_values_out_of_the_profile(
    scan_env: Any, copied: Path
) -> None:
    # Given a scanned source whose e-mails flow (column lineage) into an opaque column
    source, email, ref = await _scanned(scan_env, copied)
    await _propagate_email(scan_env, email.id, ref.id)
    _, labels, _ = await _shown_profile(scan_env, ref.id)
    assert labels == [("EMAIL", "PROPAGATED")]

    # When the source is scanned again
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED

    # Then the copy keeps its propagated label (the scan did not set it, so does not
    # drop it), and neither the stored nor the shown profile holds one of its values
    stored, labels, shown = await _shown_profile(scan_env, ref.id)
    assert labels == [("EMAIL", "PROPAGATED")]
    for profile in (stored, shown):
        text = json.dumps(profile)
        assert not any(code in text for code in CODES), profile


async def test_a_label_propagated_onto_a_column_scrubs_its_stored_profile(
    scan_env: Any, copied: Path
) -> None:
    # Given a scanned source whose opaque column's stored profile holds its values
    _, email, ref = await _scanned(scan_env, copied)
    stored, labels, _ = await _shown_profile(scan_env, ref.id)
    assert labels == [] and any(code in json.dumps(stored) for code in CODES)

    # When lineage propagates the e-mails' confirmed label onto it
    await _propagate_email(scan_env, email.id, ref.id)

    # Then its stored profile keeps none of its values, without waiting for a re-scan
    stored, labels, _ = await _shown_profile(scan_env, ref.id)
    assert labels == [("EMAIL", "PROPAGATED")]
    assert stored.get("masked") is True
    assert not any(code in json.dumps(stored) for code in CODES), stored


async def _kept_check_result(env: Any, ref: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Custom SQL that keeps a number read off ``ref`` (the longest code's length),
    run once; returns how to read the one result it kept."""
    from sqlalchemy import text

    from racine.connectors import connector_for
    from racine.domain.quality.model import AssertionKind
    from racine.domain.quality.sources import source_opener
    from racine.domain.quality.use_cases import CreateAssertion, create_assertion, run_assertions
    from racine.domain.scanning.credentials import CredentialCipher

    assert ref.parent_id is not None
    check = await create_assertion(
        env.uow_factory(),
        env.actor,
        CreateAssertion(
            ref.parent_id,
            AssertionKind.CUSTOM_SQL,
            {"sql": "SELECT max(length(ref)) FROM export", "max_violations": 100},
        ),
    )
    opener = source_opener(env.uow_factory, CredentialCipher(SECRET), connector_for)
    await run_assertions(env.uow_factory, opener, [check.id], env.actor)

    async def kept() -> dict[str, Any]:
        async with env.uow_factory() as uow:
            rows = (await uow.session.execute(text("SELECT observed FROM quality_results"))).all()
        assert len(rows) == 1
        value = rows[0][0]
        observed: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
        return observed

    assert await kept() == {"violations": max(len(c) for c in CODES)}
    return kept


WITHHELD = {"withheld": True, "sensitiveColumns": ["export.ref"], "masked": True}


async def test_a_label_propagated_onto_a_column_masks_the_check_results_kept_for_it(
    scan_env: Any, copied: Path
) -> None:
    # Given a scanned source, and custom SQL that kept a number read off its opaque column
    _, email, ref = await _scanned(scan_env, copied)
    kept = await _kept_check_result(scan_env, ref)

    # When lineage propagates the e-mails' confirmed label onto the column
    await _propagate_email(scan_env, email.id, ref.id)

    # Then the kept result withholds the number, as a run after the label would
    assert await kept() == WITHHELD


async def test_a_custom_type_raised_to_a_sensitive_level_scrubs_what_was_kept_of_its_columns(
    scan_env: Any, copied: Path
) -> None:
    # Given an opaque column a steward confirmed as a custom type of PUBLIC level, so
    # its stored profile and a check's kept result still hold what was read off it
    _, _, ref = await _scanned(scan_env, copied)
    await create_type(
        scan_env.uow_factory(), scan_env.actor,
        SaveType("EXPORT_REF", "Export reference", sensitivity=Sensitivity.PUBLIC),
    )  # fmt: skip
    await set_column_classification(
        scan_env.uow_factory(), scan_env.actor,
        SetColumnClassification(ref.id, "EXPORT_REF", LabelState.CONFIRMED),
    )  # fmt: skip
    kept = await _kept_check_result(scan_env, ref)
    stored, labels, _ = await _shown_profile(scan_env, ref.id)
    assert labels == [("EXPORT_REF", "MANUAL")]
    assert any(code in json.dumps(stored) for code in CODES)

    # When a steward raises the type to RESTRICTED
    await update_type(
        scan_env.uow_factory(), scan_env.actor,
        SaveType("EXPORT_REF", sensitivity=Sensitivity.RESTRICTED),
    )  # fmt: skip

    # Then the column's stored profile and the kept result hold none of its values,
    # without waiting for a re-scan
    async with scan_env.uow_factory() as uow:
        stored = (await uow.catalog.get(ref.id)).profile
    assert stored.get("masked") is True
    assert not any(code in json.dumps(stored) for code in CODES), stored
    assert await kept() == WITHHELD


CARDS = (4111111111111111, 5500000000000004)
BIRTH = "1984-03-07"


@pytest.fixture
def few_rows(tmp_path: Path) -> Path:
    """Two customers' card numbers kept as integers, and one customer's birth date."""
    path = tmp_path / "few.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cards (id INTEGER PRIMARY KEY, card_number INTEGER)")
    conn.executemany("INSERT INTO cards VALUES (?, ?)", list(enumerate(CARDS)))
    conn.execute("CREATE TABLE births (id INTEGER PRIMARY KEY, born DATE)")
    conn.execute("INSERT INTO births VALUES (1, ?)", (BIRTH,))
    conn.commit()
    conn.close()
    return path


def _given_away(profile: dict[str, Any]) -> list[object]:
    """What an attacker reads off a profile: its text, and the values that a mean
    and spread of one or two values are (mean, mean - std, mean + std)."""
    found: list[object] = [BIRTH] if BIRTH in json.dumps(profile) else []
    mean, std = profile.get("mean"), profile.get("std")
    if isinstance(mean, float) and isinstance(std, float):
        found += [v for v in (mean - std, mean + std) if any(abs(v - c) < 2 for c in CARDS)]
    return found


async def test_the_mean_and_spread_of_a_few_sensitive_values_are_not_kept_or_shown(
    scan_env: Any, few_rows: Path
) -> None:
    # Given a scanned source with two card numbers and one birth date (too few values
    # for the classifier, so the profiles show them)
    source = await scan_env.add_source(f"sqlite:///{few_rows}", sample_size=40)
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED
    columns = await _columns(scan_env, source)
    card, born = columns["cards.card_number"], columns["births.born"]

    # When a steward confirms them as a card number and a date of birth
    for column, type_key in ((card, "CREDIT_CARD"), (born, "DATE_OF_BIRTH")):
        await set_column_classification(
            scan_env.uow_factory(), scan_env.actor,
            SetColumnClassification(column.id, type_key, LabelState.CONFIRMED),
        )  # fmt: skip

    # Then neither the stored nor the shown profile gives a value away through its
    # mean and spread
    for column in (card, born):
        stored, _, shown = await _shown_profile(scan_env, column.id)
        assert _given_away(stored) == [] and _given_away(shown) == [], stored

    # And a re-scan, profiling them as sensitive, keeps none either
    assert (await scan_env.scan(source)).state is RunState.SUCCEEDED
    for column in (card, born):
        stored, _, shown = await _shown_profile(scan_env, column.id)
        assert stored["sensitive"] is True
        assert _given_away(stored) == [] and _given_away(shown) == [], stored
