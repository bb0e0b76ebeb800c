"""Each bad message from a peer is rejected with its reason, and changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evcrypto.encoding import canonical_json
from validators.core import consensus
from validators.core.actions import (
    CommitBlock,
    EvidenceFound,
    FetchBlocks,
    Rejected,
    RoundChanged,
    Send,
)
from validators.core.blocks import build_block
from validators.core.consensus import ConsensusNode
from validators.core.messages import (
    COMMIT,
    PREPARE,
    CommittedBlock,
    ConsensusVote,
    Proposal,
    RoundChange,
)
from validators.core.rules import ConsensusConfig, Head
from validators.core.tests.simulator import GENESIS_HASH, SimApp, SimChain, key_for

IDS = ("v0", "v1", "v2")
KEYS = {v: key_for(7, v) for v in IDS}
CONFIG = ConsensusConfig("test-chain", tuple((v, KEYS[v].public_key) for v in IDS), 2, 1000)
NOW = 10_000


def sign(message):  # type: ignore[no-untyped-def]
    signature = KEYS[message.validator].sign(canonical_json(message.signed_dict(CONFIG.chain_id)))
    return replace(message, signature=signature)


def make_node(node_id: str = "v2") -> ConsensusNode:
    """v2 at height 1; the proposer of (1, 0) is v1."""
    app = SimApp(SimChain(), frozenset())
    return ConsensusNode(CONFIG, node_id, KEYS[node_id], app, Head(0, GENESIS_HASH, 0), NOW)


def block_by(proposer: str, round_: int = 0, parent: str = GENESIS_HASH, timestamp: int = 1000):  # type: ignore[no-untyped-def]
    return build_block(CONFIG.chain_id, 1, round_, timestamp, parent, proposer, ())


def proposal(proposer: str = "v1", round_: int = 0, **block_args) -> Proposal:  # type: ignore[no-untyped-def]
    return sign(Proposal(1, round_, block_by(proposer, round_, **block_args), proposer, ""))


def reasons(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [a.reason for a in actions if isinstance(a, Rejected)]


def test_a_valid_proposal_is_prepared() -> None:
    actions = make_node().on_message(NOW, proposal())
    sent = [a.message for a in actions if isinstance(a, Send)]
    assert [(m.phase, m.validator) for m in sent] == [(PREPARE, "v2")]


def test_a_bad_signature_is_rejected() -> None:
    forged = replace(proposal(), signature="00" * 64)
    node = make_node()
    assert reasons(node.on_message(NOW, forged)) == ["bad signature or unknown validator"]
    assert node.state.proposals == {}


def test_a_message_from_outside_the_validator_set_is_rejected() -> None:
    vote = ConsensusVote(PREPARE, 1, 0, "ab" * 32, "mallory", "00" * 64)
    assert reasons(make_node().on_message(NOW, vote)) == ["bad signature or unknown validator"]


def test_a_proposal_from_the_wrong_proposer_is_rejected() -> None:
    node = make_node()
    assert reasons(node.on_message(NOW, proposal("v0"))) == [
        "wrong proposer for this height and round"
    ]
    assert node.state.proposals == {}


def test_a_block_with_the_wrong_parent_is_rejected() -> None:
    node = make_node()
    assert reasons(node.on_message(NOW, proposal(parent="ff" * 32))) == [
        "parent hash is not the head hash"
    ]


def test_a_block_from_the_future_is_rejected() -> None:
    assert reasons(make_node().on_message(NOW, proposal(timestamp=NOW + 5000))) == [
        "timestamp is in the future"
    ]


def test_a_later_round_proposal_without_round_changes_is_rejected() -> None:
    late = proposal("v2", round_=1)  # v2 proposes (1, 1) but shows no round changes
    node = make_node("v0")
    assert reasons(node.on_message(NOW, late)) == ["round-change certificate is short of a quorum"]


def committed(certificate: tuple[ConsensusVote, ...]) -> CommittedBlock:
    return CommittedBlock(block_by("v1"), certificate)


def commit_vote(validator: str, block_hash: str) -> ConsensusVote:
    return sign(ConsensusVote(COMMIT, 1, 0, block_hash, validator, ""))


def test_a_committed_block_with_a_short_certificate_is_rejected() -> None:
    block = block_by("v1")
    short = committed((commit_vote("v0", block.block_hash),))
    actions = make_node().on_block(NOW, short, "v0")
    assert reasons(actions) == ["commit certificate has 1 distinct signatures, needs 2"]
    assert not any(isinstance(a, CommitBlock) for a in actions)


def test_a_certificate_that_repeats_one_signer_is_short() -> None:
    vote = commit_vote("v0", block_by("v1").block_hash)
    assert reasons(make_node().on_block(NOW, committed((vote, vote)), "v0")) == [
        "commit certificate has 1 distinct signatures, needs 2"
    ]


def test_a_forged_certificate_is_rejected() -> None:
    block_hash = block_by("v1").block_hash
    forged = replace(commit_vote("v1", block_hash), signature="11" * 64)
    actions = make_node().on_block(NOW, committed((commit_vote("v0", block_hash), forged)), "v0")
    assert reasons(actions) == ["commit certificate holds an invalid signature from v1"]


def test_a_valid_committed_block_is_accepted() -> None:
    block_hash = block_by("v1").block_hash
    actions = make_node().on_block(
        NOW, committed((commit_vote("v0", block_hash), commit_vote("v1", block_hash))), "v0"
    )
    assert [a.committed.block.height for a in actions if isinstance(a, CommitBlock)] == [1]


def test_conflicting_signatures_become_evidence() -> None:
    node = make_node()
    first = sign(ConsensusVote(PREPARE, 1, 0, "aa" * 32, "v0", ""))
    second = sign(ConsensusVote(PREPARE, 1, 0, "bb" * 32, "v0", ""))
    node.on_message(NOW, first)
    actions = node.on_message(NOW, second)
    evidence = [a for a in actions if isinstance(a, EvidenceFound)]
    assert len(evidence) == 1
    assert (evidence[0].first["block_hash"], evidence[0].second["block_hash"]) == (
        "aa" * 32,
        "bb" * 32,
    )
    assert reasons(actions) == ["equivocation: conflicts with an earlier message"]
    assert node.evidence_count == 1


def test_a_node_never_signs_a_second_block_for_one_height_and_round() -> None:
    node = make_node()
    node.on_message(NOW, proposal())
    rival = sign(Proposal(1, 0, block_by("v1", timestamp=1500), "v1", ""))
    actions = node.on_message(NOW, rival)
    assert not any(isinstance(a, Send) for a in actions)
    assert any(isinstance(a, EvidenceFound) for a in actions)


def test_a_locked_node_refuses_a_fresh_block_without_a_higher_prepare_certificate() -> None:
    node = make_node("v0")
    locked = proposal()
    node.on_message(NOW, locked)
    node.on_message(NOW, sign(ConsensusVote(PREPARE, 1, 0, locked.block_hash, "v1", "")))
    assert node.state.lock is not None and node.state.lock.block_hash == locked.block_hash
    round_changes = tuple(sign(RoundChange(1, 1, v, -1, "", "")) for v in ("v1", "v2"))
    fresh = sign(Proposal(1, 1, block_by("v2", round_=1, timestamp=2000), "v2", "", round_changes))
    assert reasons(node.on_message(NOW + 3000, fresh)) == [
        "locked on another block prepared in round 0"
    ]


def test_a_proposal_that_cannot_be_filled_in_still_counts_as_evidence() -> None:
    node = make_node()
    node.on_message(NOW, proposal())
    rival = proposal(timestamp=1500)  # another block for the same slot, its body not at hand

    actions = node.on_incomplete_proposal(NOW, rival)

    evidence = [a for a in actions if isinstance(a, EvidenceFound)]
    assert [(e.validator, e.phase) for e in evidence] == [("v1", "PROPOSAL")]
    assert evidence[0].second["block"]["header"]["timestamp_ms"] == 1500
    assert reasons(actions) == ["equivocation: conflicts with an earlier message"]
    assert node.state.proposals[0].block_hash == proposal().block_hash


def test_an_incomplete_proposal_first_makes_its_rival_evidence_and_neither_is_prepared() -> None:
    node = make_node()
    assert node.on_incomplete_proposal(NOW, proposal(timestamp=1500)) == []
    actions = node.on_message(NOW, proposal())
    assert any(isinstance(a, EvidenceFound) for a in actions)
    assert not any(isinstance(a, Send) for a in actions)
    assert node.last_signed is None


def test_an_incomplete_proposal_with_a_bad_signature_is_rejected() -> None:
    forged = replace(proposal(), signature="00" * 64)
    actions = make_node().on_incomplete_proposal(NOW, forged)
    assert reasons(actions) == ["bad signature or unknown validator"]


def test_an_incomplete_copy_of_the_accepted_proposal_is_no_evidence() -> None:
    node = make_node()
    node.on_message(NOW, proposal())
    assert node.on_incomplete_proposal(NOW, proposal()) == []
    assert node.evidence_count == 0


def fetches(actions: list) -> list[FetchBlocks]:  # type: ignore[type-arg]
    return [a for a in actions if isinstance(a, FetchBlocks)]


def test_a_started_node_asks_a_peer_once_for_the_blocks_it_missed() -> None:
    node = make_node("v2")
    assert fetches(node.on_tick(NOW)) == [FetchBlocks("v0", 1)]  # the one after v2
    later = node.deadline_ms() - 1  # the round has not run out yet
    assert later - NOW >= CONFIG.interval_ms // 2  # nor would the rate limit hold a fetch back
    assert fetches(node.on_tick(later)) == []


def test_a_round_that_runs_out_asks_the_validator_heard_from_last() -> None:
    node = make_node("v2")
    node.on_tick(NOW)
    node.on_message(NOW, sign(ConsensusVote(PREPARE, 1, 0, "aa" * 32, "v1", "")))

    actions = node.on_tick(node.deadline_ms())

    assert any(isinstance(a, RoundChanged) for a in actions)
    assert fetches(actions) == [FetchBlocks("v1", 1)]


def test_a_restarted_node_remembers_what_it_signed() -> None:
    node = make_node()
    node.on_message(NOW, proposal())
    durable = node.durable_state()
    app = SimApp(SimChain(), frozenset())
    restarted = ConsensusNode(CONFIG, "v2", KEYS["v2"], app, Head(0, GENESIS_HASH, 0), NOW, durable)
    rival = sign(Proposal(1, 0, block_by("v1", timestamp=1500), "v1", ""))
    actions = restarted.on_message(NOW, rival)
    assert reasons(actions) == ["refused to sign: conflicts with the last signed message"]
    assert not any(isinstance(a, Send) for a in actions)


@pytest.mark.parametrize("quorum", [1, 4])
def test_genesis_quorum_outside_the_safe_range_is_refused(quorum: int) -> None:
    from validators.core.genesis import GenesisError, genesis_from_dict

    document = {
        "chain_id": "c",
        "block_interval_ms": 1000,
        "quorum": quorum,
        "max_block_txs": 10,
        "max_payload_bytes": 10,
        "bootnode_url": "http://x",
        "submitters": [],
        "validators": [{"id": v, "url": "http://x", "public_key": KEYS[v].public_key} for v in IDS],
    }
    with pytest.raises(GenesisError):
        genesis_from_dict(document)


def test_a_node_holds_only_the_exact_proposal_it_accepted() -> None:
    node = make_node()
    first = proposal()
    assert not node.holds_proposal(first)
    node.on_message(NOW, first)
    assert node.holds_proposal(first)
    assert not node.holds_proposal(proposal(timestamp=1001))  # another block, same slot


def test_an_accepted_proposal_gives_the_votes_an_interval_from_acceptance() -> None:
    node = make_node()
    before = node.deadline_ms()
    node.on_message(before - 1, proposal())  # accepted just before the round would time out
    assert node.deadline_ms() >= before - 1 + CONFIG.interval_ms


def test_round_zero_counts_from_when_the_host_stored_the_last_block() -> None:
    block_hash = block_by("v1").block_hash
    node = make_node("v1")  # not the proposer at height 2 (v2 is)
    node.on_block(NOW, committed((commit_vote("v0", block_hash), commit_vote("v1", block_hash))))
    stored = NOW + 5 * CONFIG.interval_ms  # the host took five intervals to store the block

    actions = node.on_tick(stored)

    assert not any(isinstance(a, RoundChanged) for a in actions)
    assert (node.height, node.round, node.deadline_ms()) == (2, 0, stored + CONFIG.interval_ms)


def committed_late(node: ConsensusNode, latency_ms: int) -> int:
    """Commit height 1 at `node` latency_ms after it saw the proposal; when, stored."""
    first = proposal()
    node.on_message(NOW, first)  # prepared by the node itself
    node.on_message(NOW + 100, sign(ConsensusVote(PREPARE, 1, 0, first.block_hash, "v2", "")))
    committed_at = NOW + latency_ms
    actions = node.on_message(
        committed_at, sign(ConsensusVote(COMMIT, 1, 0, first.block_hash, "v2", ""))
    )
    assert any(isinstance(a, CommitBlock) for a in actions)
    node.on_tick(committed_at)  # the host stored the block
    return committed_at


def test_round_zero_waits_longer_by_the_last_commit_latency_after_a_large_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(consensus, "LOAD_SLACK_MIN_TXS", 0)  # the empty block counts as large
    node = make_node("v0")  # not the proposer at height 2 (v2 is)
    committed_at = committed_late(node, 700)
    assert node.deadline_ms() == committed_at + CONFIG.interval_ms + 700


def test_a_small_block_committed_late_leaves_round_zero_as_it_is() -> None:
    """Lost messages, not load, held it up: a longer round 0 would only leave this node a
    round behind the peers that moved on without it."""
    node = make_node("v0")
    committed_at = committed_late(node, 1700)
    assert node.deadline_ms() == committed_at + CONFIG.interval_ms


def test_a_validator_still_at_the_head_height_is_sent_the_head_certificate_once_an_interval() -> (
    None
):
    node = make_node("v0")
    committed_at = committed_late(node, 300)
    first_commit = node.head_certificate
    late = [v for v in first_commit if v.validator == "v2"][0]  # v2 re-sends its COMMIT

    sent = [a for a in node.on_message(committed_at + 10, late) if isinstance(a, Send)]
    again = [a for a in node.on_message(committed_at + 20, late) if isinstance(a, Send)]
    later = [a for a in node.on_message(committed_at + 1010, late) if isinstance(a, Send)]

    assert [(a.to, a.message.validator) for a in sent] == [("v2", "v0")]  # not its own back
    assert again == []
    assert [(a.to, a.message.validator) for a in later] == [("v2", "v0")]
