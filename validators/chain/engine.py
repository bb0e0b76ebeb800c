"""The consensus engine host: one in-memory ConsensusNode per worker process.

The Celery worker (one process, solo pool) is the only place the core runs: beat ticks and
peer messages both arrive as tasks, so inputs are handled one at a time. Actions are carried
out in order, and `Persist` is written to the database before any later `Send` leaves.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from validators.chain import metrics, network_config, peers
from validators.chain.models import Evidence, StoredBlock
from validators.chain.store import application, committed_blocks, durable_state, transaction_rows
from validators.core.actions import (
    Action,
    CommitBlock,
    EvidenceFound,
    FetchBlocks,
    Persist,
    Rejected,
    RoundChanged,
    Send,
    UpdateCertificate,
)
from validators.core.blocks import Block, MalformedError, Transaction
from validators.core.consensus import ConsensusNode
from validators.core.messages import (
    PROPOSAL,
    CommittedBlock,
    Message,
    Proposal,
    message_from_dict,
)

log = logging.getLogger("validators.consensus")

_node: ConsensusNode | None = None
# Requests to peers run in threads of their own (a paused peer never answers); what they
# bring waits here for the engine's thread, and a request is not repeated while it runs.
_in_flight_lock = threading.Lock()
_in_flight: set[str] = set()
_arrived: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()


def now_ms() -> int:
    return int(time.time() * 1000)


def node() -> ConsensusNode:
    """The engine's core, built on first use from genesis, the stored chain and durable state."""
    global _node
    if _node is None:
        _node = ConsensusNode(
            network_config.consensus_config(),
            settings.NODE_ID,
            network_config.node_key(),
            application.NodeApplication(),
            committed_blocks.head(),
            now_ms(),
            durable_state.load(),
            committed_blocks.head_certificate(),
        )
        log.info("engine started height=%s round=%s", _node.height, _node.round)
    return _node


def reset() -> None:
    """Forget the in-memory core (tests; a new one is rebuilt from the database)."""
    global _node, _last_position
    _node = None
    _last_position = (-1, -1, 0.0)
    while not _arrived.empty():
        _arrived.get_nowait()


# The live position (for /health) is written when it changes, else once a second: a write on
# every tick cost more than the tick itself.
_last_position: tuple[int, int, float] = (-1, -1, 0.0)


def tick() -> None:
    global _last_position
    core = node()
    _hand_in_arrived()
    carry_out(core, core.on_tick(now_ms()))
    height, round_, written = _last_position
    if (height, round_) != (core.height, core.round) or time.monotonic() - written >= 1.0:
        durable_state.save_live_position(core.height, core.round)
        _last_position = (core.height, core.round, time.monotonic())


def receive(data: dict[str, Any]) -> None:
    """A peer's message as its web process received it (and checked its signature)."""
    if data.get("type") != PROPOSAL:
        handle_message(message_from_dict(data))
        return
    envelope = Proposal.envelope_from_dict(data)
    # A proposer re-sends its proposal each interval until it sees a PREPARE; under load
    # copies arrive while the first is still being checked. Decoding thousands of
    # transactions only to drop them is skipped.
    if node().holds_proposal(envelope):
        return
    try:
        hashes = Block.compact_hashes(data.get("block"))
    except MalformedError as exc:
        _refuse_proposal(envelope, str(exc))
        return
    limit = node().config.max_block_txs
    if hashes is not None and len(hashes) > limit:
        # Before any lookup: the list is not covered by the signature.
        _refuse_proposal(envelope, f"a block holds at most {limit} transactions")
    elif hashes is None:
        _handle_proposal(data, envelope, None)
    else:
        found = transaction_rows.held_transactions(hashes)
        if all(h in found for h in hashes):
            _handle_proposal(data, envelope, [found[h] for h in hashes])
        else:
            _look_up_transactions(data, envelope, hashes, found)


def _refuse_proposal(envelope: Proposal, reason: str) -> None:
    log.info(
        "message rejected from=%s type=PROPOSAL height=%s round=%s reason=malformed: %s",
        envelope.validator,
        envelope.height,
        envelope.round,
        reason,
    )
    metrics.refused("malformed")


def _handle_proposal(
    data: dict[str, Any], envelope: Proposal, transactions: list[Transaction] | None
) -> None:
    """Decode a proposal (its transactions given when it came compact) and hand it in."""
    try:
        proposal = Proposal.from_dict(data, None if transactions is None else tuple(transactions))
    except MalformedError as exc:
        _refuse_proposal(envelope, str(exc))
        return
    handle_message(proposal)


def _look_up_transactions(
    data: dict[str, Any], envelope: Proposal, hashes: list[str], found: dict[str, Transaction]
) -> None:
    """Ask the proposer for the transactions of a compact proposal this node does not hold,
    in a thread of its own: a proposer paused just after sending must not hold the engine for
    the read timeout. The next tick hands the proposal in, or refuses it as incomplete.
    Nothing fetched is trusted: the block check verifies every transaction that is not in
    this node's mempool, and the header's tx_root the list."""
    missing = [h for h in hashes if h not in found]
    url = peers.peer_urls(exclude=settings.NODE_ID).get(envelope.validator)
    if url is None:
        _fill_in(data, envelope, hashes, found)
        return
    key = f"lookup {envelope.validator} {envelope.height} {envelope.round} {envelope.block_hash}"
    if not _start_in_flight(key):
        return  # a re-sent copy while the first one's lookup runs

    def fetch() -> None:
        try:
            answer = peers.post_for_json(url + "/peer/transactions/lookup", {"hashes": missing})
            items = answer.get("transactions") if isinstance(answer, dict) else None
            wanted = set(missing)
            fetched: dict[str, Transaction] = {}
            for item in items if isinstance(items, list) else []:
                try:
                    tx = Transaction.from_dict(item)
                except MalformedError:
                    continue
                if tx.tx_hash in wanted:
                    fetched[tx.tx_hash] = tx
            log.info(
                "proposal transactions fetched from=%s asked=%s got=%s",
                envelope.validator,
                len(missing),
                len(fetched),
            )
            _arrived.put(lambda: _fill_in(data, envelope, hashes, found | fetched))
        finally:
            _end_in_flight(key)

    threading.Thread(target=fetch, name=f"lookup-{envelope.validator}", daemon=True).start()


def _fill_in(
    data: dict[str, Any], envelope: Proposal, hashes: list[str], found: dict[str, Transaction]
) -> None:
    core = node()
    if core.holds_proposal(envelope):
        return
    missing = sum(h not in found for h in hashes)
    if not missing:
        _handle_proposal(data, envelope, [found[h] for h in hashes])
        return
    # Without a PREPARE from here the proposer sends it again next interval, and a round
    # change (whose proposals travel in full) follows if the round runs out.
    log.info(
        "proposal incomplete from=%s height=%s round=%s missing=%s",
        envelope.validator,
        envelope.height,
        envelope.round,
        missing,
    )
    carry_out(core, core.on_incomplete_proposal(now_ms(), envelope))


def handle_message(message: Message) -> None:
    core = node()
    started = now_ms()
    carry_out(core, core.on_message(started, message))
    if isinstance(message, Proposal):
        log.info(
            "proposal handled height=%s round=%s txs=%s age_ms=%s ms=%s",
            message.height,
            message.round,
            message.block.header.tx_count,
            started - message.block.header.timestamp_ms,
            now_ms() - started,
        )


def carry_out(core: ConsensusNode, actions: list[Action]) -> None:
    committed = False
    for action in actions:
        if isinstance(action, Persist):
            durable_state.save(action.state, action.lock_block, core.height, core.round)
        elif isinstance(action, Send):
            _send(action)
        elif isinstance(action, CommitBlock):
            committed = _commit(action) or committed
        elif isinstance(action, FetchBlocks):
            _catch_up(core, action)
        else:
            _record(action)
    if committed:  # the core held back the next height's work until the block was stored
        carry_out(core, core.on_tick(now_ms()))


def _send(action: Send) -> None:
    urls = peers.peer_urls(exclude=settings.NODE_ID)
    targets = [urls[action.to]] if action.to else list(urls.values())
    message = action.message
    # A round-0 block is built from this node's mempool, whose transactions its peers hold
    # too (gossip), so it travels as hashes; later rounds may re-propose a block this node
    # does not hold in its tables, and travel in full.
    if isinstance(message, Proposal) and message.round == 0:
        body = message.to_dict(compact=True)
    else:
        body = message.to_dict()
    futures = peers.send_later(targets, "/peer/message", body)
    if isinstance(action.message, Proposal) and os.environ.get("CRASH_AT") == "after_proposal_sent":
        for future in futures:
            future.result()
        log.warning(
            "crashing on purpose CRASH_AT=after_proposal_sent height=%s", action.message.height
        )
        os.kill(os.getpid(), signal.SIGKILL)


def _commit(action: CommitBlock) -> bool:
    block = action.committed.block
    stored = committed_blocks.store(action.committed)
    elapsed = now_ms() - action.proposal_seen_ms if action.proposal_seen_ms else -1
    log.info(
        "block committed height=%s round=%s proposer=%s txs=%s ms=%s hash=%s",
        block.height,
        action.committed.certificate[0].round,
        block.header.proposer,
        block.header.tx_count,
        elapsed,
        block.block_hash[:16],
    )
    if stored:
        parent = StoredBlock.objects.filter(height=block.height - 1)
        metrics.block_committed(
            action.committed.certificate[0].round,
            block.header.tx_count,
            block.header.timestamp_ms,
            parent.values_list("timestamp_ms", flat=True).first(),
            elapsed,
        )
    return stored


def _catch_up(core: ConsensusNode, action: FetchBlocks) -> None:
    """Ask a peer for committed blocks in a thread of its own; the next tick hands them in.

    A paused peer takes the connection and never answers: waiting here would hold the whole
    engine (ticks, round changes, every other peer's messages) for the read timeout.
    """
    url = peers.peer_urls(exclude=settings.NODE_ID).get(action.peer)
    if url is None or not _start_in_flight(f"catch-up {action.peer}"):
        return
    threading.Thread(
        target=_fetch_blocks,
        args=(action.peer, url, action.from_height),
        name=f"catch-up-{action.peer}",
        daemon=True,
    ).start()


def _fetch_blocks(peer: str, url: str, from_height: int) -> None:
    try:
        data = peers.fetch_json(url + "/peer/blocks", {"from": from_height, "limit": 50})
        if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
            return
        blocks: list[CommittedBlock] = []
        for item in data["blocks"]:
            try:
                blocks.append(CommittedBlock.from_dict(item))
            except ValueError as exc:
                log.warning("catch-up block rejected from=%s reason=%s", peer, exc)
                break
        log.info("catching up from=%s height=%s blocks=%s", peer, from_height, len(blocks))
        _arrived.put(lambda: _hand_in_blocks(peer, blocks))
    finally:
        _end_in_flight(f"catch-up {peer}")


def _hand_in_blocks(peer: str, blocks: list[CommittedBlock]) -> None:
    core = node()
    for committed in blocks:
        metrics.CATCH_UP_BLOCKS.inc()
        carry_out(core, core.on_block(now_ms(), committed, peer))
        if core.head.height < committed.block.height:
            return


def _start_in_flight(key: str) -> bool:
    """Claim a peer request; False when the same one is still running."""
    with _in_flight_lock:
        if key in _in_flight:
            return False
        _in_flight.add(key)
        return True


def _end_in_flight(key: str) -> None:
    with _in_flight_lock:
        _in_flight.discard(key)


def _hand_in_arrived() -> None:
    """What the request threads brought, carried out on the engine's thread in order."""
    while True:
        try:
            work = _arrived.get_nowait()
        except queue.Empty:
            return
        work()


def _record(action: Action) -> None:
    if isinstance(action, Rejected):
        log.info(
            "message rejected from=%s type=%s height=%s round=%s reason=%s",
            action.sender,
            action.kind,
            action.height,
            action.round,
            action.reason,
        )
        metrics.refused(action.reason)
    elif isinstance(action, RoundChanged):
        log.info(
            "round change height=%s round=%s reason=%s", action.height, action.round, action.reason
        )
    elif isinstance(action, UpdateCertificate):
        committed_blocks.update_certificate(action.height, action.certificate)
    elif isinstance(action, EvidenceFound):
        _store_evidence(action)


def _store_evidence(action: EvidenceFound) -> None:
    Evidence.objects.get_or_create(
        validator=action.validator,
        height=action.height,
        round=action.round,
        phase=action.phase,
        defaults={"first": action.first, "second": action.second},
    )
    log.warning(
        "equivocation evidence validator=%s height=%s round=%s phase=%s",
        action.validator,
        action.height,
        action.round,
        action.phase,
    )
