"""Errors raised by the storage layer.

ProofstreamError
└── StorageError
    └── TokenDecryptionError
"""

from __future__ import annotations

from proofstream.errors import ProofstreamError

__all__ = ["StorageError", "TokenDecryptionError"]


class StorageError(ProofstreamError):
    """Base of the errors the storage layer raises on purpose."""


class TokenDecryptionError(StorageError):
    """A stored token cannot be decrypted with any configured key."""

    def __init__(self) -> None:
        super().__init__("a stored token cannot be decrypted with any configured key")
