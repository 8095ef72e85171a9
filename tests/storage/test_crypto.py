"""TokenCipher: round trip, key rotation, wrong keys, and the development key."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet

from storage.crypto import TokenCipher, derive_dev_key, generate_key
from storage.errors import StorageError, TokenDecryptionError

PLAINTEXT = "shpat_0123456789abcdef0123456789abcdef"


def test_round_trip_and_ciphertext_hides_plaintext() -> None:
    cipher = TokenCipher([generate_key()])
    first, second = cipher.encrypt(PLAINTEXT), cipher.encrypt(PLAINTEXT)
    assert PLAINTEXT not in first
    assert first != second  # a fresh IV every time
    assert cipher.decrypt(first) == cipher.decrypt(second) == PLAINTEXT
    assert cipher.decrypt(cipher.encrypt("Zoë ✓")) == "Zoë ✓"


def test_rotation_with_a_new_key_first() -> None:
    old_key, new_key = generate_key(), generate_key()
    old_ciphertext = TokenCipher([old_key]).encrypt(PLAINTEXT)
    both = TokenCipher([new_key, old_key])

    assert both.decrypt(old_ciphertext) == PLAINTEXT
    rotated = both.rotate(old_ciphertext)
    assert TokenCipher([new_key]).decrypt(rotated) == PLAINTEXT
    with pytest.raises(TokenDecryptionError):
        TokenCipher([old_key]).decrypt(rotated)
    # New ciphertext is made with the first key only.
    with pytest.raises(TokenDecryptionError):
        TokenCipher([old_key]).decrypt(both.encrypt(PLAINTEXT))


def test_wrong_key_or_garbage_raises_token_decryption_error() -> None:
    ciphertext = TokenCipher([generate_key()]).encrypt(PLAINTEXT)
    other = TokenCipher([generate_key()])
    for bad in (ciphertext, "not-a-token", "", "ünïcode"):
        with pytest.raises(TokenDecryptionError) as caught:
            other.decrypt(bad)
        assert str(caught.value) == "a stored token cannot be decrypted with any configured key"
        assert isinstance(caught.value, StorageError)
    with pytest.raises(TokenDecryptionError):
        other.rotate(ciphertext)


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], ["", generate_key()]])
def test_invalid_keys_are_refused_without_echoing_them(keys: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        TokenCipher(keys)
    assert "not-a-fernet-key" not in str(caught.value)


def test_a_single_string_is_not_a_list_of_keys() -> None:
    with pytest.raises(ValueError, match="sequence of keys"):
        TokenCipher(generate_key())


def test_repr_shows_no_key() -> None:
    key = generate_key()
    assert key not in repr(TokenCipher([key]))
    assert repr(TokenCipher([key, generate_key()])) == "TokenCipher(keys=2)"


def test_dev_key_is_deterministic_and_usable() -> None:
    key = derive_dev_key("app-secret")
    assert key == derive_dev_key("app-secret") != derive_dev_key("other-secret")
    expected = hashlib.sha256(b"proofstream-dev-token-key:app-secret").digest()
    assert base64.urlsafe_b64decode(key) == expected
    Fernet(key)  # a valid Fernet key
    assert TokenCipher([key]).decrypt(TokenCipher([key]).encrypt(PLAINTEXT)) == PLAINTEXT
