"""The outside audit of the chain (validators/audit.py), on chains built and signed here.

The end-to-end run against real nodes and a real election record is in
tests/integration/test_backend_vote_path.py."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from evcrypto.encoding import canonical_json
from validators.audit import (
    AuditError,
    RecordBallots,
    audit_chain,
    disagreement,
    main,
    read_record,
    record_mismatch,
    tracker,
)
from validators.core.blocks import Transaction, build_block, genesis_hash
from validators.core.genesis import Genesis, ValidatorInfo
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, CommittedBlock, ConsensusVote
from validators.core.rules import ConsensusConfig

KEYS = {f"validator-{i}": SigningKey.from_seed(bytes([i]) * 32) for i in (1, 2, 3)}
SUBMITTER = SigningKey.from_seed(b"s" * 32)
GENESIS = Genesis(
    chain_id="audit-test",
    block_interval_ms=1000,
    quorum=2,
    max_block_txs=100,
    max_payload_bytes=1024,
    bootnode_url="http://127.0.0.1:9",
    validators=tuple(ValidatorInfo(v, "http://127.0.0.1:9", k.public_key) for v, k in KEYS.items()),
    submitters=(("backend", SUBMITTER.public_key),),
)


def ballot(tx_id: str, voter: str, payload: str = '{"ballot":1}') -> Transaction:
    tx = Transaction(
        tx_id, "election-1", voter, payload, 1, SUBMITTER.public_key, "", GENESIS.chain_id
    )
    return replace(tx, signature=SUBMITTER.sign(tx.signing_bytes))


def commit(block_hash: str, height: int, validator: str) -> ConsensusVote:
    vote = ConsensusVote(COMMIT, height, 0, block_hash, validator, "")
    return replace(
        vote, signature=KEYS[validator].sign(canonical_json(vote.signed_dict(GENESIS.chain_id)))
    )


def chain_of(*blocks_txs: tuple[Transaction, ...], signers: int = 2) -> list[CommittedBlock]:
    """Committed blocks 1..n holding the given transactions, each certified by `signers`."""
    config = ConsensusConfig.from_genesis(GENESIS)
    parent, certificate, chain = genesis_hash(GENESIS.to_dict()), (), []
    for height, txs in enumerate(blocks_txs, start=1):
        block = build_block(
            GENESIS.chain_id,
            height,
            0,
            1000 * height,
            parent,
            config.proposer_for(height, 0),
            txs,
            tuple(v.to_dict() for v in certificate),
        )
        certificate = tuple(commit(block.block_hash, height, v) for v in list(KEYS)[:signers])
        chain.append(CommittedBlock(block, certificate))
        parent = block.block_hash
    return chain


def test_a_valid_chain_passes_with_all_its_transactions() -> None:
    txs = (ballot("tx-1", "v-1"), ballot("tx-2", "v-2"))
    audited = audit_chain(GENESIS, chain_of((txs[0],), (), (txs[1],)))
    assert [tx for _, tx in audited.transactions] == list(txs)
    assert [h for h, _ in audited.transactions] == [1, 3]
    assert len(audited.block_hashes) == 3


def test_a_changed_ballot_breaks_its_block() -> None:
    chain = chain_of((ballot("tx-1", "v-1"),), (ballot("tx-2", "v-2"),))
    block = chain[1].block
    forged = replace(block.transactions[0], payload='{"ballot":2}')
    chain[1] = replace(chain[1], block=replace(block, transactions=(forged,)))
    with pytest.raises(AuditError, match="block 2: tx_root does not match the transactions"):
        audit_chain(GENESIS, chain)


def test_a_block_with_one_signature_is_not_committed() -> None:
    with pytest.raises(AuditError, match="block 1: commit certificate has 1 distinct signatures"):
        audit_chain(GENESIS, chain_of((), signers=1))


def test_a_second_ballot_of_one_voter_on_chain_fails() -> None:
    chain = chain_of((ballot("tx-1", "v-1"),), (ballot("tx-2", "v-1"),))
    with pytest.raises(AuditError, match="block 2: transaction tx-2: voter already has a ballot"):
        audit_chain(GENESIS, chain)


def test_a_transaction_not_signed_by_the_submitter_fails() -> None:
    tx = replace(ballot("tx-1", "v-1"), signature=SigningKey.from_seed(b"x" * 32).sign(b"no"))
    with pytest.raises(AuditError, match="submitter signature does not verify"):
        audit_chain(GENESIS, chain_of((tx,)))


def test_chains_that_differ_below_the_shorter_height_disagree() -> None:
    ours = audit_chain(GENESIS, chain_of((), (ballot("tx-1", "v-1"),)))
    theirs = audit_chain(GENESIS, chain_of((), (ballot("tx-2", "v-2"),), ()))
    prefix = audit_chain(
        GENESIS,
        chain_of(
            (),
        ),
    )
    assert disagreement([ours, prefix]) is None
    assert disagreement([ours, theirs]).startswith("block 2 differs")  # type: ignore[union-attr]


RECORD_FILES = {
    "parameters.json": {"election_id": "election-1"},
    "ballots.json": {"ballots": [{"tracker": "ab" * 32, "ballot": {"voter": "v-1"}}]},
}


def test_a_record_reads_the_same_as_a_directory_or_a_bundle(tmp_path: Path) -> None:
    folder = tmp_path / "record"
    folder.mkdir()
    for name, value in RECORD_FILES.items():
        (folder / name).write_bytes(canonical_json(value))
    bundle = tmp_path / "record.json"
    bundle.write_text(json.dumps(RECORD_FILES))

    expected = RecordBallots("election-1", [("ab" * 32, "v-1")])
    assert read_record(folder) == expected
    assert read_record(bundle) == expected


def test_a_record_file_that_is_not_canonical_json_is_refused_as_the_verifier_does(
    tmp_path: Path,
) -> None:
    for name, value in RECORD_FILES.items():
        (tmp_path / name).write_text(json.dumps(value, indent=2))
    with pytest.raises(AuditError, match="cannot read the record .*parameters.json"):
        read_record(tmp_path)


def test_a_bundle_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "record.json"
    text = json.dumps(RECORD_FILES)
    bundle.write_text(text.replace('"election_id": ', '"election_id": "other", "election_id": '))
    with pytest.raises(AuditError, match="cannot read the record .*duplicate object key"):
        read_record(bundle)


def test_a_missing_record_is_an_audit_error(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="cannot read the record"):
        read_record(tmp_path / "nothing.json")


def test_the_record_must_hold_exactly_the_ballots_on_chain() -> None:
    txs = [ballot(f"tx-{i}", f"v-{i}", f'{{"ballot":{i}}}') for i in range(3)]
    audited = audit_chain(GENESIS, chain_of(tuple(txs)))
    entries = [(tracker(tx), tx.voter_pseudonym) for tx in txs]

    assert record_mismatch(RecordBallots("election-1", entries), audited) is None
    dropped = record_mismatch(RecordBallots("election-1", entries[1:]), audited)
    assert dropped == f"1 on chain are not in the record (first {entries[0][0]})"
    added = record_mismatch(RecordBallots("election-1", [*entries, ("ab" * 32, "v-9")]), audited)
    assert added == f"1 in the record are not on chain (first {'ab' * 32})"
    moved = record_mismatch(
        RecordBallots("election-1", [(entries[0][0], "v-2"), *entries[1:]]), audited
    )
    assert moved is not None and moved.startswith("1 in the record are not on chain")


def test_the_command_says_fail_and_exits_1_for_a_missing_genesis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--genesis", str(tmp_path / "none.json"), "--node", "http://127.0.0.1:9"])
    assert code == 1
    assert capsys.readouterr().out.startswith("FAIL genesis: cannot load")


def test_the_command_says_fail_for_an_unreachable_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "genesis.json").write_text(json.dumps(GENESIS.to_dict()))
    code = main(["--genesis", str(tmp_path / "genesis.json"), "--node", "http://127.0.0.1:9"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith("ok   genesis (chain audit-test, 3 validators, quorum 2")
    assert lines[1].startswith(
        "FAIL chain at http://127.0.0.1:9: cannot fetch blocks from height 1"
    )
