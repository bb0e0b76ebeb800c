"""Key shares in transit: a dealer's share for one recipient, encrypted to that recipient's
X25519 key, so the server that relays it learns nothing.

An envelope is hex of ephemeral public key (32 bytes) || nonce (12) || AES-256-GCM ciphertext
of the share (32 bytes, big-endian) with its tag (16). The AES key is HKDF-SHA256 of the X25519
shared secret; HKDF's info and GCM's associated data both name the election hash, the dealer,
the recipient and both public keys, so an envelope cannot be moved to another election, pair of
trustees or key without failing to open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evcrypto.encoding import canonical_json
from trustee import TrusteeError

DOMAIN = "evoting/key-share-envelope/v1"
KEY_BYTES = 32
NONCE_BYTES = 12
SHARE_BYTES = 32
ENVELOPE_BYTES = KEY_BYTES + NONCE_BYTES + SHARE_BYTES + 16


@dataclass(frozen=True)
class ShareAddress:
    """Who sends a share to whom, in which election; bound into every envelope."""

    election_hash: str
    dealer: int
    recipient: int


def new_encryption_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def private_key_hex(key: X25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return raw.hex()


def private_key_from_hex(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_hex_bytes(text, KEY_BYTES, "encryption key"))


def public_key_hex(key: X25519PrivateKey) -> str:
    return _raw_public(key.public_key()).hex()


def check_public_key_hex(text: object) -> str:
    """A published encryption key: 64 lowercase hex digits naming a usable X25519 key (not
    one of the low-order points, with which no shared secret can be made)."""
    if not isinstance(text, str) or text != text.lower():
        raise TrusteeError("an encryption key is 64 lowercase hex digits")
    key = X25519PublicKey.from_public_bytes(_hex_bytes(text, KEY_BYTES, "encryption key"))
    try:
        X25519PrivateKey.generate().exchange(key)
    except ValueError:
        raise TrusteeError("the encryption key is a low-order point") from None
    return text


def seal_share(recipient_key_hex: str, share: int, address: ShareAddress) -> str:
    """Encrypt `share` (a scalar below 2**256) to the recipient's published key."""
    recipient = X25519PublicKey.from_public_bytes(
        _hex_bytes(check_public_key_hex(recipient_key_hex), KEY_BYTES, "recipient's key")
    )
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    context = _context(address, ephemeral_public, _raw_public(recipient))
    key = _derive(ephemeral.exchange(recipient), context)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, share.to_bytes(SHARE_BYTES, "big"), context)
    return (ephemeral_public + nonce + sealed).hex()


def open_share(private_key: X25519PrivateKey, envelope_hex: object, address: ShareAddress) -> int:
    """The share inside an envelope addressed to `private_key`'s owner; TrusteeError if it was
    not sealed to this key for this address, or was altered."""
    data = _hex_bytes(envelope_hex, ENVELOPE_BYTES, "share envelope")
    ephemeral_public, nonce = data[:KEY_BYTES], data[KEY_BYTES : KEY_BYTES + NONCE_BYTES]
    context = _context(address, ephemeral_public, _raw_public(private_key.public_key()))
    try:
        key = _derive(
            private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public)), context
        )
        plain = AESGCM(key).decrypt(nonce, data[KEY_BYTES + NONCE_BYTES :], context)
    except (InvalidTag, ValueError):
        raise TrusteeError(
            f"the share from trustee {address.dealer} does not open with this trustee's key"
        ) from None
    return int.from_bytes(plain, "big")


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _context(address: ShareAddress, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return canonical_json(
        {
            "domain": DOMAIN,
            "election_hash": address.election_hash,
            "dealer": address.dealer,
            "recipient": address.recipient,
            "ephemeral_key": ephemeral_public.hex(),
            "recipient_key": recipient_public.hex(),
        }
    )


def _derive(shared_secret: bytes, context: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=context).derive(shared_secret)


def _hex_bytes(text: object, length: int, what: str) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * length:
        raise TrusteeError(f"{what}: expected {2 * length} hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise TrusteeError(f"{what}: not hex") from None
