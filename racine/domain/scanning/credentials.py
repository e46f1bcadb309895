"""Credentials at rest: the full source URL is stored Fernet-encrypted.

The Fernet key is derived from the platform secret (``settings.secret()``) by
SHA-256, so the operator manages one secret; rotating it makes stored sources
undecryptable (they must be re-entered), which is reported, never guessed around.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from racine.domain.errors import ValidationFailed

__all__ = ["CredentialCipher"]


class CredentialCipher:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("an empty secret cannot protect credentials")
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValidationFailed(
                "stored credentials cannot be decrypted (was the secret key changed?): "
                "update the data source's URL",
                field="url",
            ) from None
