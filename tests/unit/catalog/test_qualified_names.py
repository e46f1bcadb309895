"""Qualified names: parts with dots are quoted, and split back to the same parts."""

from __future__ import annotations

import random

import pytest

from racine.domain.catalog.names import parent_of, qualify, quote_part, split_qualified


@pytest.mark.parametrize(
    ("parent", "name", "qualified"),
    [
        ("shop.shop.public", "orders", "shop.shop.public.orders"),
        ("shop.shop.main", "a.b", 'shop.shop.main."a.b"'),
        ("shop.shop.main", 'say "hi"', 'shop.shop.main.say "hi"'),
        ("shop.shop.main", '"quoted"', 'shop.shop.main."""quoted"""'),
        ('shop.shop.main."a.b"', "c.d", 'shop.shop.main."a.b"."c.d"'),
        ("shop.shop.main", "", "shop.shop.main."),
    ],
)
def test_qualify_and_split_back(parent: str, name: str, qualified: str) -> None:
    assert qualify(parent, name) == qualified
    assert split_qualified(qualified)[-1] == name
    assert parent_of(qualified) == parent


def test_table_a_b_and_column_b_of_table_a_differ() -> None:
    assert qualify("s.d.main", "a.b") != qualify(qualify("s.d.main", "a"), "b")


def test_any_parts_round_trip() -> None:
    rng = random.Random(7)
    alphabet = 'ab."_ '
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(4)]
        joined = ".".join(quote_part(p) for p in parts)
        assert split_qualified(joined) == parts, (parts, joined)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a", ["a"]),
        ("a.b.c", ["a", "b", "c"]),
        ('a."b', ["a", '"b']),  # a quote never closed is text
        ('"a"x.b', ['"a"x', "b"]),  # nor is one followed by more than a dot
    ],
)
def test_any_text_splits(text: str, parts: list[str]) -> None:
    assert split_qualified(text) == parts
