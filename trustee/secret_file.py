"""The trustee's secret file: everything private to one trustee of one election, encrypted
under a passphrase, on the trustee's own machine (mode 0600).

The file is canonical JSON with a clear header (format, election id on the server, election
hash, ceremony id, trustee index), the scrypt parameters, a passphrase check value, and the
AES-256-GCM ciphertext of the private contents (the X25519 key, the ceremony polynomial and,
once the ceremony is done, the secret share). scrypt derives 64 bytes from the passphrase: the
first 32 are the AES key, the last 32 the check value, so a wrong passphrase is told apart from
an altered file. The header is the ciphertext's associated data: editing any of it (to pass the
file off as another election's or trustee's) breaks the tag.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.constant_time import bytes_eq
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from evcrypto.encoding import canonical_json
from trustee import TrusteeError

FORMAT = "evoting-trustee-secret/v1"
SCRYPT_N = 2**15  # about 0.1 s and 32 MiB per derivation
SCRYPT_R = 8
SCRYPT_P = 1
HEADER_FIELDS = ("format", "election_id", "election_hash", "ceremony_id", "trustee")


@dataclass(frozen=True)
class TrusteeSecrets:
    """What one trustee keeps private for one election."""

    election_id: int
    election_hash: str
    ceremony_id: str
    trustee: int
    encryption_key: str  # X25519 private key, hex
    polynomial: tuple[str, ...] = ()  # the dealing's coefficients, scalar hex, constant first
    share: str | None = field(default=None, repr=False)  # s_i once the ceremony is done
    # The trustees' keys this trustee confirmed out of band before dealing (a fingerprint).
    confirmed_keys: str | None = None
    # SHA-256 of the one aggregate this trustee decrypted for this election: never another.
    decrypted: str | None = None

    def with_share(self, share_hex: str) -> TrusteeSecrets:
        return replace(self, share=share_hex)

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "election_id": self.election_id,
            "election_hash": self.election_hash,
            "ceremony_id": self.ceremony_id,
            "trustee": self.trustee,
        }

    def private(self) -> dict[str, Any]:
        return {
            "encryption_key": self.encryption_key,
            "polynomial": list(self.polynomial),
            "share": self.share,
            "confirmed_keys": self.confirmed_keys,
            "decrypted": self.decrypted,
        }


def write_secrets(path: Path, secrets: TrusteeSecrets, passphrase: str) -> None:
    """Encrypt and write the file atomically, readable by its owner only."""
    _check_passphrase(passphrase)
    salt = os.urandom(16)
    key, check = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    header = secrets.header()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, canonical_json(secrets.private()), canonical_json(header))
    document = header | {
        "kdf": {"name": "scrypt", "salt": salt.hex(), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "check": check.hex(),
        "nonce": nonce.hex(),
        "ciphertext": sealed.hex(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(canonical_json(document))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, path)


def read_header(path: Path) -> dict[str, Any]:
    """The clear header (who and which election), without the passphrase; not authenticated
    until `read_secrets` opens the file."""
    document = _load(path)
    return {name: document[name] for name in HEADER_FIELDS}


def read_secrets(path: Path, passphrase: str) -> TrusteeSecrets:
    """Open the file; TrusteeError naming the problem in one line."""
    document = _load(path)
    try:
        kdf = document["kdf"]
        salt, n, r, p = bytes.fromhex(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"]
        check = bytes.fromhex(document["check"])
        nonce = bytes.fromhex(document["nonce"])
        sealed = bytes.fromhex(document["ciphertext"])
        if kdf["name"] != "scrypt" or not all(isinstance(x, int) for x in (n, r, p)):
            raise ValueError("unknown key derivation")
        if not (2**14 <= n <= 2**17 and 8 <= r <= 16 and 1 <= p <= 4):
            raise ValueError("scrypt parameters out of range")
        key, expected = _derive(passphrase, salt, n, r, p)
    except (KeyError, TypeError, ValueError) as exc:
        raise TrusteeError(f"{path} is damaged: {exc}") from None
    if not bytes_eq(check, expected):
        raise TrusteeError(f"wrong passphrase for {path}")
    header = {name: document[name] for name in HEADER_FIELDS}
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, canonical_json(header))
        private = json.loads(plain)
        return TrusteeSecrets(
            election_id=header["election_id"],
            election_hash=header["election_hash"],
            ceremony_id=header["ceremony_id"],
            trustee=header["trustee"],
            encryption_key=private["encryption_key"],
            polynomial=tuple(private["polynomial"]),
            share=private["share"],
            confirmed_keys=private.get("confirmed_keys"),
            decrypted=private.get("decrypted"),
        )
    except InvalidTag:
        raise TrusteeError(
            f"{path} has been altered: its contents no longer match their authentication tag"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TrusteeError(f"{path} is damaged: {exc}") from None


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise TrusteeError(f"no secret file at {path}") from None
    except OSError as exc:
        raise TrusteeError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise TrusteeError(f"{path} is not a trustee secret file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrusteeError(f"{path} is not a trustee secret file ({FORMAT})")
    if any(name not in document for name in HEADER_FIELDS):
        raise TrusteeError(f"{path} is damaged: its header is incomplete")
    return document


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode())
    return material[:32], material[32:]


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < 8:
        raise TrusteeError("a passphrase needs at least 8 characters")
