"""JSON-RPC 2.0 over POST /rpc: single and batch calls, standard and application errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings

from validators.chain import peers
from validators.chain.models import ChainTransaction, MempoolTransaction, StoredBlock
from validators.chain.store import mempool
from validators.core.blocks import MalformedError, Transaction

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "error": body, "id": request_id}


def handle_rpc(raw: bytes) -> Any:
    """The response document for a request body (None when it held only notifications)."""
    if len(raw) > settings.RPC_MAX_BODY_BYTES:
        return error_response(None, RpcError(INVALID_REQUEST, "request body too large"))
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error_response(None, RpcError(PARSE_ERROR, "Parse error: body is not JSON"))
    if isinstance(document, list):
        if not document:
            return error_response(None, RpcError(INVALID_REQUEST, "empty batch"))
        if len(document) > settings.RPC_MAX_BATCH:
            return error_response(
                None,
                RpcError(
                    INVALID_REQUEST,
                    f"batch of {len(document)} calls, at most {settings.RPC_MAX_BATCH}",
                ),
            )
        responses = handle_batch(document)
        return [r for r in responses if r is not None] or None
    return handle_batch([document])[0]


def handle_batch(calls: list[Any]) -> list[dict[str, Any] | None]:
    """Answer each call; every eth_sendTransaction in the batch is admitted in one pass."""
    admitted = _admit_batch(calls)
    return [_answer(call, admitted) for call in calls]


def _request_error(call: Any) -> RpcError | None:
    if not isinstance(call, dict) or call.get("jsonrpc") != "2.0":
        return RpcError(INVALID_REQUEST, 'Invalid request: jsonrpc must be "2.0"')
    if not isinstance(call.get("method"), str):
        return RpcError(INVALID_REQUEST, "Invalid request: method must be a string")
    if "params" in call and not isinstance(call["params"], (list, dict)):
        return RpcError(INVALID_REQUEST, "Invalid request: params must be an array or object")
    if "id" in call and not (call["id"] is None or isinstance(call["id"], (str, int))):
        return RpcError(INVALID_REQUEST, "Invalid request: id must be a string, number or null")
    return None


def _answer(call: Any, admitted: dict[int, Any]) -> dict[str, Any] | None:
    request_id = call.get("id") if isinstance(call, dict) else None
    problem = _request_error(call)
    try:
        if problem:
            raise problem
        if id(call) in admitted:
            result = admitted[id(call)]
            if isinstance(result, RpcError):
                raise result
        else:
            method = METHODS.get(call["method"])
            if method is None:
                raise RpcError(METHOD_NOT_FOUND, f"Method not found: {call['method']}")
            result = method(call.get("params", []))
    except RpcError as error:
        return error_response(request_id, error)
    if isinstance(call, dict) and "id" not in call:
        return None  # a notification gets no answer
    return {"jsonrpc": "2.0", "result": result, "id": request_id}


def _param(params: Any, index: int, name: str) -> Any:
    if isinstance(params, list) and len(params) > index:
        return params[index]
    if isinstance(params, dict) and name in params:
        return params[name]
    raise RpcError(INVALID_PARAMS, f"Invalid params: missing {name}")


# ----------------------------------------------------------------------------- methods


def _admit_batch(calls: list[Any]) -> dict[int, Any]:
    """Admit the batch's transactions together; maps id(call) -> tx hash or RpcError."""
    sends = [c for c in calls if _request_error(c) is None and c["method"] == "eth_sendTransaction"]
    results: dict[int, Any] = {}
    parsed: list[tuple[Any, Transaction]] = []
    for call in sends:
        try:
            parsed.append(
                (call, Transaction.from_dict(_param(call.get("params", []), 0, "transaction")))
            )
        except MalformedError as exc:
            results[id(call)] = RpcError(INVALID_PARAMS, f"Invalid params: {exc}")
        except RpcError as error:
            results[id(call)] = error
    outcomes = mempool.admit_transactions([tx for _, tx in parsed]) if parsed else []
    admitted = []
    for (call, tx), outcome in zip(parsed, outcomes, strict=True):
        if outcome is None:
            results[id(call)] = tx.tx_hash
            admitted.append(tx.to_dict())
        else:
            results[id(call)] = RpcError(outcome.code, outcome.message, {"reason": outcome.name})
    if admitted:
        urls = list(peers.peer_urls(exclude=settings.NODE_ID).values())
        peers.send_later(urls, "/peer/transactions", {"transactions": admitted})
    return results


def _send_transaction(params: Any) -> Any:  # reached only for calls _admit_batch skipped
    raise RpcError(INVALID_PARAMS, "Invalid params: transaction")


def _lookup(params: Any) -> ChainTransaction | None:
    key = _param(params, 0, "hash")
    if not isinstance(key, str):
        raise RpcError(INVALID_PARAMS, "Invalid params: hash must be a string")
    row = ChainTransaction.objects.select_related("block").filter(tx_hash=key).first()
    return row or ChainTransaction.objects.select_related("block").filter(tx_id=key).first()


def _receipt(params: Any) -> dict[str, Any] | None:
    row = _lookup(params)
    if row is None:
        return None
    return {
        "transactionHash": row.tx_hash,
        "transactionId": row.tx_id,
        "blockNumber": hex(row.block_id),
        "blockHash": row.block.block_hash,
        "transactionIndex": hex(row.position),
        "status": "0x1",
    }


def _transaction(params: Any) -> dict[str, Any] | None:
    row = _lookup(params)
    if row is not None:
        return transaction_json(row) | {
            "blockNumber": hex(row.block_id),
            "blockHash": row.block.block_hash,
        }
    key = _param(params, 0, "hash")
    pending = (
        MempoolTransaction.objects.filter(tx_hash=key).first()
        or MempoolTransaction.objects.filter(tx_id=key).first()
    )
    if pending is None:
        return None
    return transaction_json(pending) | {"blockNumber": None, "blockHash": None}


def transaction_json(row: ChainTransaction | MempoolTransaction) -> dict[str, Any]:
    return {
        "hash": row.tx_hash,
        "tx_id": row.tx_id,
        "election_id": row.election_id,
        "voter_pseudonym": row.voter_pseudonym,
        "payload": row.payload,
        "submitted_at_ms": row.submitted_at_ms,
        "submitter_key": row.submitter_key,
        "signature": row.signature,
    }


def _block_number(params: Any) -> str:
    last = StoredBlock.objects.order_by("-height").values_list("height", flat=True).first()
    return hex(last or 0)


def _block_by_number(params: Any) -> dict[str, Any] | None:
    number = _param(params, 0, "number")
    full = _param(params, 1, "full") if isinstance(params, list) and len(params) > 1 else False
    if number == "latest":
        row = StoredBlock.objects.order_by("-height").first()
    else:
        try:
            height = int(number, 16) if isinstance(number, str) else int(number)
        except (TypeError, ValueError):
            raise RpcError(
                INVALID_PARAMS, "Invalid params: number must be hex, an integer or 'latest'"
            ) from None
        if not 0 <= height < 2**63:
            raise RpcError(INVALID_PARAMS, "Invalid params: no block has that number")
        row = StoredBlock.objects.filter(height=height).first()
    return None if row is None else block_json(row, full=bool(full))


def block_json(row: StoredBlock, full: bool) -> dict[str, Any]:
    txs = row.transactions.all()
    return {
        "number": hex(row.height),
        "hash": row.block_hash,
        "parentHash": row.parent_hash,
        "timestamp": hex(row.timestamp_ms // 1000),
        "header": row.header,
        "certificate": row.certificate,
        "transactions": [transaction_json(t) for t in txs] if full else [t.tx_hash for t in txs],
    }


METHODS: dict[str, Callable[[Any], Any]] = {
    "eth_sendTransaction": _send_transaction,
    "eth_getTransactionReceipt": _receipt,
    "eth_getTransactionByHash": _transaction,
    "eth_blockNumber": _block_number,
    "eth_getBlockByNumber": _block_by_number,
}
