"""What a tallied election publishes: counts per candidate, the proof, and its re-check.

The API and the results page both show this; it lives with the elections, not in either edge.
"""

from __future__ import annotations

from typing import Any

from apps.elections.errors import WrongState
from apps.elections.models import Election
from apps.elections.services import ballot_options
from evcrypto import (
    Aggregate,
    CryptoError,
    DecryptedTally,
    ElectionKey,
    ElectionParameters,
    PartialDecryption,
    verify_decryption,
)


def tally_of(election: Election) -> dict[str, Any]:
    """What the tally stored (counts, aggregate, decryption, chain summary)."""
    if election.results is None:
        raise WrongState(f"election {election.pk} is not tallied yet")
    stored: dict[str, Any] = election.results
    return stored


def published_results(election: Election) -> dict[str, Any]:
    """Results rows, the proof and a verification summary; the election must be tallied."""
    published = tally_of(election)
    candidates = ballot_options(election)
    rows = [
        {"candidate_id": c.pk, "name": c.name, "votes": count}
        for c, count in zip(candidates, published["counts"], strict=True)
    ]
    proof = {
        "election_hash": election.election_hash,
        "election_key": election.public_key,
        "aggregate": published["aggregate"],
        "decryption": published["decryption"],
    }
    report = published.get("report", {})
    verification = {
        "decryption_proof": decryption_verdict(election),
        "ballots": published["ballots"],
        "chain_height": report.get("chain_height"),
        "quorum": report.get("quorum"),
        "validators": [
            {key: v.get(key) for key in ("node_id", "verified", "height", "problem")}
            for v in report.get("validators", [])
        ],
        "excluded_ballots": len(report.get("excluded", [])),
        "trustees": [p["trustee"] for p in published["decryption"]["partial_decryptions"]],
        "threshold": ElectionKey.from_dict(election.public_key).threshold,
    }
    shown: dict[str, Any] = {"results": rows, "proof": proof, "verification": verification}
    if "contests" in published:
        shown |= {key: published[key] for key in ("contests", "weighted", "total_weight")}
    return shown


def decryption_verdict(election: Election) -> str:
    """Re-check the published counts against the aggregate with the decryption proofs."""
    published = tally_of(election)
    try:
        election_key = ElectionKey.from_dict(election.public_key)
        group = election_key.group
        partials = tuple(
            PartialDecryption.from_dict(group, partial, f"partial decryption {i}")
            for i, partial in enumerate(published["decryption"]["partial_decryptions"])
        )
        tally = DecryptedTally(tuple(published["counts"]), partials)
        aggregate = Aggregate.from_dict(group, published["aggregate"])
        maxima = ElectionParameters.from_dict(election.parameters).value_maxima
        verify_decryption(election_key, aggregate, tally, election.election_hash, maxima)
    except CryptoError as exc:
        return f"invalid: {exc}"
    return "valid"
