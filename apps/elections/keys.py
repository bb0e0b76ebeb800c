"""Sealing the election's private key under the key-encryption key (Fernet, from settings),
so the database never holds it in the clear."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from evcrypto import TrusteeKey, group_named


def _fernet() -> Fernet:
    return Fernet(settings.ELECTION_KEY_ENCRYPTION_KEY.encode())


def seal(key: TrusteeKey) -> str:
    document = {"group": key.group.name, "trustee": key.trustee, "secret": format(key.secret, "x")}
    return _fernet().encrypt(json.dumps(document).encode()).decode()


def unseal(token: str) -> TrusteeKey:
    try:
        document = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise RuntimeError(
            "the election key cannot be unsealed with this key-encryption key"
        ) from exc
    return TrusteeKey(
        group_named(document["group"]), document["trustee"], int(document["secret"], 16)
    )
