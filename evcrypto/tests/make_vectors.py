"""Write the committed test vectors: a small secp256k1 election record.

    python -m evcrypto.tests.make_vectors [directory]   (default: evcrypto/tests/vectors)

3 candidates, one selection each, a 2-of-3 trustee key, 10 ballots, decrypted by trustees 1
and 3. Run once; the tests verify the committed files, so re-running changes every random
value and needs a commit of its own.
"""

import sys
from pathlib import Path

from evcrypto import (
    SECP256K1,
    ElectionParameters,
    ElectionRecord,
    aggregate,
    decrypt_tally,
    encrypt_ballot,
    run_key_ceremony,
    write_record,
)

VECTORS = Path(__file__).parent / "vectors"
CANDIDATES = ("Ada Lovelace", "Grace Hopper", "Linus Torvalds")
CHOICES = (0, 1, 1, 2, 0, 1, 1, 0, 2, 1)  # each voter's candidate; counts 3, 5, 2


def make_record() -> ElectionRecord:
    parameters = ElectionParameters(
        election_id="vectors-2026",
        title="Test vector election",
        candidates=CANDIDATES,
        threshold=2,
        trustee_count=3,
        group=SECP256K1,
    )
    election_hash = parameters.election_hash
    election_key, trustee_keys = run_key_ceremony(election_hash, 2, 3, SECP256K1)
    ballots = tuple(
        encrypt_ballot(
            election_key.public_key,
            election_hash,
            f"voter-{number:02d}",
            [int(candidate == choice) for candidate in range(len(CANDIDATES))],
        )
        for number, choice in enumerate(CHOICES)
    )
    encrypted = aggregate(ballots, len(CANDIDATES), SECP256K1)
    tally = decrypt_tally(
        election_key, (trustee_keys[0], trustee_keys[2]), encrypted, election_hash
    )
    return ElectionRecord(parameters, election_key, ballots, encrypted, tally)


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else VECTORS
    write_record(directory, make_record())
    print(f"wrote {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
