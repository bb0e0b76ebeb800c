"""The bootnode's verbs: every change to the peer registry goes through one of these."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet

from validators.bootnode.errors import PeerNotRegistered, PeerRejected
from validators.bootnode.messages import Heartbeat, PeerRegistration
from validators.bootnode.models import Peer, RegistryCounter
from validators.core.genesis import Genesis, load_genesis
from validators.core.keys import verify_signature

logger = logging.getLogger(__name__)

# A signed message is accepted within this much of the bootnode's clock, either way. A captured
# message can be replayed inside the window; that only re-announces the URL the node itself
# signed or keeps it listed a little longer, which discovery can live with.
FRESHNESS_WINDOW = timedelta(minutes=5)

PROCESS_STARTED = time.monotonic()


def network_genesis() -> Genesis:
    return load_genesis(Path(settings.NETWORK_DIR) / "genesis.json")


def peer_ttl() -> timedelta:
    return timedelta(seconds=settings.BOOTNODE_PEER_TTL_SECONDS)


def register_peer(registration: PeerRegistration, now: datetime) -> Peer:
    """Store (or refresh) a validator's URL once it proved it holds its genesis key."""
    expected_key = genesis_key(registration.node_id)
    if registration.public_key != expected_key:
        raise PeerRejected(
            "key_mismatch", f"public_key is not the genesis key of {registration.node_id!r}"
        )
    chain_id = network_genesis().chain_id
    check_signed(expected_key, registration.signed_bytes(chain_id), registration, now)
    peer, created = store_peer(registration, now)
    logger.info("peer registered %s", log_fields(node_id=peer.node_id, url=peer.url, new=created))
    return peer


def store_peer(registration: PeerRegistration, now: datetime) -> tuple[Peer, bool]:
    """Upsert the entry; a re-registration moves the URL but keeps `registered_at`."""
    entry = {
        "url": registration.url,
        "public_key": registration.public_key,
        "last_seen_at": now,
        # Kept so discovery can hand peers the registration itself, which they verify.
        "registered_ms": registration.timestamp_ms,
        "signature": registration.signature,
    }
    with transaction.atomic():
        peer, created = Peer.objects.update_or_create(
            node_id=registration.node_id,
            defaults=entry,
            create_defaults=entry | {"registered_at": now},
        )
        add_to_counter(RegistryCounter.REGISTRATIONS, 1)
    return peer, created


def record_heartbeat(heartbeat: Heartbeat, now: datetime) -> Peer:
    """Mark a registered validator as alive, on its signed word."""
    chain_id = network_genesis().chain_id
    check_signed(genesis_key(heartbeat.node_id), heartbeat.signed_bytes(chain_id), heartbeat, now)
    if not Peer.objects.filter(node_id=heartbeat.node_id).update(last_seen_at=now):
        raise PeerNotRegistered(
            "peer_not_registered",
            f"{heartbeat.node_id!r} is not registered; register again",
        )
    logger.info("peer heartbeat %s", log_fields(node_id=heartbeat.node_id))
    return Peer.objects.get(node_id=heartbeat.node_id)


def peers_for(node_id: str, now: datetime) -> list[Peer]:
    """The live peers other than `node_id`; asking counts as a heartbeat from `node_id`.

    Discovery is not signed, so anyone can keep a registered validator listed by asking in its
    name. We accept that: it can only delay dropping a node that really registered (whose URL a
    caller must still reach and verify), never add or change an entry, and it spares validators a
    signature per poll. Unregistered or unknown ids just get the full list.
    """
    refreshed = Peer.objects.filter(node_id=node_id).update(last_seen_at=now)
    peers = list(live_peers(now).exclude(node_id=node_id))
    logger.info(
        "peers discovered %s",
        log_fields(node_id=node_id, refreshed=bool(refreshed), peers=len(peers)),
    )
    return peers


def live_peers(now: datetime) -> QuerySet[Peer]:
    return Peer.objects.filter(last_seen_at__gte=now - peer_ttl())


def drop_silent_peers(now: datetime) -> int:
    """Delete peers silent for longer than the TTL; one indexed SELECT when there are none."""
    cutoff = now - peer_ttl()
    silent = list(Peer.objects.filter(last_seen_at__lt=cutoff).values_list("pk", "node_id"))
    if not silent:
        return 0
    with transaction.atomic():
        dropped, _ = Peer.objects.filter(
            pk__in=[pk for pk, _ in silent], last_seen_at__lt=cutoff
        ).delete()
        add_to_counter(RegistryCounter.DROPPED_PEERS, dropped)
    for _, node_id in silent:
        logger.info(
            "peer dropped %s",
            log_fields(node_id=node_id, ttl_s=settings.BOOTNODE_PEER_TTL_SECONDS),
        )
    return dropped


def registry_stats(now: datetime) -> dict[str, Any]:
    """Running totals (kept in the database) and this process's uptime."""
    totals = dict(RegistryCounter.objects.values_list("name", "value"))
    return {
        "registered": totals.get(RegistryCounter.REGISTRATIONS, 0),
        "live": live_peers(now).count(),
        "dropped": totals.get(RegistryCounter.DROPPED_PEERS, 0),
        "uptime_seconds": int(time.monotonic() - PROCESS_STARTED),
        "peer_ttl_seconds": settings.BOOTNODE_PEER_TTL_SECONDS,
    }


def genesis_key(node_id: str) -> str:
    """The key genesis gives `node_id`; an unreadable genesis stays a GenesisError (server side)."""
    genesis = network_genesis()
    if node_id not in genesis.validator_ids:
        raise PeerRejected("unknown_validator", f"{node_id!r} is not a validator in genesis")
    return genesis.validator(node_id).public_key


def check_signed(
    public_key: str, message: bytes, signed: PeerRegistration | Heartbeat, now: datetime
) -> None:
    if not verify_signature(public_key, message, signed.signature):
        raise PeerRejected("bad_signature", f"signature does not verify for {signed.node_id!r}")
    skew_ms = abs(int(now.timestamp() * 1000) - signed.timestamp_ms)
    if skew_ms > FRESHNESS_WINDOW.total_seconds() * 1000:
        raise PeerRejected(
            "stale_timestamp",
            f"timestamp_ms is {skew_ms} ms from the bootnode's clock "
            f"(allowed {int(FRESHNESS_WINDOW.total_seconds())} s)",
        )


def add_to_counter(name: str, amount: int) -> None:
    RegistryCounter.objects.get_or_create(name=name)
    RegistryCounter.objects.filter(name=name).update(value=F("value") + amount)


def log_fields(**fields: object) -> str:
    """key=value pairs; values with spaces, quotes or '=' are JSON-quoted, long ones cut."""
    parts = []
    for key, value in fields.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        text = text[:200]
        if not text or any(c in text for c in ' "=') or not text.isprintable():
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)
