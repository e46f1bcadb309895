"""Normalising text before it is indexed."""

from __future__ import annotations

__all__ = ["index_text"]


def index_text(value: str | None) -> str:
    """Dots and slashes become spaces: PostgreSQL's parser would otherwise read
    ``shop.main.orders`` as one host-name token, hiding ``orders`` from a search."""
    return (value or "").replace(".", " ").replace("/", " ")
