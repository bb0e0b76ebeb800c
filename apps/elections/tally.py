"""Tallying a closed election: the homomorphic aggregate of every ballot on the PoA chain
(plus fallback ballots not yet replayed, flagged as such), decrypted with its proof."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.chain.reading import ChainUnavailable, election_chain
from apps.elections import keys
from apps.elections.errors import DeliveryInProgress, DomainError, TallyUnavailable, WrongState
from apps.elections.models import Election
from apps.votes.models import Vote
from evcrypto import (
    CryptoError,
    ElectionKey,
    aggregate,
    ballot_from_json,
    decrypt_tally,
    verify_ballots,
)

log = logging.getLogger("apps.elections")


def tally_election(election: Election) -> Election:
    """closed -> tallied. Ballots come from the chain, never from the outbox alone."""
    if election.state != Election.State.CLOSED:
        raise WrongState(f"only a closed election can be tallied (this one is {election.state})")
    in_flight = Vote.objects.filter(
        election=election, status__in=[Vote.Status.PENDING, Vote.Status.SUBMITTED]
    ).count()
    if in_flight:  # on neither the chain nor the fallback chain yet: a tally now would miss them
        raise DeliveryInProgress(
            f"{in_flight} votes are still being delivered to the validators; tally once they are "
            "confirmed (or, if the network is down, on the fallback chain)"
        )
    try:
        chain = election_chain(election.chain_election_id)
    except ChainUnavailable as exc:
        raise TallyUnavailable("no validator answered; try again when the network is back") from exc
    on_chain = {b.transaction_id for b in chain.ballots}
    fallback = list(
        Vote.objects.filter(election=election, status=Vote.Status.FALLBACK)
        .exclude(transaction_id__in=on_chain)
        .values_list("ballot", flat=True)
    )
    results = _count(election, [b.payload for b in chain.ballots], fallback)
    results["chain_height"] = max((b.block_height for b in chain.ballots), default=0)
    results["chain_node"] = chain.node_id
    results["chain_valid"] = chain.verification.get("valid")
    with transaction.atomic():
        updated = Election.objects.filter(pk=election.pk, state=Election.State.CLOSED).update(
            state=Election.State.TALLIED, results=results, tallied_at=timezone.now()
        )
    if not updated:
        raise WrongState("the election was tallied concurrently")
    election.refresh_from_db()
    log.info(
        "election tallied id=%s ballots=%s fallback=%s",
        election.pk,
        results["ballots"],
        len(fallback),
    )
    return election


def _count(
    election: Election, chain_payloads: list[str], fallback_payloads: list[str]
) -> dict[str, Any]:
    election_key = ElectionKey.from_dict(election.public_key)
    group = election_key.public_key.group
    candidate_count = election.candidates.count()
    ballots = []
    for payload in chain_payloads + fallback_payloads:
        try:
            ballots.append(ballot_from_json(payload.encode(), group))
        except CryptoError as exc:
            raise DomainError(f"a ballot on chain does not parse: {exc}") from exc
    if ballots:
        try:
            verify_ballots(
                election_key.public_key,
                election.election_hash,
                ballots,
                candidate_count,
                election.min_selections,
                election.max_selections,
            )
        except CryptoError as exc:
            raise DomainError(f"a ballot on chain does not verify: {exc}") from exc
    encrypted = aggregate(ballots, candidate_count, group)
    decrypted = decrypt_tally(
        election_key, keys.unseal(election.sealed_private_key), encrypted, election.election_hash
    )
    return {
        "counts": list(decrypted.counts),
        "ballots": len(ballots),
        "fallback_ballots": len(fallback_payloads),
        "includes_unreplayed_fallback": bool(fallback_payloads),
        "aggregate": encrypted.to_dict(),
        "decryption": {
            "counts": list(decrypted.counts),
            "partial_decryptions": [p.to_dict() for p in decrypted.partial_decryptions],
        },
    }
