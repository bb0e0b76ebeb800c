"""Peer discovery through the bootnode. The bootnode only says where peers are: the trusted
set comes from genesis, and when the bootnode is down the node keeps its cached peers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from validators.bootnode.client import BootnodeUnavailable, discover, register
from validators.chain.models import Peer
from validators.chain.store import genesis, node_key

log = logging.getLogger("validators.membership")


def refresh_peers() -> None:
    """Register (a signed heartbeat) and refresh the cached peer URLs of genesis validators."""
    g = genesis()
    me = g.validator(settings.NODE_ID)
    try:
        register(g.bootnode_url, me.id, me.url, node_key())
        found = discover(g.bootnode_url, me.id)
    except BootnodeUnavailable as exc:
        log.info("bootnode unavailable, keeping cached peers reason=%s", exc)
        return
    trusted = set(g.validator_ids)
    for peer in found:
        if peer.get("node_id") in trusted and isinstance(peer.get("url"), str):
            Peer.objects.update_or_create(node_id=peer["node_id"], defaults={"url": peer["url"]})
    log.debug("peers refreshed count=%s at=%s", len(found), timezone.now())
