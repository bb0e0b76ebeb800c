"""A tallied election's public record (docs/election-record.md) as one JSON object, file name
-> value: what the voter pages offer as record.json and `python -m evcrypto.verify` checks.
An election of contests (format 2) has a ninth file, weights.json, and per-contest results."""

from __future__ import annotations

import json
from typing import Any

from apps.elections.models import Election
from apps.elections.results import tally_of
from apps.elections.services import weight_roll
from apps.votes.models import SpoiledBallot, Vote
from evcrypto import Aggregate, ElectionKey, ElectionParameters
from evcrypto.record import WEIGHTS_FILE, contests_results


def election_record(election: Election) -> dict[str, Any]:
    """The record of a tallied election (WrongState before)."""
    published = tally_of(election)
    ballots = list(
        Vote.objects.filter(
            election=election, status__in=[Vote.Status.CONFIRMED, Vote.Status.FALLBACK]
        ).order_by("block_height", "id")
    )
    election_key = ElectionKey.from_dict(election.public_key)
    parameters = ElectionParameters.from_dict(election.parameters)
    record: dict[str, Any] = {
        "parameters.json": election.parameters,
        "trustees.json": election.public_key,
        "public_key.json": election_key.public_key.to_dict(),
        "ballots.json": {
            "ballots": [{"tracker": v.tracker, "ballot": json.loads(v.ballot)} for v in ballots]
        },
        "spoiled.json": {
            "spoiled": [
                spoiled_entry(s)
                for s in SpoiledBallot.objects.filter(election=election).order_by("id")
            ]
        },
        "aggregate.json": published["aggregate"],
        "decryption.json": {"partial_decryptions": published["decryption"]["partial_decryptions"]},
        "results.json": {
            "results": [
                {"candidate": name, "votes": count}
                for name, count in zip(parameters.candidates, published["counts"], strict=True)
            ]
        },
    }
    if parameters.contests:
        aggregate = Aggregate.from_dict(election_key.group, published["aggregate"])
        record["results.json"] = contests_results(parameters, aggregate, tuple(published["counts"]))
        weights = (
            weight_roll(election)
            if parameters.weighted
            else {vote.voter_pseudonym: 1 for vote in ballots}
        )
        record[WEIGHTS_FILE] = {"weights": weights}
    return record


def spoiled_entry(spoiled: SpoiledBallot) -> dict[str, Any]:
    """A spoiled ballot as the record publishes it (evcrypto.spoil.SpoiledBallot.to_dict)."""
    return {
        "tracker": spoiled.tracker,
        "ballot": json.loads(spoiled.ballot),
        "choice": spoiled.choice,
        "randomness": spoiled.randomness,
    }
