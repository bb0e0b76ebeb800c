"""A closed election of many real ballots on stand-in validators (tests/standin_validators.py):
the data of the tally benchmark (bench/bench_tally.py) and of the large tally browser test.

Voters, their roll entries and their confirmed votes are written in bulk; the ballots are real
(encrypted with their proofs over every core: tests/ballot_factory.py) and committed, in
certified blocks of `block_size`, on the stand-ins."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.utils import timezone

from apps.accounts.models import User
from apps.elections.models import Election, RollEntry
from apps.elections.services import close_election, create_election, open_election
from apps.trustees.tests.ceremony import DEFAULT_TRUSTEES, complete_ceremony
from apps.votes.models import Vote
from apps.votes.services import ballot_rules, voter_pseudonym
from tests.ballot_factory import encrypt_ballots
from tests.standin_validators import StandInNetwork


def large_closed_election(
    network: StandInNetwork,
    ballots: int,
    block_size: int = 5000,
    title: str = "Large election",
    say: Callable[[str], None] = lambda line: None,
) -> Election:
    """`ballots` voters, each with a confirmed ballot on the stand-ins' chain (voter i chose
    candidate i mod 3); closed, so it can be tallied. `say` hears each stage and its time."""
    started = time.perf_counter()
    election = create_election(title, ["Ada", "Grace", "Linus"])
    users = User.objects.bulk_create(
        User(email=f"voter{i}@large.example", name=f"Voter {i}") for i in range(ballots)
    )
    RollEntry.objects.bulk_create(RollEntry(election=election, user=u) for u in users)
    complete_ceremony(election, DEFAULT_TRUSTEES)
    election = open_election(election)
    rules = ballot_rules(election)
    pseudonyms = [voter_pseudonym(election, user) for user in users]
    say(f"roll of {ballots} ready in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    payloads = encrypt_ballots(rules.parameters, rules.public_key, pseudonyms)
    say(f"ballots encrypted in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    votes = Vote.objects.bulk_create(
        [
            Vote(
                election=election,
                voter_pseudonym=pseudonym,
                ballot=payload.decode(),
                tracker=hashlib.sha256(payload).hexdigest(),  # ballot_tracker
                status=Vote.Status.CONFIRMED,
            )
            for pseudonym, payload in zip(pseudonyms, payloads, strict=True)
        ],
        batch_size=2000,
    )
    RollEntry.objects.filter(election=election).update(voted_at=timezone.now())
    for start in range(0, len(votes), block_size):
        chunk = votes[start : start + block_size]
        height = network.commit(
            [
                network.transaction(
                    v.transaction_id, election.chain_election_id, v.voter_pseudonym, v.ballot
                )
                for v in chunk
            ]
        )
        Vote.objects.filter(pk__in=[v.pk for v in chunk]).update(block_height=height)
    say(f"votes stored and committed in {time.perf_counter() - started:.1f} s")
    return close_election(election)
