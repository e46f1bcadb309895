"""Sampled cells as plain Python (see :mod:`racine.domain.scanning.cells`), and
SQLite's text decoding."""

from __future__ import annotations

from racine.domain.scanning.cells import plain_column, portable_column, to_plain

__all__ = ["decode_text", "plain_column", "portable_column", "to_plain"]


def decode_text(raw: bytes) -> str | bytes:
    """SQLite ``text_factory``: UTF-8 text as ``str``, anything else kept as bytes
    instead of raising in the middle of a sample."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
