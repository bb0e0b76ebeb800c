"""Ballot cryptography for evoting: a pure library (no Django, network or clock imports).

This first step holds the group interface, canonical JSON and exponential ElGamal.
"""

from evcrypto.dlog import discrete_log
from evcrypto.elgamal import Ciphertext, ElectionPublicKey, decrypt, encrypt
from evcrypto.encoding import canonical_json, parse_canonical_json, parse_json
from evcrypto.errors import CryptoError
from evcrypto.group import SECP256K1, TEST_GROUP, Element, Group, group_named

__all__ = [
    "SECP256K1",
    "TEST_GROUP",
    "Ciphertext",
    "CryptoError",
    "ElectionPublicKey",
    "Element",
    "Group",
    "canonical_json",
    "decrypt",
    "discrete_log",
    "encrypt",
    "group_named",
    "parse_canonical_json",
    "parse_json",
]
