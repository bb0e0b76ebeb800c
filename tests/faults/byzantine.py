"""A Byzantine validator for the fault harness, played by a test process with a real key.

The Byzantine run's network has N = 4 validators and q = 3: validator-1 to validator-3 are the
real node processes, and validator-4 is this module, run in the fourth validator's namespace
(`python -m tests.faults.byzantine ...`). It holds validator-4's key from the generated network
and speaks the peer protocol over HTTP: the endpoints of validators/chain/urls.py and messages
signed as validators/core/messages.py signs them. Nothing of it lives in validators/.

All along it withholds: it never sends a PREPARE, COMMIT or ROUND_CHANGE an honest validator
would, and it answers every catch-up request (GET /peer/blocks) with a block it proposed whose
commit certificate is bad. A seeded schedule of moves plays on top, each held for a while and
followed by a quiet spell (withholding only):

- equivocate: in its turns (round 0 of a height it proposes), two different signed proposals
  for the slot; each honest validator gets both, the first ones split in a seeded way so that
  neither block can gather q PREPAREs;
- conflicting_prepares: at every height, two PREPAREs for two made-up blocks of one round;
- out_of_turn: at every height another validator proposes, a signed proposal of its own;
- bad_catch_up: at every height, a PREPARE of a later height (for a made-up block, in a round
  no other move uses), so that the honest validators ask it for the blocks they missed.

It follows the real chain by asking the honest validators for their committed blocks, and
writes what it did, one JSON object per line, to its report file for the checker.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from validators.core.blocks import Block, MalformedError, Transaction, build_block, genesis_hash
from validators.core.genesis import Genesis, load_genesis
from validators.core.keys import SigningKey
from validators.core.messages import (
    COMMIT,
    PREPARE,
    CommittedBlock,
    ConsensusVote,
    Message,
    Proposal,
    signed_bytes,
)
from validators.core.rules import ConsensusConfig, Head

LIAR = "validator-4"

# What each move does (docs/faults.md has the same list).
MOVES = {
    "equivocate": "two signed proposals for each of its turns, each honest validator sent both",
    "conflicting_prepares": "two PREPAREs for different made-up blocks at every height",
    "out_of_turn": "a signed proposal at every height another validator proposes",
    "bad_catch_up": "a message of a later height at every height, to be asked for blocks",
}
# How a served block's commit certificate is bad.
DEFECTS = ("short", "repeated", "forged", "borrowed")
LURE_ROUND = 5  # the round of the later-height PREPAREs that lure catch-up requests
LURE_AHEAD = 2  # how many heights ahead of the honest validators' height
SEND_TIMEOUT = (0.5, 5.0)


@dataclass(frozen=True)
class Move:
    kind: str
    hold: float  # seconds the move is played
    quiet: float  # seconds of withholding only afterwards

    def describe(self) -> str:
        return (
            f"{self.kind}: {MOVES[self.kind]}, for {self.hold:.1f}s, then {self.quiet:.1f}s quiet"
        )


def make_byzantine_schedule(seed: int, seconds: float) -> list[Move]:
    """Moves until about `seconds` of moves and quiet spells; every kind once before any
    repeats, in a seeded order. Equivocating waits for the liar's turns (one height in four,
    and a turn costs a round change), so it is held longer: 10 to 14 s against 4 to 8."""
    rng = random.Random(seed)
    moves: list[Move] = []
    kinds: list[str] = []
    total = 0.0
    while total < seconds:
        if not kinds:
            kinds = sorted(MOVES)
            rng.shuffle(kinds)
        kind = kinds.pop()
        low = 10.0 if kind == "equivocate" else 4.0
        hold = round(rng.uniform(low, low + 4.0), 1)
        quiet = round(rng.uniform(3.0, 5.0), 1)
        moves.append(Move(kind, hold, quiet))
        total += hold + quiet
    return moves


# ----------------------------------------------------------------------------- signed moves


def signed(message: Message, key: SigningKey, chain_id: str) -> Message:
    return replace(message, signature=key.sign(signed_bytes(message, chain_id)))


def made_up_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def child_block(
    config: ConsensusConfig,
    parent: CommittedBlock | Head,
    round_: int,
    timestamp_ms: int,
    transactions: tuple[Transaction, ...] = (),
) -> Block:
    """A block on `parent` (a committed block, or the genesis head) proposed by the liar,
    carrying the parent's commit certificate as a valid block does."""
    if isinstance(parent, Head):
        head, certificate = parent, ()
    else:
        head = Head(parent.block.height, parent.block.block_hash, parent.block.header.timestamp_ms)
        certificate = tuple(v.to_dict() for v in parent.certificate)
    return build_block(
        config.chain_id,
        head.height + 1,
        round_,
        timestamp_ms,
        head.block_hash,
        LIAR,
        transactions,
        certificate,
    )


def parent_timestamp(parent: CommittedBlock | Head) -> int:
    return parent.timestamp_ms if isinstance(parent, Head) else parent.block.header.timestamp_ms


def equivocating_proposals(
    config: ConsensusConfig,
    key: SigningKey,
    parent: CommittedBlock | Head,
    now_ms: int,
    transactions: tuple[Transaction, ...],
) -> tuple[Proposal, Proposal]:
    """Two valid round-0 proposals for the height after `parent`: one with `transactions`,
    one empty a millisecond later (so never the same block)."""
    at = max(now_ms, parent_timestamp(parent) + config.interval_ms)
    first = child_block(config, parent, 0, at, transactions)
    second = child_block(config, parent, 0, at + 1)
    height = first.height
    a = signed(Proposal(height, 0, first, LIAR, ""), key, config.chain_id)
    b = signed(Proposal(height, 0, second, LIAR, ""), key, config.chain_id)
    assert isinstance(a, Proposal) and isinstance(b, Proposal)
    return a, b


def conflicting_prepares(
    config: ConsensusConfig, key: SigningKey, height: int, round_: int, rng: random.Random
) -> tuple[ConsensusVote, ConsensusVote]:
    votes = [
        signed(
            ConsensusVote(PREPARE, height, round_, made_up_hash(rng), LIAR, ""),
            key,
            config.chain_id,
        )
        for _ in range(2)
    ]
    first, second = votes
    assert isinstance(first, ConsensusVote) and isinstance(second, ConsensusVote)
    return first, second


def out_of_turn_proposal(
    config: ConsensusConfig, key: SigningKey, parent: CommittedBlock | Head, now_ms: int
) -> Proposal:
    """A valid-looking proposal for the first round of the next height that is not the
    liar's to propose."""
    height = (parent.height if isinstance(parent, Head) else parent.block.height) + 1
    round_ = next(r for r in range(config.size) if config.proposer_for(height, r) != LIAR)
    at = max(now_ms, parent_timestamp(parent) + config.interval_ms)
    block = child_block(config, parent, round_, at)
    proposal = signed(Proposal(height, round_, block, LIAR, ""), key, config.chain_id)
    assert isinstance(proposal, Proposal)
    return proposal


def lure(
    config: ConsensusConfig, key: SigningKey, height: int, rng: random.Random
) -> ConsensusVote:
    """A signed message of a height the honest validators have not reached: they ask its
    sender for the blocks they seem to miss."""
    vote = ConsensusVote(PREPARE, height, LURE_ROUND, made_up_hash(rng), LIAR, "")
    message = signed(vote, key, config.chain_id)
    assert isinstance(message, ConsensusVote)
    return message


def forged_block(
    config: ConsensusConfig,
    key: SigningKey,
    parent: CommittedBlock | Head,
    defect: str,
    real: CommittedBlock | None = None,
) -> CommittedBlock:
    """The block after `parent`, proposed by the liar in a round that is its turn (so the
    header checks out), with a commit certificate that is bad in the way `defect` names:

    - short: the liar's own COMMIT only (1 of q);
    - repeated: the liar's COMMIT q times (one distinct signer);
    - forged: the liar's COMMIT and q - 1 COMMITs naming honest validators, signed by the liar;
    - borrowed: the real block's certificate at that height (valid votes for another block),
      or, before the real block exists, a forged one.
    """
    height = (parent.height if isinstance(parent, Head) else parent.block.height) + 1
    round_ = next(r for r in range(config.size) if config.proposer_for(height, r) == LIAR)
    block = child_block(config, parent, round_, parent_timestamp(parent) + config.interval_ms)

    def commit(validator: str) -> ConsensusVote:
        vote = ConsensusVote(COMMIT, height, round_, block.block_hash, validator, "")
        message = signed(vote, key, config.chain_id)
        assert isinstance(message, ConsensusVote)
        return message

    own = commit(LIAR)
    others = [v for v, _ in config.validators if v != LIAR][: config.quorum - 1]
    if defect == "borrowed" and real is not None and real.block.height == height:
        certificate = real.certificate
    elif defect == "short":
        certificate = (own,)
    elif defect == "repeated":
        certificate = (own,) * config.quorum
    else:
        certificate = (own, *(commit(v) for v in others))
    return CommittedBlock(block, certificate)


def split(honest: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    """A seeded split of the honest validators into two non-empty groups: the first group
    gets one proposal first, the second the other."""
    shuffled = honest[:]
    rng.shuffle(shuffled)
    cut = rng.randint(1, len(shuffled) - 1)
    return sorted(shuffled[:cut]), sorted(shuffled[cut:])


# ----------------------------------------------------------------------------- the process


@dataclass
class Report:
    """What the liar did, one JSON object per line, flushed as it goes."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "at": time.time(), **fields})
        with self.lock, self.path.open("a") as handle:
            handle.write(line + "\n")


def read_report(path: Path) -> list[dict[str, Any]]:
    """The report's events so far (a line still being written is left for the next read)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


@dataclass
class Liar:
    genesis: Genesis
    key: SigningKey
    report: Report
    rng: random.Random
    config: ConsensusConfig = field(init=False)
    honest: dict[str, str] = field(init=False)  # node id -> base URL
    chain: dict[int, CommittedBlock] = field(default_factory=dict)
    mempool: dict[str, Transaction] = field(default_factory=dict)
    move: str = ""  # the move being played ("" in a quiet spell)
    stopped: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        self.config = ConsensusConfig.from_genesis(self.genesis)
        self.honest = {v.id: v.url for v in self.genesis.validators if v.id != LIAR}

    # ------------------------------------------------------------------ the real chain

    def http(self) -> requests.Session:
        if not hasattr(self.local, "http"):
            self.local.http = requests.Session()
        value: requests.Session = self.local.http
        return value

    @property
    def height(self) -> int:
        with self.lock:
            return max(self.chain, default=0)

    def parent(self, height: int) -> CommittedBlock | Head | None:
        """The block at `height` (the genesis head at 0), or None if not known yet."""
        if height == 0:
            return Head(0, genesis_hash(self.genesis.to_dict()), 0)
        with self.lock:
            known = self.chain.get(height)
        if known is None:
            self.follow(height, list(self.honest.values()), limit=1)
            with self.lock:
                known = self.chain.get(height)
        return known

    def follow(self, start: int, urls: list[str], limit: int = 50) -> None:
        """Ask these honest validators, in turn, for committed blocks from `start` on, until
        one has some."""
        for url in urls:
            try:
                answer = self.http().get(
                    url + "/peer/blocks", params={"from": start, "limit": limit}, timeout=(0.5, 2.0)
                )
                blocks = [CommittedBlock.from_dict(b) for b in answer.json()["blocks"]]
            except (requests.RequestException, ValueError, KeyError, TypeError, MalformedError):
                continue
            if blocks:
                with self.lock:
                    for committed in blocks:
                        self.chain[committed.block.height] = committed
                        for tx in committed.block.transactions:
                            self.mempool.pop(tx.tx_id, None)
                return

    # ------------------------------------------------------------------ sending

    def send(self, targets: list[str], message: Message) -> set[str]:
        """POST a signed message to each target in turn, as a peer does; the targets that
        queued it for their engine (202)."""
        body = json.dumps(message.to_dict(), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        queued = set()
        for node_id in targets:
            try:
                response = self.http().post(
                    self.honest[node_id] + "/peer/message",
                    data=body,
                    headers=headers,
                    timeout=SEND_TIMEOUT,
                )
            except requests.RequestException:
                continue
            if response.status_code == 202:
                queued.add(node_id)
        return queued

    def equivocated(self, a: Message, b: Message, queued: set[str], **extra: Any) -> None:
        """Report two conflicting messages for one slot, with the honest nodes that queued
        both for their engines (those must hold the evidence)."""
        self.report.write(
            "equivocated",
            phase=a.phase,
            height=a.height,
            round=a.round,
            hashes=[a.block_hash, b.block_hash],
            both_queued=sorted(queued),
            **extra,
        )

    def play(self, height: int) -> None:
        """The current move at `height`, the honest validators' height (once per height)."""
        move = self.move
        parent = self.parent(height - 1)
        if not move or parent is None:
            return
        everyone = sorted(self.honest)
        now_ms = int(time.time() * 1000)
        if move == "equivocate" and self.config.proposer_for(height, 0) == LIAR:
            due = parent_timestamp(parent) + self.config.interval_ms
            time.sleep(max(0.0, (due - now_ms) / 1000))
            with self.lock:
                pending = tuple(list(self.mempool.values())[:100])
            a, b = equivocating_proposals(
                self.config, self.key, parent, int(time.time() * 1000), pending
            )
            first, second = split(everyone, self.rng)
            one = self.send(first, a) | self.send(second, b)
            other = self.send(first, b) | self.send(second, a)
            self.equivocated(a, b, one & other, first=[first, second])
        elif move == "conflicting_prepares":
            p, q = conflicting_prepares(self.config, self.key, height, 0, self.rng)
            self.equivocated(p, q, self.send(everyone, p) & self.send(everyone, q))
        elif move == "out_of_turn" and self.config.proposer_for(height, 0) != LIAR:
            proposal = out_of_turn_proposal(self.config, self.key, parent, now_ms)
            self.send(everyone, proposal)
            self.report.write(
                "out_of_turn", height=height, round=proposal.round, hash=proposal.block_hash
            )
        elif move == "bad_catch_up":
            self.send(everyone, lure(self.config, self.key, height + LURE_AHEAD, self.rng))
            self.report.write("lured", height=height, lure_height=height + LURE_AHEAD)

    def run(self, schedule: list[Move]) -> None:
        """Follow the chain and play each move at every new height until stopped."""
        urls = list(self.honest.values())
        # Joining mid-height: the first height seen may be committed by the time a move is
        # sent, so the moves start at the next one.
        for url in urls:
            self.follow(self.height + 1, [url])
        played = self.height + 1
        threading.Thread(target=self.play_schedule, args=(schedule,), daemon=True).start()
        for turn in itertools.count():
            if self.stopped.is_set():
                return
            self.follow(self.height + 1, [urls[turn % len(urls)]])
            height = self.height + 1
            if height > played:
                played = height
                self.play(height)
            self.stopped.wait(0.05)

    def play_schedule(self, schedule: list[Move]) -> None:
        for move in schedule:
            self.move = move.kind
            self.report.write("move", kind=move.kind, phase="start")
            if self.stopped.wait(move.hold):
                return
            self.move = ""
            self.report.write("move", kind=move.kind, phase="end")
            if self.stopped.wait(move.quiet):
                return
        self.report.write("schedule", phase="done")

    # ------------------------------------------------------------------ serving

    def serve_blocks(self, start: int, requester: str) -> dict[str, Any]:
        """GET /peer/blocks: one block at `start` whose certificate is bad."""
        parent = self.parent(start - 1) if start >= 1 else None
        if parent is None:
            return {"blocks": [], "height": self.height}
        defect = self.rng.choice(DEFECTS)
        with self.lock:
            real = self.chain.get(start)
        forged = forged_block(self.config, self.key, parent, defect, real)
        self.report.write(
            "served",
            height=start,
            hash=forged.block.block_hash,
            defect=defect,
            to=requester,
        )
        return {"blocks": [forged.to_dict()], "height": max(self.height, start)}

    def take_gossip(self, items: Any) -> int:
        taken = 0
        for item in items if isinstance(items, list) else []:
            try:
                tx = Transaction.from_dict(item)
            except MalformedError:
                continue
            with self.lock:
                if len(self.mempool) < 5000:
                    self.mempool[tx.tx_id] = tx
                    taken += 1
        return taken


def handler_for(liar: Liar) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length))
            except ValueError:
                return None

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/peer/blocks":
                self.answer(404, {"detail": "not served here", "code": "not_found"})
                return
            try:
                start = int(parse_qs(url.query).get("from", ["1"])[0])
            except ValueError:
                self.answer(400, {"detail": "from must be an integer", "code": "bad_range"})
                return
            self.answer(200, liar.serve_blocks(start, self.client_address[0]))

        def do_POST(self) -> None:
            data = self.body()
            path = urlsplit(self.path).path
            if path == "/peer/message":  # taken, never answered with a vote
                self.answer(202, {"accepted": True})
            elif path == "/peer/transactions":
                items = data.get("transactions") if isinstance(data, dict) else None
                self.answer(200, {"checked": liar.take_gossip(items)})
            elif path == "/peer/transactions/lookup":
                self.answer(200, {"transactions": []})
            else:
                self.answer(404, {"detail": "not served here", "code": "not_found"})

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the report says what matters

    return Handler


@contextmanager
def listening(liar: Liar, host: str, port: int) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer((host, port), handler_for(liar))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--network-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)
    genesis = load_genesis(args.network_dir / "genesis.json")
    key = SigningKey.load(args.network_dir / "keys" / f"{LIAR}.key")
    # The moves' own choices (splits, defects, made-up hashes) are seeded too; which heights
    # they meet depends on the real processes' timing.
    liar = Liar(genesis, key, Report(args.report), random.Random(f"liar-{args.seed}"))
    signal.signal(signal.SIGTERM, lambda *_: liar.stopped.set())
    url = urlsplit(genesis.validator(LIAR).url)
    with listening(liar, url.hostname or "", url.port or 80):
        liar.report.write("started", listen=url.netloc)
        liar.run(make_byzantine_schedule(args.seed, args.seconds))


if __name__ == "__main__":
    main()
