"""API token format: ``rcn_`` + 43 url-safe characters (256 bits of entropy).

Tokens are high-entropy, so a plain SHA-256 is the right hash: it makes the
lookup by hash O(1) and a stolen table useless without brute-forcing 2^256.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["PREFIX", "generate_token", "hash_token", "looks_like_token"]

PREFIX = "rcn_"


def generate_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return token.startswith(PREFIX) and 20 <= len(token) <= 200


def public_prefix(token: str) -> str:
    """The first characters, safe to show so a user can tell tokens apart."""
    return token[: len(PREFIX) + 6]
