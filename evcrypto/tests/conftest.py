"""Shared elections for the crypto tests.

Heavy property runs use the insecure 63-bit TEST_GROUP (fast); a representative subset runs on
secp256k1, the production group. Hypothesis is told not to time examples: one secp256k1 ballot
takes about a millisecond, which its default deadline misjudges on a busy CI machine.
"""

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from evcrypto import (
    SECP256K1,
    TEST_GROUP,
    ElectionKey,
    ElectionParameters,
    ElectionPublicKey,
    Group,
    TrusteeKey,
    run_key_ceremony,
)

settings.register_profile(
    "evcrypto",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("evcrypto")

# Voter pseudonyms, as the backend derives them from the roll.
ALICE = "voter-alice"  # casts the ballots under test
BOB = "voter-bob"  # another voter on the roll: Alice's ballot must not count as his


@dataclass(frozen=True)
class Election:
    """An election with its key ceremony done: 3 candidates, 2-of-3 trustees."""

    parameters: ElectionParameters
    election_key: ElectionKey
    trustee_keys: tuple[TrusteeKey, ...]

    @property
    def election_hash(self) -> str:
        return self.parameters.election_hash

    @property
    def public_key(self) -> ElectionPublicKey:
        return self.election_key.public_key

    @property
    def group(self) -> Group:
        return self.parameters.group


def make_election(
    group: Group, candidates: int = 3, threshold: int = 2, trustees: int = 3
) -> Election:
    parameters = ElectionParameters(
        election_id=f"test-{group.name}-{candidates}",
        title="Board election",
        candidates=tuple(f"candidate {i}" for i in range(candidates)),
        threshold=threshold,
        trustee_count=trustees,
        group=group,
    )
    key, trustee_keys = run_key_ceremony(parameters.election_hash, threshold, trustees, group)
    return Election(parameters, key, trustee_keys)


@pytest.fixture(scope="session")
def small_election() -> Election:
    """On the insecure test group: for property tests with many examples."""
    return make_election(TEST_GROUP)


@pytest.fixture(scope="session")
def secp_election() -> Election:
    """On secp256k1, the production group."""
    return make_election(SECP256K1)


@pytest.fixture(scope="session", params=["test group", "secp256k1"])
def any_election(
    request: pytest.FixtureRequest, small_election: Election, secp_election: Election
) -> Election:
    return small_election if request.param == "test group" else secp_election
