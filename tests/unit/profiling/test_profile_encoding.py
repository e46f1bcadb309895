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
