"""Test helper: a ballot encrypted with its randomness kept, ready to be spoiled."""

from __future__ import annotations

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import ballot_rules
from apps.votes.services import voter_pseudonym
from evcrypto import SpoiledBallot as Revealed
from evcrypto import spoilable_ballot


def revealed(election: Election, voter: User, choices: list[int]) -> Revealed:
    rules = ballot_rules(election)
    pseudonym = voter_pseudonym(election, voter)
    return spoilable_ballot(rules.parameters, rules.public_key, pseudonym, choices)
