"""Ballot-crypto benchmark: a 3-candidate ballot on secp256k1, one core.

    python bench/bench_crypto.py [--ballots 1000] [--tally-ballots 100000]

Prints the group's primitive costs, then one `RESULT name=value unit` line per figure:
encrypt+prove, single and batch verification, and tally + decryption of 100,000 ballots;
then encrypt+prove, single and batch verification of a 3-contest ballot (record format 2:
choose 1..2 of 5 options, a score 0..5 on 3 options, and a yes/no question).
The 100,000 ballots for the tally are real encryptions of one vote each, made without proofs
(proofs play no part in the sum and would take minutes to make); the tally time covers the
homomorphic sum, a 2-of-3 threshold decryption with its proofs, and the discrete logarithms,
including building the baby-step table. Everything runs in this one process: Python and
libsecp256k1 use a single core.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evcrypto import (  # noqa: E402 - the path above makes the script runnable from anywhere
    SECP256K1,
    Ballot,
    Choose,
    Contest,
    ContestBallot,
    ElectionParameters,
    Score,
    aggregate_ciphertexts,
    ballot_from_json,
    ballot_to_json,
    decrypt_tally,
    encrypt,
    encrypt_ballot,
    encrypt_contest_ballot,
    run_key_ceremony,
    verify_ballot,
    verify_ballots,
    verify_election_ballots,
)

CANDIDATES = 3
CONTESTS = (
    Contest("board", "Board", ("A", "B", "C", "D", "E"), Choose(1, 2)),
    Contest("ideas", "Ideas", ("X", "Y", "Z"), Score(5)),
    Contest("motion", "Motion", ("Yes",), Choose(0, 1)),
)


def one_vote(rng: random.Random) -> list[int]:
    choice = rng.randrange(CANDIDATES)
    return [int(j == choice) for j in range(CANDIDATES)]


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def repeat(action: Callable[[], object], rounds: int) -> None:
    for _ in range(rounds):
        action()


def contest_rows(rng: random.Random) -> list[list[int]]:
    chosen = rng.sample(range(5), rng.randint(1, 2))
    return [
        [int(j in chosen) for j in range(5)],
        [rng.randint(0, 5) for _ in range(3)],
        [rng.randint(0, 1)],
    ]


def contest_figures(count: int) -> dict[str, float]:
    """Encrypt+prove, verify and batch-verify rates of the 3-contest ballot."""
    parameters = ElectionParameters("bench-contests", "Benchmark", contests=CONTESTS)
    election_key, _ = run_key_ceremony(parameters.election_hash, 2, 3)
    public_key = election_key.public_key
    rng = random.Random(2)
    rows = [contest_rows(rng) for _ in range(count)]
    ballots: list[ContestBallot] = []
    seconds = timed(
        lambda: ballots.extend(
            encrypt_contest_ballot(parameters, public_key, f"voter-{i}", row)
            for i, row in enumerate(rows)
        )
    )

    def verify_each() -> None:
        for ballot in ballots:
            verify_ballot(parameters, public_key, ballot.voter, ballot)

    batch = ballots * max(1, 2000 // count)
    batch_seconds = min(
        timed(lambda: verify_election_ballots(parameters, public_key, batch)) for _ in range(3)
    )
    return {
        "encrypt": per_second(count, seconds),
        "verify": per_second(count, timed(verify_each)),
        "batch": per_second(len(batch), batch_seconds),
    }


def primitive_costs() -> None:
    g, k = SECP256K1.generator(), SECP256K1.random_scalar()
    point = g * SECP256K1.random_scalar()
    fixed = SECP256K1.fixed_base(point)
    fixed * k  # builds its table
    rounds = 5000
    actions: list[tuple[str, Callable[[], object]]] = [
        ("point multiply (coincurve PublicKey.multiply)", lambda: point * k),
        ("generator multiply (ec_pubkey_create)", lambda: SECP256K1.mul_base(k)),
        ("fixed-base multiply (election key table)", lambda: fixed * k),
        ("point add (PublicKey.combine_keys)", lambda: point + g),
    ]
    for name, action in actions:
        seconds = timed(partial(repeat, action, rounds))
        print(f"{name}: {seconds / rounds * 1e6:.1f} us")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--tally-ballots", type=int, default=100_000)
    options = parser.parse_args()
    count = options.ballots

    parameters = ElectionParameters("bench", "Benchmark", ("A", "B", "C"), 1, 1, 2, 3)
    election_hash = parameters.election_hash
    election_key, trustee_keys = run_key_ceremony(election_hash, 2, 3)
    public_key = election_key.public_key
    rng = random.Random(1)
    choices = [one_vote(rng) for _ in range(count)]
    primitive_costs()

    ballots: list[Ballot] = []
    seconds = timed(
        lambda: ballots.extend(
            encrypt_ballot(parameters, public_key, f"voter-{i}", row)
            for i, row in enumerate(choices)
        )
    )
    encrypt_rate = per_second(count, seconds)

    def verify_each() -> None:
        for ballot in ballots:
            verify_ballot(parameters, public_key, ballot.voter, ballot)

    verify_rate = per_second(count, timed(verify_each))

    cast = [ballot_to_json(ballot) for ballot in ballots]

    def parse_and_verify_each() -> None:
        for data in cast:
            ballot = ballot_from_json(data, SECP256K1)
            verify_ballot(parameters, public_key, ballot.voter, ballot)

    json_rate = per_second(count, timed(parse_and_verify_each))
    batch = ballots * max(1, 2000 // count)  # one 2,000-ballot run, the verifier's chunk size
    batch_rate = per_second(
        len(batch),
        min(
            timed(lambda: verify_ballots(public_key, election_hash, batch, CANDIDATES))
            for _ in range(3)
        ),
    )

    tally_count = options.tally_ballots
    print(f"encrypting {tally_count} ballots without proofs for the tally ...", flush=True)
    rows = [tuple(encrypt(public_key, vote) for vote in one_vote(rng)) for _ in range(tally_count)]
    result: list[object] = []

    def tally() -> None:
        encrypted = aggregate_ciphertexts(rows, CANDIDATES, SECP256K1)
        result.append(decrypt_tally(election_key, trustee_keys[:2], encrypted, election_hash))

    tally_seconds = timed(tally)
    print(f"tally counts: {result[0].counts}")  # type: ignore[attr-defined]
    print("3-contest ballots (choose 1..2 of 5, score 0..5 on 3, yes/no) ...", flush=True)
    contests = contest_figures(count)

    print(f"RESULT encrypt_prove_per_s={encrypt_rate:.0f} ballots/s")
    print(f"RESULT verify_per_s={verify_rate:.0f} ballots/s")
    print(f"RESULT verify_json_per_s={json_rate:.0f} ballots/s")
    print(f"RESULT batch_verify_per_s={batch_rate:.0f} ballots/s")
    print(f"RESULT tally_decrypt_100k_s={tally_seconds:.2f} s")
    print(f"RESULT contests3_encrypt_prove_per_s={contests['encrypt']:.0f} ballots/s")
    print(f"RESULT contests3_verify_per_s={contests['verify']:.0f} ballots/s")
    print(f"RESULT contests3_batch_verify_per_s={contests['batch']:.0f} ballots/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
