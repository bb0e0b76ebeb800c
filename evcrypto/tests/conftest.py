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
    Choose,
    Contest,
    Cumulative,
    ElectionKey,
    ElectionParameters,
    ElectionPublicKey,
    Group,
    Score,
    TrusteeKey,
    run_key_ceremony,
    weight_roll_hash,
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


# One contest of each rule: choose 1..2 of 3, a score 0..3 on 2 options, 5 points at most 3
# on any of 3 options, and a yes/no question (one option, chosen or not).
CONTESTS = (
    Contest("board", "Board", ("Ada", "Grace", "Linus"), Choose(1, 2)),
    Contest("ideas", "Ideas", ("Parks", "Roads"), Score(3)),
    Contest("budget", "Budget", ("Schools", "Clinics", "Bridges"), Cumulative(5, 3)),
    Contest("motion", "Motion 1", ("Yes",), Choose(0, 1)),
)
# A valid ballot of CONTESTS: one list of values per contest.
CONTEST_CHOICES = ((1, 0, 1), (3, 0), (2, 3, 0), (1,))
# The weight roll a weighted contest election commits to unless a test gives its own.
CONTEST_ROLL = {ALICE: 1000, BOB: 2}


def make_contest_election(
    group: Group,
    contests: tuple[Contest, ...] = CONTESTS,
    weighted: bool = True,
    threshold: int = 2,
    trustees: int = 3,
    roll: dict[str, int] | None = None,
) -> Election:
    """A format-2 election; a weighted one commits to `roll` (CONTEST_ROLL by default)."""
    roll = CONTEST_ROLL if roll is None else roll
    parameters = ElectionParameters(
        election_id=f"contests-{group.name}-{len(contests)}",
        title="Annual meeting",
        threshold=threshold,
        trustee_count=trustees,
        group=group,
        contests=contests,
        weighted=weighted,
        weights_hash=weight_roll_hash(roll, contests) if weighted else None,
    )
    key, trustee_keys = run_key_ceremony(parameters.election_hash, threshold, trustees, group)
    return Election(parameters, key, trustee_keys)


@pytest.fixture(scope="session")
def small_contest_election() -> Election:
    """Format 2, one contest of each rule, weighted, on the insecure test group."""
    return make_contest_election(TEST_GROUP)


@pytest.fixture(scope="session")
def secp_contest_election() -> Election:
    """Format 2, one contest of each rule, weighted, on secp256k1."""
    return make_contest_election(SECP256K1)


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
