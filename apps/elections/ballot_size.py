"""Whether an election's ballot fits in one transaction of the validators' chain.

A ballot's canonical JSON has one length for a given ballot shape (every element, scalar and
pseudonym is written at a fixed width), so one sample ballot encrypted under a throwaway key
measures every ballot of the election. The validators refuse a transaction whose payload is
larger than genesis's `max_payload_bytes`: an election whose ballot is larger could accept
votes that never reach the chain, so its ballot is refused when the key ceremony would fix it.
"""

from __future__ import annotations

from apps.elections.errors import InvalidInput
from apps.network.genesis import network_genesis
from evcrypto import (
    Choose,
    ElectionParameters,
    ballot_to_json,
    encrypt_ballot,
    encrypt_contest_ballot,
    generate_election_key,
)
from evcrypto.contest_ballot import AnyBallot
from validators.core.genesis import DEFAULT_MAX_PAYLOAD_BYTES, GenesisError

SAMPLE_VOTER = "0" * 64  # as long as a voter pseudonym (HMAC-SHA256, hex)


class BallotTooLarge(InvalidInput):
    code = "ballot_too_large"


def ballot_bytes(parameters: ElectionParameters) -> int:
    """The length of this election's ballot as the chain carries it (canonical JSON)."""
    key, _ = generate_election_key(parameters.election_hash, parameters.group)
    ballot: AnyBallot
    if parameters.contests:
        # Any values the rules allow: a choose contest needs min..max chosen, the others 0.
        values = [
            [
                int(isinstance(contest.rule, Choose) and i < contest.rule.min_selections)
                for i in range(len(contest.options))
            ]
            for contest in parameters.contests
        ]
        ballot = encrypt_contest_ballot(parameters, key.public_key, SAMPLE_VOTER, values)
    else:
        choices = [
            1 if i < parameters.max_selections else 0 for i in range(parameters.candidate_count)
        ]
        ballot = encrypt_ballot(parameters, key.public_key, SAMPLE_VOTER, choices)
    return len(ballot_to_json(ballot))


def payload_limit() -> int:
    """Genesis's max_payload_bytes; make_genesis's default while no network is configured."""
    try:
        return network_genesis().max_payload_bytes
    except (OSError, GenesisError):
        return DEFAULT_MAX_PAYLOAD_BYTES


def check_ballot_fits(parameters: ElectionParameters) -> None:
    limit = payload_limit()
    size = ballot_bytes(parameters)
    if size > limit:
        raise BallotTooLarge(
            f"a ballot of this election would be {size} bytes and the validators accept at "
            f"most {limit} per transaction (max_payload_bytes in genesis): offer fewer "
            "candidates or options"
        )
