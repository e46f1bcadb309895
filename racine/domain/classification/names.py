"""Checks for values that are names: a person's full name, one first or last name,
and short capitalised word groups (cities, nationalities, conditions). Moved out of
``validators`` verbatim; that module maps types to these checks."""

from __future__ import annotations

import re

__all__ = ["person_name", "single_name", "words"]

_WORDS = re.compile(r"[^\W\d_]+(?:[ '\-.][^\W\d_]+){0,4}\.?")
_NAME_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\-\u2019][^\W\d_])*")


def person_name(v: str) -> bool:
    tokens = v.split()
    return (
        2 <= len(tokens) <= 5
        and all(_NAME_TOKEN.fullmatch(t.rstrip(".,")) for t in tokens)
        and sum(t[0].isupper() for t in tokens) >= 2
        and len(v) <= 60
    )


_PARTICLES = frozenset(
    (
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "van",
        "von",
        "der",
        "den",
        "le",
        "la",
        "du",
        "bin",
        "al",
        "ter",
    )
)


def single_name(v: str) -> bool:
    """One name, possibly with particles (``van Dijk``, ``de la Cruz``), not a full name."""
    if len(v) > 30 or not v[:1].isalpha():
        return False
    tokens = v.split()
    if not all(_NAME_TOKEN.fullmatch(t) for t in tokens):
        return False
    capitalised = [t for t in tokens if t.lower() not in _PARTICLES]
    return len(capitalised) == 1 and capitalised[0][0].isupper()


def words(v: str) -> bool:
    return bool(_WORDS.fullmatch(v)) and v[0].isupper() and len(v) <= 40
