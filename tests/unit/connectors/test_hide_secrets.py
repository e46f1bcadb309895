"""hide_secrets: an echoed secret is masked, a coincidence inside a word is not."""

from __future__ import annotations

import pytest

from racine.domain.errors import hide_secrets


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("bad dsn postgresql://app:s3cret@db/x", ["s3cret"], "bad dsn postgresql://app:***@db/x"),
        ("password 's3cret' refused", ["s3cret"], "password '***' refused"),
        ("password=s3cret;host=db", ["s3cret"], "password=***;host=db"),
        ("p@ss! was sent", ["p@ss!"], "*** was sent"),
        ('database "shop" does not exist', ["x"], 'database "shop" does not exist'),
        ("x is wrong", ["x"], "*** is wrong"),
        # the longer secret goes whole, not as a masked fragment beside a visible tail
        ("u:ab%2Fc@h", ["ab", "ab%2Fc"], "u:***@h"),
        ("nothing to hide", [], "nothing to hide"),
        ("empty secrets are ignored", [""], "empty secrets are ignored"),
    ],
)
def test_hide_secrets(text: str, secrets: list[str], expected: str) -> None:
    assert hide_secrets(text, secrets) == expected
