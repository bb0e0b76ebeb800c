"""Write the committed test vectors: two small secp256k1 election records.

    python -m evcrypto.tests.make_vectors [directory]            (default: evcrypto/tests/vectors)
    python -m evcrypto.tests.make_vectors --contests [directory]
                                               (default: evcrypto/tests/vectors-contests)

Format 1 (`vectors`): 3 candidates, one selection each, a 2-of-3 trustee key, 10 ballots,
decrypted by trustees 1 and 3, and 2 spoiled (challenged, never counted) ballots.

Format 2 (`vectors-contests`): one contest of each rule (choose 1..2 of 3, a score 0..5 on 3
options, 10 cumulative points at most 6 on one of 3 options, and a yes/no question), 6
weighted voters, a 2-of-3 trustee key, decrypted by trustees 2 and 3, and 1 spoiled ballot.

Run once; the tests verify the committed files, so re-running changes every random value and
needs a commit of its own.
"""

import sys
from pathlib import Path

from evcrypto import (
    SECP256K1,
    Choose,
    Contest,
    Cumulative,
    ElectionParameters,
    ElectionRecord,
    Score,
    aggregate,
    decrypt_tally,
    election_aggregate,
    encrypt_ballot,
    encrypt_contest_ballot,
    run_key_ceremony,
    spoilable_ballot,
    weight_roll_hash,
    write_record,
)

VECTORS = Path(__file__).parent / "vectors"
CONTEST_VECTORS = Path(__file__).parent / "vectors-contests"
CANDIDATES = ("Ada Lovelace", "Grace Hopper", "Linus Torvalds")
CHOICES = (0, 1, 1, 2, 0, 1, 1, 0, 2, 1)  # each voter's candidate; counts 3, 5, 2
SPOILED = ((3, 2), (7, 1))  # (voter number, candidate) of each challenged ballot


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
            parameters,
            election_key.public_key,
            f"voter-{number:02d}",
            [int(candidate == choice) for candidate in range(len(CANDIDATES))],
        )
        for number, choice in enumerate(CHOICES)
    )
    encrypted = aggregate(ballots, len(CANDIDATES), SECP256K1)
    tally = decrypt_tally(
        election_key, (trustee_keys[0], trustee_keys[2]), encrypted, election_hash
    )
    spoiled = tuple(
        spoilable_ballot(
            parameters,
            election_key.public_key,
            f"voter-{number:02d}",
            [int(candidate == choice) for candidate in range(len(CANDIDATES))],
        )
        for number, choice in SPOILED
    )
    return ElectionRecord(parameters, election_key, ballots, encrypted, tally, spoiled)


CONTESTS = (
    Contest("board", "Board", ("Ada Lovelace", "Grace Hopper", "Linus Torvalds"), Choose(1, 2)),
    Contest("proposals", "Rate the proposals", ("Library", "Garden", "Bikes"), Score(5)),
    Contest("budget", "Budget", ("Schools", "Clinics", "Bridges"), Cumulative(10, 6)),
    Contest("motion", "Adopt the new statutes", ("Yes",), Choose(0, 1)),
)
# (voter, weight, one row of values per contest)
CONTEST_BALLOTS = (
    ("voter-a", 1, ((1, 0, 0), (5, 3, 0), (6, 4, 0), (1,))),
    ("voter-b", 3, ((0, 1, 1), (2, 2, 2), (0, 4, 6), (1,))),
    ("voter-c", 1, ((1, 1, 0), (0, 0, 5), (3, 3, 3), (0,))),
    ("voter-d", 2, ((0, 0, 1), (4, 1, 0), (0, 0, 0), (1,))),
    ("voter-e", 5, ((0, 1, 0), (3, 5, 1), (5, 5, 0), (0,))),
    ("voter-f", 1, ((1, 0, 1), (1, 1, 1), (1, 2, 3), (1,))),
)
CONTEST_SPOILED = ("voter-c", ((0, 1, 0), (1, 2, 3), (2, 2, 2), (1,)))


def make_contest_record() -> ElectionRecord:
    weights = {voter: weight for voter, weight, _ in CONTEST_BALLOTS}
    parameters = ElectionParameters(
        election_id="vectors-contests-2026",
        title="Test vector annual meeting",
        threshold=2,
        trustee_count=3,
        group=SECP256K1,
        contests=CONTESTS,
        weighted=True,
        weights_hash=weight_roll_hash(weights, CONTESTS),
    )
    election_hash = parameters.election_hash
    election_key, trustee_keys = run_key_ceremony(election_hash, 2, 3, SECP256K1)
    public_key = election_key.public_key
    ballots = tuple(
        encrypt_contest_ballot(parameters, public_key, voter, rows)
        for voter, _, rows in CONTEST_BALLOTS
    )
    encrypted = election_aggregate(parameters, ballots, weights)
    tally = decrypt_tally(
        election_key, trustee_keys[1:], encrypted, election_hash, parameters.value_maxima
    )
    voter, rows = CONTEST_SPOILED
    spoiled = (spoilable_ballot(parameters, public_key, voter, rows),)
    return ElectionRecord(parameters, election_key, ballots, encrypted, tally, spoiled, weights)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--contests"]:
        directory = Path(argv[1]) if argv[1:] else CONTEST_VECTORS
        write_record(directory, make_contest_record())
    else:
        directory = Path(argv[0]) if argv else VECTORS
        write_record(directory, make_record())
    print(f"wrote {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
