"""Peer discovery through the bootnode. The bootnode only says where peers are: the trusted
set comes from genesis, and when the bootnode is down the node keeps its cached peers."""

from __future__ import annotations

import logging
import threading

from django import db
from django.conf import settings
from django.utils import timezone

from validators.bootnode.client import BootnodeUnavailable, discover, register
from validators.bootnode.messages import registration_bytes
from validators.chain.models import Peer
from validators.chain.network_config import genesis, node_key
from validators.core.genesis import Genesis
from validators.core.keys import verify_signature

log = logging.getLogger("validators.membership")


def refresh_peers() -> None:
    """Register (signed) and refresh the cached peer URLs of genesis validators.

    The bootnode only relays: a URL is taken only with the peer's own signed registration,
    checked against the peer's key in genesis, and only if it is newer than the one held. So
    whoever answers for the bootnode can hide a peer, not redirect its traffic."""
    g = genesis()
    me = g.validator(settings.NODE_ID)
    try:
        register(g.bootnode_url, g.chain_id, me.id, me.url, node_key())
        found = discover(g.bootnode_url, me.id)
    except BootnodeUnavailable as exc:
        log.info("bootnode unavailable, keeping cached peers reason=%s", exc)
        return
    accepted = sum(accept_registration(g, peer) for peer in found)
    log.debug("peers refreshed found=%s accepted=%s at=%s", len(found), accepted, timezone.now())


_refreshing = threading.Lock()


def refresh_in_background() -> threading.Thread | None:
    """Run refresh_peers in a thread of its own, unless one is still running; the thread."""
    if not _refreshing.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            refresh_peers()
        except Exception:  # a thread's exception would only reach stderr
            log.exception("peer refresh failed")
        finally:
            db.connection.close()  # this thread's own connection
            _refreshing.release()

    thread = threading.Thread(target=run, name="refresh-peers", daemon=True)
    thread.start()
    return thread


def accept_registration(g: Genesis, entry: object) -> bool:
    """Take a discovered peer's URL if its registration is signed by its genesis key and newer
    than the one held; whether it was taken."""
    if not isinstance(entry, dict) or entry.get("node_id") not in g.validator_ids:
        return False
    node_id, url, stamp = entry["node_id"], entry.get("url"), entry.get("timestamp_ms")
    signature = entry.get("signature")
    if not (isinstance(url, str) and isinstance(stamp, int) and isinstance(signature, str)):
        return False
    key = g.validator(node_id).public_key
    if not verify_signature(
        key, registration_bytes(g.chain_id, node_id, url, key, stamp), signature
    ):
        log.warning("peer registration refused node=%s reason=bad_signature", node_id)
        return False
    held = Peer.objects.filter(node_id=node_id).values_list("registered_ms", flat=True).first()
    if held is not None and held >= stamp:
        return False
    Peer.objects.update_or_create(node_id=node_id, defaults={"url": url, "registered_ms": stamp})
    return True
