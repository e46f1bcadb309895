"""Country-name dictionary, shipped as ``countries.json`` next to this module.

Country names in ~80 languages plus ISO 3166 alpha-2/alpha-3 codes, collected
from Faker's address data by ``python -m racine.domain.classification.train``
(Faker is not needed at run time). Two-letter codes only count where the column
name says "country": on their own they collide with language and state codes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

__all__ = ["LEXICON_PATH", "country_codes", "country_names", "reload"]

LEXICON_PATH = Path(__file__).with_name("countries.json")


@lru_cache(maxsize=1)
def _load() -> dict[str, list[str]]:
    if not LEXICON_PATH.exists():
        return {"names": [], "alpha2": [], "alpha3": []}
    data: dict[str, list[str]] = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Lower-cased country names and alpha-3 codes."""
    data = _load()
    return frozenset(n.lower() for n in data["names"]) | frozenset(
        c.lower() for c in data["alpha3"]
    )


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Upper-case alpha-2 codes."""
    return frozenset(_load()["alpha2"])


def reload() -> None:
    """Forget the cached dictionary (after the trainer rewrote the file)."""
    _load.cache_clear()
    country_names.cache_clear()
    country_codes.cache_clear()
