"""HTTP endpoints of a validator node: JSON-RPC, health, an election's chain, peer traffic."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from validators.chain import peers, rpc, store, tasks
from validators.chain.models import (
    Block,
    ChainTransaction,
    ConsensusState,
    Evidence,
    MempoolTransaction,
    Peer,
)
from validators.chain.verification import verify_chain
from validators.core.blocks import MalformedError, Transaction
from validators.core.consensus import signature_valid
from validators.core.messages import PROPOSAL, Proposal, message_from_dict


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


@csrf_exempt  # machine callers; transactions carry their own submitter signatures
@require_POST
def rpc_endpoint(request: HttpRequest) -> HttpResponse:
    answer = rpc.handle_rpc(request.body)
    if answer is None:
        return HttpResponse(status=204)
    return JsonResponse(answer, safe=False)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    state = ConsensusState.objects.filter(pk=1).first()
    last = Block.objects.order_by("-height").first()
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


_heard: dict[str, float] = {}


def _note_heard(node_id: str) -> None:
    """Record when a peer was last heard from, at most once a second per peer."""
    if time.monotonic() - _heard.get(node_id, 0.0) > 1.0:
        _heard[node_id] = time.monotonic()
        if not Peer.objects.filter(node_id=node_id).exists():
            url = store.genesis().validator(node_id).url
            Peer.objects.get_or_create(node_id=node_id, defaults={"url": url})
        peers.record_heard_from(node_id)


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None


@csrf_exempt  # authenticated by the validator signature on every message
@require_POST
def peer_message(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    try:
        # A proposal's thousands of transactions are decoded and checked by the engine; here
        # only its signature is, and that covers the header alone.
        is_proposal = isinstance(data, dict) and data.get("type") == PROPOSAL
        message = Proposal.envelope_from_dict(data) if is_proposal else message_from_dict(data)
    except (MalformedError, KeyError, TypeError) as exc:
        return error(400, "malformed_message", f"not a consensus message: {exc}")
    if not signature_valid(store.consensus_config(), message):
        return error(403, "bad_signature", "signature is not by a validator in genesis")
    _note_heard(message.validator)
    _deliver(request.body, data)
    return JsonResponse({"accepted": True}, status=202)


# Messages above this size (proposals with their blocks) reach the worker through the
# database as received; smaller ones (votes) travel inside the Celery message.
INLINE_MESSAGE_BYTES = 64 * 1024


def _deliver(body: bytes, data: dict[str, Any]) -> None:
    if len(body) > INLINE_MESSAGE_BYTES:
        try:
            text = body.decode()
        except UnicodeDecodeError:  # JSON in another Unicode encoding: pass it decoded
            pass
        else:
            tasks.deliver_stored_message.delay_on_commit(store.put_inbound_message(text))
            return
    tasks.deliver_message.delay(data)


@require_GET
def peer_blocks(request: HttpRequest) -> JsonResponse:
    try:
        start = int(request.GET.get("from", "1"))
        limit = min(int(request.GET.get("limit", "50")), 200)
    except ValueError:
        return error(400, "bad_range", "from and limit must be integers")
    blocks = store.committed_blocks_from(max(start, 1), max(limit, 1))
    return JsonResponse({"blocks": [b.to_dict() for b in blocks]})


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
    return JsonResponse({"checked": store.admit_gossip(txs)})


@csrf_exempt  # public, like eth_getTransactionByHash: transactions are signed and public
@require_POST
def peer_transactions_lookup(request: HttpRequest) -> JsonResponse:
    """The transactions this node holds (mempool or chain) among the given hashes: peers
    fill in compact proposals with it."""
    data = _json_body(request)
    hashes = data.get("hashes") if isinstance(data, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        return error(400, "malformed_lookup", 'expected {"hashes": ["0x...", ...]}')
    limit = store.genesis().max_block_txs
    if len(hashes) > limit:
        return error(400, "too_many_hashes", f"at most {limit} hashes per lookup")
    found = store.held_transactions(hashes)
    return JsonResponse({"transactions": [found[h].to_dict() for h in hashes if h in found]})
