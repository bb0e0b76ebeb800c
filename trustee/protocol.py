"""What the trustee command and the server both compute about a ceremony, so each side can
check the other: fingerprints that trustees compare out of band, and the commitments' hash a
share check is reported against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evcrypto.encoding import canonical_hash

FINGERPRINT_DOMAIN = "evoting/trustee-fingerprint/v1"
KEYS_DOMAIN = "evoting/trustee-keys/v1"


def trustee_fingerprint(index: int, encryption_key: str, commitment: Any) -> str:
    """What trustee `index` published, in 16 hex digits grouped by four: read it aloud to the
    other trustees (or compare it on paper) to know the server showed everyone the same."""
    digest = canonical_hash(
        {
            "domain": FINGERPRINT_DOMAIN,
            "trustee": index,
            "encryption_key": encryption_key,
            "commitment": commitment,
        }
    )[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def keys_fingerprint(
    election_hash: str, threshold: int, encryption_keys: Sequence[tuple[int, str]]
) -> str:
    """What every trustee confirms with the others, out of band, before dealing a single
    share: the election, k, and every trustee's encryption key (n of them). A server that
    showed one trustee a key of its own to collect that trustee's shares is caught here."""
    digest = canonical_hash(
        {
            "domain": KEYS_DOMAIN,
            "election_hash": election_hash,
            "threshold": threshold,
            "encryption_keys": [[index, key] for index, key in encryption_keys],
        }
    )[:32]  # the server picks keys on both sides: 128 bits against collisions
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))


def commitments_hash(commitments: Sequence[Any]) -> str:
    """SHA-256 of every trustee's commitment in index order: a share check names the exact set
    of commitments it checked the shares against."""
    return canonical_hash(list(commitments))
