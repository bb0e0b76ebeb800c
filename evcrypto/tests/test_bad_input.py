"""Bad input to any public function raises CryptoError, never a crash deep inside.

Each public function is called with valid arguments in which one argument at a time is
replaced by garbage. The call may still succeed when the garbage happens to be valid there
(a voter pseudonym may be any string); anything but success or CryptoError is a bug.
"""

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import evcrypto
from evcrypto import (
    SECP256K1,
    TEST_GROUP,
    Aggregate,
    Ballot,
    ChaumPedersenProof,
    Choose,
    Ciphertext,
    Contest,
    ContestBallot,
    ContestSelections,
    CryptoError,
    Cumulative,
    DecryptedTally,
    ElectionKey,
    ElectionParameters,
    ElectionPublicKey,
    ElectionRecord,
    PartialDecryption,
    SchnorrProof,
    Score,
    Selection,
    TrusteeCommitment,
    TrusteeKey,
)
from evcrypto.tests.conftest import (
    ALICE,
    CONTEST_CHOICES,
    CONTEST_ROLL,
    CONTESTS,
    Election,
    make_contest_election,
    make_election,
)
from evcrypto.tests.make_vectors import CONTEST_VECTORS
from evcrypto.verify import verify_record

GARBAGE: list[object] = [
    None,
    True,
    1.5,
    -1,
    0,
    2**300,
    "",
    "zz",
    "\x00",
    b"\x00",
    [],
    {},
    [None],
    object(),
    SECP256K1.generator(),
    TEST_GROUP.generator(),
    SECP256K1,
]


class Valid:
    """One valid value of each kind, on the test group (fast)."""

    def __init__(self, tmp_path: Path) -> None:
        self.election: Election = make_election(TEST_GROUP)
        e = self.election
        self.parameters = e.parameters
        self.hash = e.election_hash
        self.key = e.public_key
        self.ballot = evcrypto.encrypt_ballot(e.parameters, self.key, ALICE, [0, 1, 0])
        self.aggregate = evcrypto.aggregate([self.ballot], 3, TEST_GROUP)
        self.partial = evcrypto.partial_decrypt(e.trustee_keys[0], self.aggregate, self.hash)
        self.tally = evcrypto.decrypt_tally(
            e.election_key, e.trustee_keys, self.aggregate, self.hash
        )
        self.spoiled = evcrypto.spoilable_ballot(e.parameters, self.key, ALICE, [0, 1, 0])
        self.dealing = evcrypto.start_key_ceremony(self.hash, 1, 1, 1, TEST_GROUP)
        self.record = ElectionRecord(
            e.parameters, e.election_key, (self.ballot,), self.aggregate, self.tally
        )
        self.directory = tmp_path / "record"
        self.contests: Election = make_contest_election(TEST_GROUP)
        c = self.contests
        self.contest_ballot = evcrypto.encrypt_contest_ballot(
            c.parameters, c.public_key, ALICE, CONTEST_CHOICES
        )
        known_key = ElectionPublicKey(TEST_GROUP, TEST_GROUP.mul_base(5))
        self.known_ciphertext = evcrypto.encrypt(known_key, 3)  # secret 5, message 3


def calls(v: Valid) -> dict[str, tuple[Callable[..., Any], list[object]]]:
    e, ballot = v.election, v.ballot
    selection = ballot.selections[0]
    commitment = e.election_key.commitments[0]
    return {
        "ElectionPublicKey": (ElectionPublicKey, [TEST_GROUP, v.key.element]),
        "ElectionPublicKey.from_dict": (ElectionPublicKey.from_dict, [v.key.to_dict()]),
        "Ciphertext": (Ciphertext, [selection.ciphertext.alpha, selection.ciphertext.beta]),
        "Ciphertext.from_dict": (
            Ciphertext.from_dict,
            [TEST_GROUP, selection.ciphertext.to_dict()],
        ),
        "encrypt": (evcrypto.encrypt, [v.key, 3, 5]),
        "decrypt": (evcrypto.decrypt, [5, v.known_ciphertext, 10]),
        "discrete_log": (evcrypto.discrete_log, [TEST_GROUP.mul_base(3), 10]),
        "encrypt_ballot": (evcrypto.encrypt_ballot, [e.parameters, v.key, ALICE, [0, 1, 0]]),
        "verify_ballot": (evcrypto.verify_ballot, [e.parameters, v.key, ALICE, ballot]),
        "verify_ballots": (evcrypto.verify_ballots, [v.key, v.hash, [ballot], 3, 1, 1]),
        "ballot_to_json": (evcrypto.ballot_to_json, [ballot]),
        "ballot_from_json": (
            evcrypto.ballot_from_json,
            [evcrypto.ballot_to_json(ballot), TEST_GROUP],
        ),
        "ballot_tracker": (evcrypto.ballot_tracker, [ballot]),
        "Ballot": (Ballot, [v.hash, ALICE, ballot.selections, ballot.count_proof]),
        "Ballot.from_dict": (Ballot.from_dict, [ballot.to_dict(), TEST_GROUP]),
        "Selection": (Selection, [selection.ciphertext, selection.proof]),
        "spoilable_ballot": (evcrypto.spoilable_ballot, [e.parameters, v.key, ALICE, [0, 1, 0]]),
        "SpoiledBallot": (
            evcrypto.SpoiledBallot,
            [v.spoiled.ballot, v.spoiled.choices, v.spoiled.randomness],
        ),
        "SpoiledBallot.from_dict": (
            evcrypto.SpoiledBallot.from_dict,
            [v.spoiled.to_dict(), TEST_GROUP],
        ),
        "decode_revealed": (
            evcrypto.decode_revealed,
            [v.key, v.spoiled.ballot, v.spoiled.randomness, ("a", "b", "c")],
        ),
        "verify_spoiled_ballot": (
            evcrypto.verify_spoiled_ballot,
            [e.parameters, v.key, v.spoiled, ALICE],
        ),
        "ChaumPedersenProof": (
            ChaumPedersenProof,
            [selection.proof[0].a, selection.proof[0].b, 1, 2],
        ),
        "ChaumPedersenProof.from_dict": (
            ChaumPedersenProof.from_dict,
            [TEST_GROUP, selection.proof[0].to_dict(), "proof"],
        ),
        "SchnorrProof": (SchnorrProof, [commitment.proofs[0].commitment, 1, 2]),
        "SchnorrProof.from_dict": (
            SchnorrProof.from_dict,
            [TEST_GROUP, commitment.proofs[0].to_dict(), "proof"],
        ),
        "canonical_json": (evcrypto.canonical_json, [{"a": [1]}]),
        "parse_json": (evcrypto.parse_json, [b"{}"]),
        "parse_canonical_json": (evcrypto.parse_canonical_json, [b"{}"]),
        "group_named": (evcrypto.group_named, ["secp256k1"]),
        "decode": (SECP256K1.decode, [SECP256K1.generator().encode()]),
        "element_from_hex": (SECP256K1.element_from_hex, [SECP256K1.generator().hex(), "point"]),
        "scalar_from_hex": (SECP256K1.scalar_from_hex, ["00" * 32, "scalar"]),
        "mul_base": (SECP256K1.mul_base, [7]),
        "multi_mul": (SECP256K1.multi_mul, [[(SECP256K1.generator(), 2)]]),
        "fixed_base": (SECP256K1.fixed_base, [SECP256K1.generator()]),
        "TrusteeCommitment": (
            TrusteeCommitment,
            [1, commitment.coefficients, commitment.proofs],
        ),
        "TrusteeKey": (TrusteeKey, [TEST_GROUP, 1, 5]),
        "ElectionKey": (ElectionKey, [2, e.election_key.commitments]),
        "ElectionKey.from_dict": (ElectionKey.from_dict, [e.election_key.to_dict()]),
        "share_for": (v.dealing.share_for, [1]),
        "start_key_ceremony": (evcrypto.start_key_ceremony, [v.hash, 1, 1, 1, TEST_GROUP]),
        "deal": (evcrypto.deal, [v.hash, 1, [5, 7], TEST_GROUP]),
        "verify_trustee_commitment": (evcrypto.verify_trustee_commitment, [v.hash, commitment, 2]),
        "verify_key_share": (
            evcrypto.verify_key_share,
            [v.dealing.commitment, 1, v.dealing.share_for(1)],
        ),
        "finish_key_ceremony": (
            evcrypto.finish_key_ceremony,
            [v.hash, 1, 1, [v.dealing.commitment], {1: v.dealing.share_for(1)}],
        ),
        "run_key_ceremony": (evcrypto.run_key_ceremony, [v.hash, 1, 2, TEST_GROUP]),
        "generate_election_key": (evcrypto.generate_election_key, [v.hash, TEST_GROUP]),
        "verify_election_key": (evcrypto.verify_election_key, [e.election_key, v.hash]),
        "verification_key": (e.election_key.verification_key, [2]),
        "ElectionParameters": (
            ElectionParameters,
            ["id", "title", ("a", "b"), 1, 1, 1, 1, TEST_GROUP],
        ),
        "ElectionParameters.from_dict": (ElectionParameters.from_dict, [e.parameters.to_dict()]),
        "aggregate": (evcrypto.aggregate, [[ballot], 3, TEST_GROUP]),
        "verified_aggregate": (
            evcrypto.verified_aggregate,
            [
                e.parameters,
                e.election_key.public_key,
                [(evcrypto.ballot_to_json(ballot), ballot.voter)],
            ],
        ),
        "aggregate_ciphertexts": (
            evcrypto.aggregate_ciphertexts,
            [[ballot.ciphertexts], 3, TEST_GROUP],
        ),
        "Aggregate": (Aggregate, [1, v.aggregate.ciphertexts]),
        "Aggregate.from_dict": (Aggregate.from_dict, [TEST_GROUP, v.aggregate.to_dict()]),
        "partial_decrypt": (evcrypto.partial_decrypt, [e.trustee_keys[0], v.aggregate, v.hash]),
        "verify_partial_decryption": (
            evcrypto.verify_partial_decryption,
            [e.election_key, v.aggregate, v.partial, v.hash],
        ),
        "combine_decryption": (
            evcrypto.combine_decryption,
            [e.election_key, v.aggregate, list(v.tally.partial_decryptions), v.hash],
        ),
        "decrypt_tally": (
            evcrypto.decrypt_tally,
            [e.election_key, e.trustee_keys, v.aggregate, v.hash],
        ),
        "verify_decryption": (
            evcrypto.verify_decryption,
            [e.election_key, v.aggregate, v.tally, v.hash],
        ),
        "PartialDecryption": (PartialDecryption, [1, v.partial.factors, v.partial.proofs]),
        "PartialDecryption.from_dict": (
            PartialDecryption.from_dict,
            [TEST_GROUP, v.partial.to_dict(), "share"],
        ),
        "DecryptedTally": (DecryptedTally, [v.tally.counts, v.tally.partial_decryptions]),
        "ElectionRecord": (
            ElectionRecord,
            [e.parameters, e.election_key, (ballot,), v.aggregate, v.tally],
        ),
        "write_record": (evcrypto.write_record, [v.directory, v.record]),
        **contest_calls(v),
        "verify_record": (verify_record, [v.directory]),
    }


def contest_calls(v: Valid) -> dict[str, tuple[Callable[..., Any], list[object]]]:
    """The calls of format 2: contests, their rules, contest ballots and weights."""
    c, ballot = v.contests, v.contest_ballot
    part = ballot.contests[0]
    choose, score, cumulative = (contest.rule for contest in CONTESTS[:3])
    return {
        "Choose": (Choose, [1, 2]),
        "Score": (Score, [3]),
        "Cumulative": (Cumulative, [5, 3]),
        "Contest": (Contest, ["board", "Board", ("a", "b"), choose]),
        "Contest.from_dict": (Contest.from_dict, [CONTESTS[2].to_dict(), "contest"]),
        "ContestSelections": (
            ContestSelections,
            [part.contest_id, part.selections, part.total_proof],
        ),
        "ContestBallot": (ContestBallot, [ballot.election_hash, ALICE, ballot.contests]),
        "ContestBallot.from_dict": (ContestBallot.from_dict, [ballot.to_dict(), TEST_GROUP]),
        "encrypt_contest_ballot": (
            evcrypto.encrypt_contest_ballot,
            [c.parameters, c.public_key, ALICE, CONTEST_CHOICES],
        ),
        "verify_ballot (contests)": (
            evcrypto.verify_ballot,
            [c.parameters, c.public_key, ALICE, ballot],
        ),
        "verify_election_ballots": (
            evcrypto.verify_election_ballots,
            [c.parameters, c.public_key, [ballot]],
        ),
        "parse_ballot": (evcrypto.parse_ballot, [evcrypto.ballot_to_json(ballot), TEST_GROUP]),
        "election_aggregate": (
            evcrypto.election_aggregate,
            [c.parameters, [ballot], CONTEST_ROLL],
        ),
        "weight_roll_hash": (evcrypto.weight_roll_hash, [CONTEST_ROLL, CONTESTS]),
        "count_bounds": (evcrypto.count_bounds, [v.aggregate, [1, 1, 1]]),
        "ElectionParameters (contests)": (
            ElectionParameters,
            ["id", "title", (), 1, 1, 1, 1, TEST_GROUP, CONTESTS, True, "ab" * 32],
        ),
        "ElectionParameters.from_dict (contests)": (
            ElectionParameters.from_dict,
            [c.parameters.to_dict()],
        ),
        "spoilable_ballot (contests)": (
            evcrypto.spoilable_ballot,
            [c.parameters, c.public_key, ALICE, CONTEST_CHOICES],
        ),
        "verified_aggregate (contests)": (
            evcrypto.verified_aggregate,
            [
                c.parameters,
                c.public_key,
                [(evcrypto.ballot_to_json(ballot), ALICE)],
                None,
                CONTEST_ROLL,
            ],
        ),
        "decrypt_tally (contests)": (
            evcrypto.decrypt_tally,
            [
                c.election_key,
                c.trustee_keys,
                evcrypto.election_aggregate(c.parameters, [ballot], CONTEST_ROLL),
                c.parameters.election_hash,
                c.parameters.value_maxima,
            ],
        ),
    }


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Valid:
    return Valid(tmp_path_factory.mktemp("bad-input"))


def test_every_public_name_is_covered(valid: Valid) -> None:
    covered = {name.split(".")[0].split(" ")[0] for name in calls(valid)}
    exported = {name for name in evcrypto.__all__ if name not in {"SECP256K1", "TEST_GROUP"}}
    missing = exported - covered - {"CryptoError", "Element", "Group", "KeyDealing"}
    assert not missing


def test_the_valid_arguments_are_valid(valid: Valid) -> None:
    for name, (function, arguments) in calls(valid).items():
        try:
            function(*arguments)
        except CryptoError as error:  # pragma: no cover - a broken fixture
            pytest.fail(f"{name}: {error}")


def test_garbage_in_any_argument_raises_only_crypto_error(
    valid: Valid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # garbage such as "zz" is a valid relative record directory
    crashes = []
    for name, (function, arguments) in calls(valid).items():
        for position in range(len(arguments)):
            for garbage in GARBAGE:
                changed = [*arguments[:position], garbage, *arguments[position + 1 :]]
                try:
                    function(*changed)
                except CryptoError:
                    pass
                except Exception as error:  # noqa: BLE001 - collecting every crash
                    crashes.append(f"{name} arg {position} = {garbage!r}: {error!r}")
    assert not crashes, "\n".join(crashes)


@pytest.mark.parametrize(
    "call",
    [
        lambda v: evcrypto.encrypt_ballot(v.parameters, v.key, ALICE, [1, 1, 0]),  # two selections
        lambda v: evcrypto.encrypt_ballot(v.parameters, v.key, ALICE, [2, 0, 0]),
        lambda v: dataclasses.replace(v.parameters, min_selections=2, max_selections=1),
        lambda v: evcrypto.encrypt_ballot(v.parameters, v.key, ALICE, [0, 1]),  # 3 candidates
        lambda v: evcrypto.encrypt_ballot(v.parameters, v.key, "", [0, 1, 0]),
        lambda v: evcrypto.encrypt(v.key, -1),
        lambda v: evcrypto.encrypt(v.key, 1, TEST_GROUP.order),
        lambda v: evcrypto.ballot_from_json(b'{"voter": 1.5}', TEST_GROUP),
        lambda v: evcrypto.ballot_from_json(b"[", TEST_GROUP),
        lambda v: evcrypto.ballot_from_json(evcrypto.ballot_to_json(v.ballot), SECP256K1),
        lambda v: SECP256K1.decode(b"\x02" + b"\xff" * 32),
        lambda v: SECP256K1.scalar_from_hex("ff" * 32, "scalar"),
        lambda v: evcrypto.discrete_log(TEST_GROUP.mul_base(11), 10),
        lambda v: evcrypto.run_key_ceremony(v.hash, 3, 2, TEST_GROUP),
        lambda v: evcrypto.canonical_json({"a": 1.0}),
        lambda v: evcrypto.verify_ballot(
            dataclasses.replace(v.parameters, min_selections=0, max_selections=2),
            v.key,
            ALICE,
            v.ballot,
        ),
        lambda v: evcrypto.decrypt_tally(
            v.election.election_key, v.election.trustee_keys[:1], v.aggregate, v.hash
        ),
    ],
)
def test_clearly_bad_input_raises_crypto_error(
    valid: Valid, call: Callable[[Valid], object]
) -> None:
    with pytest.raises(CryptoError):
        call(valid)


@pytest.mark.parametrize("kind", [["choose"], {"a": 1}, None, 1, "", "Choose", "missing"])
def test_a_rule_kind_that_is_not_a_known_name_is_refused(tmp_path: Path, kind: object) -> None:
    record = tmp_path / "record"
    shutil.copytree(CONTEST_VECTORS, record)
    parameters = evcrypto.parse_canonical_json((record / "parameters.json").read_bytes())
    rule = parameters["contests"][0]["rule"]
    if kind == "missing":
        del rule["kind"]
    else:
        rule["kind"] = kind
    with pytest.raises(CryptoError, match="kind must be one of"):
        Contest.from_dict(parameters["contests"][0], "contest")
    with pytest.raises(CryptoError, match="kind must be one of"):
        ElectionParameters.from_dict(parameters)
    (record / "parameters.json").write_bytes(evcrypto.canonical_json(parameters))
    checks = {result.name: result for result in verify_record(record)}
    assert not checks["parameters"].passed
    assert "kind must be one of" in checks["parameters"].detail
