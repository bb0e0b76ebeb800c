"""HTTP endpoints of a validator node: JSON-RPC, health, an election's chain, peer traffic."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from validators.chain import metrics, network_config, peers, rpc, tasks
from validators.chain.models import (
    ChainTransaction,
    ConsensusState,
    Evidence,
    MempoolTransaction,
    Peer,
    StoredBlock,
)
from validators.chain.store import committed_blocks, inbound_messages, mempool, transaction_rows
from validators.chain.verification import verify_chain
from validators.core.blocks import Block, MalformedError, Transaction
from validators.core.messages import (
    COMMIT,
    PROPOSAL,
    ConsensusVote,
    Message,
    Proposal,
    message_from_dict,
)
from validators.core.rules import signature_valid
from validators.metrics_export import metrics_view


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _refuse(status: int, code: str, detail: str) -> JsonResponse:
    """A peer message refused before it reaches the engine: counted by its code."""
    metrics.refused(code)
    return error(status, code, detail)


@csrf_exempt  # machine callers; transactions carry their own submitter signatures
@require_POST
def rpc_endpoint(request: HttpRequest) -> HttpResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.RPC_MAX_BODY_BYTES:  # refused before it is read
        too_large = rpc.RpcError(rpc.INVALID_REQUEST, "request body too large")
        return JsonResponse(rpc.error_response(None, too_large), status=413)
    answer = rpc.handle_rpc(request.body)
    if answer is None:
        return HttpResponse(status=204)
    return JsonResponse(answer, safe=False)


def _metrics_dir() -> Path:
    return Path(settings.METRICS_DIR)


# GET /metrics: loopback, or the METRICS_TOKEN bearer token (validators/metrics_export.py).
metrics_endpoint = metrics_view(
    _metrics_dir, lambda: str(settings.METRICS_TOKEN), metrics.scrape_collectors
)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    state = ConsensusState.objects.filter(pk=1).first()
    last = StoredBlock.objects.order_by("-height").first()
    fresh = (
        state is not None
        and state.updated_at
        and timezone.now() - state.updated_at < timedelta(seconds=5)
    )
    return JsonResponse(
        {
            "node_id": settings.NODE_ID,
            "status": "ok" if fresh else "stalled",
            "height": last.height if last else 0,
            "round": state.round if state else 0,
            "last_block_hash": last.block_hash if last else None,
            "last_block_time_ms": last.timestamp_ms if last else None,
            "peers": [
                {"node_id": p.node_id, "url": p.url, "last_heard_at": p.last_heard_at}
                for p in Peer.objects.order_by("node_id")
            ],
            "mempool_size": MempoolTransaction.objects.count(),
            "evidence_count": Evidence.objects.count(),
        }
    )


@require_GET
def blockchain(request: HttpRequest) -> JsonResponse:
    election_id = request.GET.get("election_id", "")
    if not election_id:
        return error(400, "missing_election_id", "election_id is required")
    rows = ChainTransaction.objects.filter(election_id=election_id).select_related("block")
    return JsonResponse(
        {
            "election_id": election_id,
            "transactions": [
                {
                    **rpc.transaction_json(t),
                    "block_height": t.block_id,
                    "block_hash": t.block.block_hash,
                }
                for t in rows
            ],
            "verification": verify_chain(),
        }
    )


# Full blocks can hold thousands of transactions each: a page of them is bounded.
PEER_BLOCKS_LIMIT = 50
MAX_HEIGHT = 2**63 - 1  # what a 64-bit column holds

_heard: dict[str, float] = {}


def _note_heard(node_id: str) -> None:
    """Record when a peer was last heard from, at most once a second per peer."""
    if time.monotonic() - _heard.get(node_id, 0.0) > 1.0:
        _heard[node_id] = time.monotonic()
        if not Peer.objects.filter(node_id=node_id).exists():
            url = network_config.genesis().validator(node_id).url
            Peer.objects.get_or_create(node_id=node_id, defaults={"url": url})
        peers.record_heard_from(node_id)


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


@csrf_exempt  # authenticated by the validator signature on every message
@require_POST
def peer_message(request: HttpRequest) -> JsonResponse:
    """A consensus message from a peer, queued for the engine once it is signed by a
    validator, not stale, within its sender's rate, and (a proposal) its body matches its
    signed header. Signed messages stay valid for ever (every block's certificate publishes
    some), so a replay is only ever stale or over the rate: it is dropped here, unqueued."""
    data = _json_body(request)
    try:
        # A proposal's thousands of transactions are decoded and checked by the engine; here
        # its signature (which covers the header alone) and its body's hashes are.
        is_proposal = isinstance(data, dict) and data.get("type") == PROPOSAL
        message = Proposal.envelope_from_dict(data) if is_proposal else message_from_dict(data)
    except (MalformedError, KeyError, TypeError) as exc:
        return _refuse(400, "malformed_message", f"not a consensus message: {exc}")
    if not signature_valid(network_config.consensus_config(), message):
        return _refuse(403, "bad_signature", "signature is not by a validator in genesis")
    if _stale(message):
        metrics.refused("stale_height")
        return JsonResponse({"accepted": False, "code": "stale_height"})
    if _over_rate(request, message.validator):
        return _refuse(429, "rate_limited", f"over {settings.PEER_MESSAGE_RATE} from this peer")
    if isinstance(message, Proposal):
        try:
            reason = Block.wire_body_error(message.block.header, data["block"])
        except (MalformedError, KeyError, TypeError) as exc:
            return _refuse(400, "malformed_message", f"not a consensus message: {exc}")
        if reason:
            return _refuse(400, "body_mismatch", f"the block does not match its header: {reason}")
    _note_heard(message.validator)
    _queue_for_engine(request.body, data)
    return JsonResponse({"accepted": True}, status=202)


def _stale(message: Message) -> bool:
    """Below the committed head, or at it but not a COMMIT for it (the one kind the engine
    still uses there: it can complete the head's certificate)."""
    head = committed_blocks.head()
    if message.height != head.height:
        return message.height < head.height
    return not (
        isinstance(message, ConsensusVote)
        and message.phase == COMMIT
        and message.block_hash == head.block_hash
    )


def _over_rate(request: HttpRequest, validator: str) -> bool:
    """Counted per signing validator, only for signed messages that are not stale, so
    nobody else can spend a validator's allowance."""
    limited: bool = is_ratelimited(
        request,
        group="peer-message",
        key=lambda group, request: validator,
        rate=settings.PEER_MESSAGE_RATE,
        increment=True,
    )
    return limited


# Messages above this size (proposals with their blocks) reach the worker through the
# database as received; smaller ones (votes) travel inside the Celery message.
INLINE_MESSAGE_BYTES = 64 * 1024


def _queue_for_engine(body: bytes, data: dict[str, Any]) -> None:
    """Hand an accepted message to the worker's engine (tasks.receive_*), which runs it
    through the consensus core."""
    if len(body) > INLINE_MESSAGE_BYTES:
        try:
            text = body.decode()
        except UnicodeDecodeError:  # JSON in another Unicode encoding: pass it decoded
            pass
        else:
            tasks.receive_stored_message.delay_on_commit(inbound_messages.put(text))
            return
    tasks.receive_message.delay(data)


@require_GET
def peer_blocks(request: HttpRequest) -> JsonResponse:
    try:
        start = int(request.GET.get("from", "1"))
        limit = min(int(request.GET.get("limit", "50")), PEER_BLOCKS_LIMIT)
    except ValueError:
        return error(400, "bad_range", "from and limit must be integers")
    if not 0 <= start <= MAX_HEIGHT:
        return error(400, "bad_range", f"from must be between 0 and {MAX_HEIGHT}")
    blocks = committed_blocks.read_from(max(start, 1), max(limit, 1))
    return JsonResponse(
        {"blocks": [b.to_dict() for b in blocks], "height": committed_blocks.head().height}
    )


@csrf_exempt  # transactions carry their own submitter signatures
@require_POST
def peer_transactions(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    items = data.get("transactions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return error(400, "malformed_transactions", 'expected {"transactions": [...]}')
    try:
        txs = [Transaction.from_dict(item) for item in items]
    except MalformedError as exc:
        return error(400, "malformed_transaction", str(exc))
    return JsonResponse({"checked": mempool.admit_gossip(txs)})


@csrf_exempt  # public, like eth_getTransactionByHash: transactions are signed and public
@require_POST
def peer_transactions_lookup(request: HttpRequest) -> JsonResponse:
    """The transactions this node holds (mempool or chain) among the given hashes: peers
    fill in compact proposals with it."""
    data = _json_body(request)
    hashes = data.get("hashes") if isinstance(data, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        return error(400, "malformed_lookup", 'expected {"hashes": ["0x...", ...]}')
    limit = network_config.genesis().max_block_txs
    if len(hashes) > limit:
        return error(400, "too_many_hashes", f"at most {limit} hashes per lookup")
    found = transaction_rows.held_transactions(hashes)
    return JsonResponse({"transactions": [found[h].to_dict() for h in hashes if h in found]})
