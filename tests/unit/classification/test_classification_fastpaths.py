"""The throughput fast paths give exactly what the plain code paths give."""

from __future__ import annotations

import random

from racine.domain.classification import validators
from racine.domain.classification.sample import prepare


class _Text(str):
    """A ``str`` subclass: not ``type(...) is str``, so ``prepare`` takes the cell-by-cell path."""


def test_prepare_text_fast_path_matches_cell_by_cell_path() -> None:
    # given string cells with repeats, nulls, null words, padding, control bytes and long cells
    rng = random.Random(5)
    pool = ["ann@x.org", " ann@x.org ", "NULL", "n/a", "", "  ", "a\x00b", "Zoë", "x" * 300,
            "b@y.io", "c@z.net", "tab\there"]
    cells: list[str | None] = [rng.choice([*pool, None]) for _ in range(400)]
    # when the fast path (plain str and None) and the slow path (a str subclass) run
    fast = prepare(cells, 300, 256)
    slow = prepare([None if c is None else _Text(c) for c in cells], 300, 256)
    # then the samples are identical, order of ties included
    assert fast == slow
    assert fast.truncated > 0 and fast.nulls > 0 and fast.binary > 0
    assert fast.non_null == sum(c for _, c in fast.counts)


def test_address_word_fast_path_matches_the_regexes() -> None:
    # given ASCII and non-ASCII strings built from the listed words and suffixes
    rng = random.Random(11)
    words = ["street", "St", "Hauptstrasse", "strasse", "vägen", "Storgatan", "Main", "12",
             "rd", "RUE", "x_street", "Allée", "tie", "katu", "Mannerheimintie"]
    for _ in range(3000):
        parts = rng.sample(words, rng.randint(1, 3))
        text = rng.choice([" ", "-", ".", ", ", ""]).join(parts)
        # then the token test agrees with the original searches
        expected = bool(validators._ADDRESS_WORDS.search(text)
                        or validators._ADDRESS_SUFFIX.search(text))
        assert validators._address_word(text) is expected, text
