"""Many real ballots at once, over every core: each worker process encrypts its share of the
voters (with proofs, one choice each, the choices going round the candidates). Imports
evcrypto only, so worker processes start without Django."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from evcrypto import ElectionParameters, ElectionPublicKey, ballot_to_json, encrypt_ballot

CHUNK = 2000


def _encrypt(
    parameters: dict[str, Any], key: dict[str, Any], first: int, voters: list[str]
) -> list[bytes]:
    rules = ElectionParameters.from_dict(parameters)
    public_key = ElectionPublicKey.from_dict(key)
    count = len(rules.candidates)
    return [
        ballot_to_json(
            encrypt_ballot(
                rules,
                public_key,
                voter,
                [1 if position == (first + i) % count else 0 for position in range(count)],
            )
        )
        for i, voter in enumerate(voters)
    ]


def encrypt_ballots(
    parameters: ElectionParameters,
    public_key: ElectionPublicKey,
    voters: Sequence[str],
    workers: int | None = None,
) -> list[bytes]:
    """Voter i's ballot (canonical JSON) chooses candidate i mod the number of candidates."""
    chunks = [
        (start, list(voters[start : start + CHUNK])) for start in range(0, len(voters), CHUNK)
    ]
    with ProcessPoolExecutor(
        workers or os.cpu_count() or 1, mp_context=get_context("spawn")
    ) as pool:
        parts = pool.map(
            _encrypt,
            [parameters.to_dict()] * len(chunks),
            [public_key.to_dict()] * len(chunks),
            [start for start, _ in chunks],
            [voters for _, voters in chunks],
        )
        return [ballot for part in parts for ballot in part]
