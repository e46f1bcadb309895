"""The pool worker stores each profile as the text json.dumps gives it."""

from __future__ import annotations

import datetime as dt
import json

from racine.domain.catalog.profiling import profile_column
from racine.domain.scanning import sync
from racine.domain.scanning.sync import analyze_for_storage

COLUMNS: dict[str, list[object]] = {
    "floats": [0.1, float("nan"), -0.0, float("inf"), 5e-324, 1e308, None],
    "ints": [2**80, -1, 3, 3],
    "text": ["é☃\x00", "\U0001f600", 'a"b\\', "", None],
    "bytes": [b"\x00\xff", b""],
    "dates": [dt.date(2024, 1, 1), dt.datetime(2020, 5, 1, 3, tzinfo=dt.UTC)],
    "mixed": [1, "1", True, 1.5, None],
    "empty": [],
}


def test_stored_profile_text_is_json_dumps_of_the_profile() -> None:
    columns = [(name, "TEXT") for name in COLUMNS]
    out = analyze_for_storage("t", columns, COLUMNS, None, True, frozenset({"ints"}))
    for name, values in COLUMNS.items():
        want = json.dumps(profile_column(values, sensitive=name == "ints").to_json())
        assert str(out[name].profile) == want


def test_the_encoder_skips_the_circular_reference_check() -> None:
    encoder = sync._encode.__self__  # type: ignore[attr-defined]
    assert encoder.check_circular is False  # the speed-up: no id() bookkeeping per container
    assert sync._encode({"a": [1.5, float("nan")], "b": "é"}) == json.dumps(
        {"a": [1.5, float("nan")], "b": "é"}
    )


def test_exact_decimals_keep_their_spelling_where_the_profile_shows_cells() -> None:
    # Given a column of exact decimals read as their text, as a scan reads NUMERIC
    from racine.domain.scanning.analysis import analyze_table
    from racine.domain.scanning.source import PortableSample

    texts: list[object] = [
        "12.50",
        "12345678901234567890.0123456789",
        "12345678901234567890.0123456788",  # the same float as the one above
        "-1.0000000000",
        "12.50",
        None,
    ]
    sample = PortableSample({"amount": texts}, exact_text=frozenset({"amount"}))

    # When the pool profiles it
    profile = analyze_table("t", [("amount", "NUMERIC(40, 10)")], sample, None, True)[
        "amount"
    ].profile
    assert profile is not None

    # Then min, max and top values are the cells as written, told apart exactly;
    # the computed statistics stay numbers
    assert (profile["min"], profile["max"]) == ("-1.0000000000", "12345678901234567890.0123456789")
    assert profile["top_values"][0] == {"value": "12.50", "count": 2}
    assert {t["value"] for t in profile["top_values"]} == {
        "12.50",
        "12345678901234567890.0123456789",
        "-1.0000000000",
    }
    assert isinstance(profile["mean"], float)
