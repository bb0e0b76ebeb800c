"""Ballot cryptography for evoting: a pure library (no Django, network or clock imports).

Exponential ElGamal over secp256k1 (via coincurve), zero-knowledge ballot proofs, a homomorphic
tally with a proven (optionally k-of-n threshold) decryption, and an independent verifier
(``python -m evcrypto.verify <record-dir>``). Every public function raises `CryptoError`, and
only it, for bad input or a failed check; the message names what failed.

The backend's API::

    params = ElectionParameters("2026-board", "Board election", ("Ada", "Grace", "Linus"))
    election_hash = params.election_hash          # SHA-256 hex of the canonical parameters

    # Keys: a single holder, or a k-of-n ceremony (run_key_ceremony, or per trustee:
    # start_key_ceremony / verify_key_share / finish_key_ceremony).
    election_key, trustee_key = generate_election_key(election_hash)
    public_key = election_key.public_key           # ElectionPublicKey

    ballot = encrypt_ballot(params, public_key, voter_pseudonym, [0, 1, 0])  # -> Ballot
    data = ballot_to_json(ballot)                  # canonical JSON bytes (cast, stored)
    ballot = ballot_from_json(data, public_key.group)
    verify_ballot(params, public_key, voter_pseudonym, ballot)   # None or CryptoError
    receipt = ballot_tracker(ballot)               # SHA-256 hex of the canonical ballot
    spoiled = spoilable_ballot(params, public_key, voter_pseudonym, [0, 1, 0])
    verify_spoiled_ballot(params, public_key, spoiled)   # a challenged ballot's randomness
    verify_ballots(public_key, election_hash, ballots, 3)   # batch check, ~2.5x faster

    encrypted = aggregate(ballots, 3, public_key.group)      # -> Aggregate
    tally = decrypt_tally(election_key, trustee_key, encrypted, election_hash)
    tally.counts                                   # (4, 3, 3), with partial decryptions
    verify_decryption(election_key, encrypted, tally, election_hash)

    write_record(directory, ElectionRecord(params, election_key, ballots, encrypted, tally))

Several contests, other counting rules and voter weights (record format 2)::

    contests = (
        Contest("board", "Board", ("Ada", "Grace", "Linus"), Choose(1, 2)),
        Contest("budget", "Budget", ("Roads", "Parks"), Cumulative(points=10, max_per_option=7)),
        Contest("motion", "Motion 1", ("Yes",), Choose(0, 1)),
    )
    roll = {voter: 3, ...}                         # every voter who may vote, fixed up front
    params = ElectionParameters("2026-agm", "AGM", contests=contests, weighted=True,
                                weights_hash=weight_roll_hash(roll, contests))
    ballot = encrypt_contest_ballot(params, public_key, voter, [[1, 0, 1], [3, 7], [1]])
    verify_ballot(params, public_key, voter, ballot)      # either format
    verify_election_ballots(params, public_key, ballots)   # batch, either format
    encrypted = election_aggregate(params, ballots, roll)   # ballot x its weight
    tally = decrypt_tally(election_key, trustee_key, encrypted, election_hash,
                          params.value_maxima)

Threshold decryption across machines: each trustee calls ``partial_decrypt(trustee_key,
aggregate, election_hash)``; anyone calls ``combine_decryption(election_key, aggregate,
partials, election_hash)`` with any >= k of them.

Canonical JSON (`canonical_json`) is the one encoding for hashing, trackers, record files and
the verifier. The record format is in docs/election-record.md.
"""

from evcrypto.ballot import Ballot, Selection, ballot_from_json, encrypt_ballot
from evcrypto.batch import verify_ballots, verify_election_ballots
from evcrypto.contest_ballot import (
    ContestBallot,
    ContestSelections,
    ballot_to_json,
    ballot_tracker,
    encrypt_contest_ballot,
    parse_ballot,
    verify_ballot,
)
from evcrypto.contests import Choose, Contest, Cumulative, Score, weight_roll_hash
from evcrypto.dlog import discrete_log
from evcrypto.elgamal import Ciphertext, ElectionPublicKey, decrypt, encrypt
from evcrypto.encoding import canonical_json, parse_canonical_json, parse_json
from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group, group_named
from evcrypto.keys import (
    ElectionKey,
    KeyDealing,
    TrusteeCommitment,
    TrusteeKey,
    deal,
    finish_key_ceremony,
    generate_election_key,
    run_key_ceremony,
    start_key_ceremony,
    verify_election_key,
    verify_key_share,
    verify_trustee_commitment,
)
from evcrypto.parameters import ElectionParameters
from evcrypto.proofs import ChaumPedersenProof, SchnorrProof
from evcrypto.record import ElectionRecord, write_record
from evcrypto.secp256k1 import SECP256K1
from evcrypto.spoil import (
    SpoiledBallot,
    decode_revealed,
    spoilable_ballot,
    verify_spoiled_ballot,
)
from evcrypto.tally import (
    Aggregate,
    DecryptedTally,
    PartialDecryption,
    aggregate,
    aggregate_ciphertexts,
    combine_decryption,
    count_bounds,
    decrypt_tally,
    election_aggregate,
    partial_decrypt,
    verified_aggregate,
    verify_decryption,
    verify_partial_decryption,
)
from evcrypto.testgroup import TEST_GROUP

__all__ = [
    "SECP256K1",
    "TEST_GROUP",
    "Aggregate",
    "Ballot",
    "ChaumPedersenProof",
    "Choose",
    "Ciphertext",
    "Contest",
    "ContestBallot",
    "ContestSelections",
    "CryptoError",
    "Cumulative",
    "DecryptedTally",
    "ElectionKey",
    "ElectionParameters",
    "ElectionPublicKey",
    "ElectionRecord",
    "Element",
    "Group",
    "KeyDealing",
    "PartialDecryption",
    "SchnorrProof",
    "Score",
    "Selection",
    "SpoiledBallot",
    "TrusteeCommitment",
    "TrusteeKey",
    "aggregate",
    "aggregate_ciphertexts",
    "ballot_from_json",
    "ballot_to_json",
    "ballot_tracker",
    "canonical_json",
    "combine_decryption",
    "count_bounds",
    "deal",
    "decode_revealed",
    "decrypt",
    "decrypt_tally",
    "discrete_log",
    "election_aggregate",
    "encrypt",
    "encrypt_ballot",
    "encrypt_contest_ballot",
    "finish_key_ceremony",
    "generate_election_key",
    "group_named",
    "parse_ballot",
    "parse_canonical_json",
    "parse_json",
    "partial_decrypt",
    "run_key_ceremony",
    "spoilable_ballot",
    "start_key_ceremony",
    "verify_ballot",
    "verify_ballots",
    "verify_election_ballots",
    "verified_aggregate",
    "verify_decryption",
    "verify_election_key",
    "verify_key_share",
    "verify_partial_decryption",
    "verify_spoiled_ballot",
    "verify_trustee_commitment",
    "weight_roll_hash",
    "write_record",
]
