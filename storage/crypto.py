"""Encryption at rest for Shopify tokens: Fernet with key rotation (MultiFernet)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import TokenDecryptionError

__all__ = ["TokenCipher", "derive_dev_key", "generate_key"]

_DEV_KEY_CONTEXT = b"proofstream-dev-token-key:"


class TokenCipher:
    """Encrypts with the first key; decrypts with any of them (newest first)."""

    __slots__ = ("_fernet", "_key_count")

    def __init__(self, keys: Sequence[str]) -> None:
        if isinstance(keys, str | bytes):
            raise ValueError("TokenCipher takes a sequence of keys, not a single key string")
        if not keys:
            raise ValueError("TokenCipher needs at least one Fernet key")
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip()))
            except (ValueError, TypeError):
                # The key itself is never echoed: it is a secret.
                raise ValueError(
                    f"token key #{position} is not a valid Fernet key "
                    "(32 bytes, url-safe base64-encoded)"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._key_count = len(fernets)

    def __repr__(self) -> str:
        return f"TokenCipher(keys={self._key_count})"

    def encrypt(self, plaintext: str) -> str:
        """The ciphertext of `plaintext` under the first key (url-safe ASCII)."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of `token`; TokenDecryptionError if no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("utf-8")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise TokenDecryptionError() from None

    def rotate(self, token: str) -> str:
        """`token` re-encrypted under the first key; TokenDecryptionError if no key opens it."""
        try:
            return self._fernet.rotate(token.encode("utf-8")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise TokenDecryptionError() from None


def derive_dev_key(secret: str) -> str:
    """A deterministic Fernet key from the app secret, for development only."""
    digest = hashlib.sha256(_DEV_KEY_CONTEXT + secret.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def generate_key() -> str:
    """A fresh random Fernet key, for operators configuring token keys."""
    return Fernet.generate_key().decode("ascii")
