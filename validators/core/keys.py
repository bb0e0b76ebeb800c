"""Ed25519 keys for validators and transaction submitters (hex text on disk and on the wire)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyFileError(ValueError):
    """A key file or key text that cannot be read."""


class SigningKey:
    """A private Ed25519 key; signatures are hex text."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key: str = raw.hex()

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_hex(cls, text: str) -> SigningKey:
        try:
            return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text.strip())))
        except ValueError as exc:
            raise KeyFileError(f"not a hex Ed25519 private key: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        return cls.from_hex(path.read_text())

    def private_hex(self) -> str:
        raw = self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return raw.hex()

    def save(self, path: Path) -> None:
        """Write the private key as hex, readable by the owner only (mode 0600)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.private_hex() + "\n")
        os.chmod(path, 0o600)

    def sign(self, message: bytes) -> str:
        return self._private.sign(message).hex()


_public_cache: dict[str, Ed25519PublicKey | None] = {}


def _public(public_hex: str) -> Ed25519PublicKey | None:
    if public_hex not in _public_cache:
        try:
            key: Ed25519PublicKey | None = Ed25519PublicKey.from_public_bytes(
                bytes.fromhex(public_hex)
            )
        except ValueError:
            key = None
        _public_cache[public_hex] = key
    return _public_cache[public_hex]


def verify_signature(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """True when signature_hex is a valid Ed25519 signature of message by public_hex."""
    if not isinstance(public_hex, str) or not isinstance(signature_hex, str):
        return False
    key = _public(public_hex)
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
