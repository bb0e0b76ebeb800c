"""The Byzantine validator's pure parts, without namespaces: its schedule replays, and each of
its moves is what it claims to be when a real ConsensusNode (validators/core) receives it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import requests

from tests.faults.byzantine import (
    DEFECTS,
    LIAR,
    LURE_ROUND,
    MOVES,
    Liar,
    Report,
    conflicting_prepares,
    equivocating_proposals,
    forged_block,
    listening,
    lure,
    make_byzantine_schedule,
    out_of_turn_proposal,
    read_report,
    split,
)
from tests.faults.checker import (
    GAP_BOUND,
    Gap,
    byzantine_gaps,
    byzantine_liveness_check,
    liar_evidence_check,
)
from tests.integration.cluster import free_port
from validators.core.actions import EvidenceFound, FetchBlocks, Rejected, Send
from validators.core.blocks import build_block, genesis_hash
from validators.core.consensus import ConsensusNode
from validators.core.genesis import Genesis, ValidatorInfo
from validators.core.keys import SigningKey
from validators.core.messages import COMMIT, PREPARE, CommittedBlock, ConsensusVote, signed_bytes
from validators.core.rules import ConsensusConfig, Head, committed_block_error, signature_valid
from validators.core.tests.simulator import SimApp, SimChain

IDS = [f"validator-{n}" for n in range(1, 5)]
KEYS = {node_id: SigningKey.from_seed(bytes([n]) * 32) for n, node_id in enumerate(IDS, 1)}
GENESIS = Genesis(
    chain_id="evoting-byz",
    block_interval_ms=1000,
    quorum=3,
    max_block_txs=100,
    max_payload_bytes=65536,
    bootnode_url="http://127.0.0.1:1",
    validators=tuple(
        ValidatorInfo(node_id, "http://127.0.0.1:1", KEYS[node_id].public_key) for node_id in IDS
    ),
    submitters=(),
)
CONFIG = ConsensusConfig.from_genesis(GENESIS)
GENESIS_HEAD = Head(0, genesis_hash(GENESIS.to_dict()), 0)
NOW = 10_000


def honest_node(node_id: str = "validator-1", head: Head = GENESIS_HEAD) -> ConsensusNode:
    chain = SimChain()
    return ConsensusNode(CONFIG, node_id, KEYS[node_id], SimApp(chain, frozenset()), head, NOW)


def committed_by_honest(parent: CommittedBlock | Head, round_: int = 0) -> CommittedBlock:
    """A real block after `parent` (carrying its certificate), certified by three honest
    COMMITs."""
    if isinstance(parent, Head):
        head, carried = parent, ()
    else:
        head = head_of(parent)
        carried = tuple(v.to_dict() for v in parent.certificate)
    height = head.height + 1
    proposer = CONFIG.proposer_for(height, round_)
    block = build_block(
        CONFIG.chain_id,
        height,
        round_,
        head.timestamp_ms + 1000,
        head.block_hash,
        proposer,
        (),
        carried,
    )
    votes = []
    for node_id in IDS[:3]:
        vote = ConsensusVote(COMMIT, height, round_, block.block_hash, node_id, "")
        signature = KEYS[node_id].sign(signed_bytes(vote, CONFIG.chain_id))
        votes.append(ConsensusVote(COMMIT, height, round_, block.block_hash, node_id, signature))
    return CommittedBlock(block, tuple(votes))


def head_of(committed: CommittedBlock) -> Head:
    header = committed.block.header
    return Head(header.height, header.block_hash, header.timestamp_ms)


def test_a_seed_gives_the_same_moves_and_every_kind_comes_before_any_repeats() -> None:
    assert make_byzantine_schedule(3, 40) == make_byzantine_schedule(3, 40)
    assert make_byzantine_schedule(3, 40) != make_byzantine_schedule(4, 40)
    moves = make_byzantine_schedule(5, 80)
    assert sorted(m.kind for m in moves[: len(MOVES)]) == sorted(MOVES)
    assert 80 <= sum(m.hold + m.quiet for m in moves) < 80 + 14 + 5
    assert all(10 <= m.hold <= 14 for m in moves if m.kind == "equivocate")
    assert all(4 <= m.hold <= 8 for m in moves if m.kind != "equivocate")


def test_the_split_puts_every_honest_validator_in_exactly_one_non_empty_group() -> None:
    rng = random.Random(1)
    for _ in range(20):
        first, second = split(IDS[:3], rng)
        assert first and second and sorted(first + second) == IDS[:3]


def test_equivocating_proposals_each_pass_and_the_second_one_becomes_evidence() -> None:
    one = committed_by_honest(GENESIS_HEAD)
    two = committed_by_honest(one)
    head_two = head_of(two)
    assert CONFIG.proposer_for(3, 0) == LIAR
    a, b = equivocating_proposals(CONFIG, KEYS[LIAR], two, NOW, ())
    assert (a.height, a.round) == (b.height, b.round) == (3, 0)
    assert a.block_hash != b.block_hash
    assert signature_valid(CONFIG, a) and signature_valid(CONFIG, b)
    for first, second in ((a, b), (b, a)):
        node = honest_node("validator-1", head_two)
        node.head_certificate = two.certificate
        accepted = node.on_message(NOW, first)
        prepares = [x.message for x in accepted if isinstance(x, Send)]
        assert [p.phase for p in prepares] == [PREPARE]
        assert prepares[0].block_hash == first.block_hash
        caught = node.on_message(NOW, second)
        evidence = [x for x in caught if isinstance(x, EvidenceFound)]
        assert [(e.validator, e.height, e.round, e.phase) for e in evidence] == [
            (LIAR, 3, 0, "PROPOSAL")
        ]
        assert not any(isinstance(x, Send) for x in caught)


def test_conflicting_prepares_name_the_liar_and_count_for_no_block() -> None:
    node = honest_node()
    p, q = conflicting_prepares(CONFIG, KEYS[LIAR], 1, 0, random.Random(2))
    assert p.block_hash != q.block_hash
    assert node.on_message(NOW, p) == []
    evidence = [x for x in node.on_message(NOW, q) if isinstance(x, EvidenceFound)]
    assert [(e.validator, e.height, e.phase) for e in evidence] == [(LIAR, 1, PREPARE)]


def test_an_out_of_turn_proposal_is_refused_as_the_wrong_proposer() -> None:
    node = honest_node()
    proposal = out_of_turn_proposal(CONFIG, KEYS[LIAR], GENESIS_HEAD, NOW)
    assert CONFIG.proposer_for(proposal.height, proposal.round) != LIAR
    assert signature_valid(CONFIG, proposal)
    actions = node.on_message(NOW, proposal)
    assert [x.reason for x in actions if isinstance(x, Rejected)] == [
        "wrong proposer for this height and round"
    ]
    assert not any(isinstance(x, Send) for x in actions)


def test_a_later_height_message_makes_an_honest_node_ask_the_liar_for_blocks() -> None:
    node = honest_node()
    node.on_tick(NOW)  # the first fetch after a start goes to another validator
    message = lure(CONFIG, KEYS[LIAR], 3, random.Random(3))
    assert message.round == LURE_ROUND
    fetches = [x for x in node.on_message(NOW + 600, message) if isinstance(x, FetchBlocks)]
    assert [(f.peer, f.from_height) for f in fetches] == [(LIAR, 1)]


@pytest.mark.parametrize("defect", DEFECTS)
def test_every_served_block_has_a_good_header_and_a_bad_certificate(defect: str) -> None:
    one = committed_by_honest(GENESIS_HEAD)
    head_one = head_of(one)
    real = committed_by_honest(one)
    forged = forged_block(CONFIG, KEYS[LIAR], one, defect, real)
    assert forged.block.header.proposer == LIAR
    assert forged.block.block_hash != real.block.block_hash
    reason = committed_block_error(CONFIG, head_one, forged)
    assert reason is not None and "certificate" in reason, reason
    assert committed_block_error(CONFIG, head_one, real) is None
    node = honest_node("validator-2", head_one)
    actions = node.on_block(NOW, forged, LIAR)
    assert [x.reason for x in actions if isinstance(x, Rejected)] == [reason]
    assert node.head == head_one


def test_the_liar_answers_catch_up_with_a_bad_block_and_takes_messages(tmp_path: Path) -> None:
    report = Report(tmp_path / "report.jsonl")
    liar = Liar(GENESIS, KEYS[LIAR], report, random.Random(4))
    port = free_port()
    with listening(liar, "127.0.0.1", port):
        base = f"http://127.0.0.1:{port}"
        answer = requests.get(base + "/peer/blocks", params={"from": 1}, timeout=5).json()
        taken = requests.post(base + "/peer/message", json={"type": "COMMIT"}, timeout=5)
        assert requests.post(base + "/rpc", json={}, timeout=5).status_code == 404
    assert taken.status_code == 202
    served = CommittedBlock.from_dict(answer["blocks"][0])
    assert committed_block_error(CONFIG, GENESIS_HEAD, served) is not None
    lines = read_report(tmp_path / "report.jsonl")
    assert [(x["event"], x["height"], x["hash"]) for x in lines] == [
        ("served", 1, served.block.block_hash)
    ]


def liar_turn(height: int) -> bool:
    return CONFIG.proposer_for(height, 0) == LIAR


def test_the_liars_turns_may_take_four_intervals_the_other_heights_two() -> None:
    assert [h for h in range(1, 9) if liar_turn(h)] == [3, 7]
    steady = {1: 9.0, 2: 10.0, 3: 14.5, 4: 15.5, 5: 16.5}
    gaps = byzantine_gaps(steady, 9.5, 17.5, liar_turn)
    assert [(g.height, g.seconds) for g in gaps] == [
        (2, 1.0),
        (3, 4.5),
        (4, 1.0),
        (5, 1.0),
        (6, 1.0),
    ]
    assert byzantine_liveness_check(gaps, liar_turn).passed
    slow_elsewhere = {**steady, 5: 19.6}  # height 5 is not the liar's: 4.1 s is too long
    result = byzantine_liveness_check(
        byzantine_gaps(slow_elsewhere, 9.5, 20.0, liar_turn), liar_turn
    )
    assert not result.passed and "height 5 after 4.10s" in result.detail
    stalled = byzantine_gaps(steady, 9.5, 21.0, liar_turn)  # nothing from 16.5 to the end
    assert stalled[-1] == Gap(6, 4.5, GAP_BOUND)
    assert not byzantine_liveness_check(stalled, liar_turn).passed


def test_the_evidence_check_wants_every_equivocation_everywhere_and_only_the_liars() -> None:
    slots = [(LIAR, 3, 0, "PROPOSAL"), (LIAR, 5, 0, "PREPARE")]
    made = [(slot, IDS[:3]) for slot in slots]
    everywhere = {n: set(slots) for n in IDS[:3]}
    assert liar_evidence_check(everywhere, LIAR, made).passed
    missed = {**everywhere, "validator-2": {slots[0]}}
    result = liar_evidence_check(missed, LIAR, made)
    assert not result.passed and "validator-2" in result.detail
    # A node that never had both messages queued is not expected to hold the evidence.
    unqueued = [(slots[0], IDS[:3]), (slots[1], ["validator-1", "validator-3"])]
    assert liar_evidence_check(missed, LIAR, unqueued).passed
    blamed = {**everywhere, "validator-3": {*slots, ("validator-1", 4, 0, "PREPARE")}}
    assert not liar_evidence_check(blamed, LIAR, made).passed
    assert not liar_evidence_check({n: set() for n in IDS[:3]}, LIAR, []).passed
