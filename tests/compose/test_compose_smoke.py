"""docker-compose.yml, the production deployment, run for real (`make compose-smoke`, as root
with a Docker engine; not part of `make test`).

The services come up healthy under a project name of their own; through the public API an
official creates an election, three trustees run their ceremony with the trustee command from
the host against the published ports, and voters whose ballots are encrypted on the host
vote. One validator's web and worker are killed: voting goes on; started again, the node
catches up to the others' head. The official closes and tallies; two trustees check the tally
against the chain, read over the published ports, and decrypt. The published counts must be
the plain count. The fixture then runs `down -v`, which must leave nothing of the project.

The tests run in file order, each carrying the one election a step further.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.compose.compose import PORTS, REPO, Compose
from tests.integration.backend import (
    TRUSTEE_PASSWORD,
    TRUSTEES,
    ApiSession,
    all_confirmed,
    encrypted_vote,
    trustee_process,
)
from tests.integration.cluster import wait_until
from trustee.together import run_together
from validators.core.blocks import genesis_hash
from validators.core.genesis import load_genesis

pytestmark = pytest.mark.compose

BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
NODES = {f"validator-{n}": f"http://127.0.0.1:{PORTS[f'VALIDATOR_{n}_PORT']}" for n in (1, 2, 3)}
OFFICIAL = ("official@example.org", "official-password-1")
CANDIDATES = ["Ada", "Grace", "Linus"]
VOTERS = [(f"voter{i}@example.org", f"voter-password-{i}") for i in range(10)]
CHOICES = [0, 1, 2, 0, 0, 1, 2, 2, 0, 1]
BEFORE_THE_KILL = 6  # voters who vote with every validator up; the others with one down
KILLED = "validator-3"


class Election:
    """What the tests carry from one step to the next."""

    data: dict[str, Any] = {}
    receipts: list[str] = []


def login(email: str, password: str) -> ApiSession:
    answer = requests.post(
        BACKEND + "/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return ApiSession(BACKEND, answer.json()["access_token"])


def official() -> ApiSession:
    return login(*OFFICIAL)


def heads() -> dict[str, tuple[int, str | None]]:
    """Each validator's (height, head hash), read over its published port."""
    found = {}
    for node_id, url in NODES.items():
        try:
            health = requests.get(url + "/health", timeout=3).json()
        except requests.RequestException:
            continue
        found[node_id] = (health["height"], health["last_block_hash"])
    return found


def network_genesis(folder: Path) -> Path:
    """The network's genesis as anyone downloads it from the site."""
    answer = requests.get(BACKEND + "/network/genesis.json", timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    path = folder / "genesis.json"
    path.write_bytes(answer.content)
    return path


def trustee(command: str, index: int, folder: Path, *extra: str) -> subprocess.Popen[str]:
    """`python -m trustee` on the host, as trustee `index` on their own machine."""
    return trustee_process(BACKEND, command, Election.data["id"], index, folder, *extra)


def cast(email: str, password: str, choice: int) -> str:
    """The voter's ballot encrypted here, on the voter's side, and submitted; its transaction."""
    voter = login(email, password)
    answer = voter.post("/api/votes/submit", encrypted_vote(voter, Election.data, choice))
    assert answer.status_code == 201, answer.text
    transaction_id: str = answer.json()["transaction_id"]
    return transaction_id


def vote(numbers: range, staff: ApiSession, what: str) -> None:
    """These voters vote, each for their choice in CHOICES; every vote cast so far is then
    confirmed on chain."""
    for number in numbers:
        Election.receipts.append(cast(*VOTERS[number], CHOICES[number]))
    wait_until(
        lambda: all_confirmed(staff, Election.data["id"], Election.receipts), 60, what, every=1
    )


@pytest.fixture(scope="module")
def trustees_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trustees' own machines (here one folder on the host, outside every container)."""
    return tmp_path_factory.mktemp("trustees")


def test_every_service_is_up_and_the_validators_commit(compose: Compose) -> None:
    states = compose.states()
    assert set(states) == set(compose.services()), states
    assert all(state.up for state in states.values()), [s.describe() for s in states.values()]
    assert requests.get(BACKEND + "/health", timeout=10).status_code == 200
    first = heads()
    assert set(first) == set(NODES), first
    wait_until(
        lambda: all(heads().get(n, (0, ""))[0] > first[n][0] for n in NODES),
        30,
        "every validator commits a new block",
        every=1,
    )


def test_an_official_creates_an_election_and_the_trustees_make_its_key(
    compose: Compose, trustees_home: Path
) -> None:
    accounts = [OFFICIAL, *VOTERS, *((email, TRUSTEE_PASSWORD) for email in TRUSTEES)]
    script = (
        "import json, sys\n"
        "from apps.accounts.models import User\n"
        "accounts = json.load(sys.stdin)\n"
        "User.objects.create_superuser(*accounts[0])\n"
        "for email, password in accounts[1:]:\n"
        "    User.objects.create_user(email, password)\n"
    )
    compose.manage("shell", "-c", script, stdin=json.dumps(accounts))
    staff = official()
    created = staff.post("/api/elections/", {"title": "Board", "candidates": CANDIDATES})
    assert created.status_code == 201, created.text
    election_id = created.json()["id"]
    added = staff.post(
        f"/api/elections/{election_id}/voters/", [{"email": email} for email, _ in VOTERS]
    )
    assert added.status_code == 200, added.text
    named = staff.post(f"/api/elections/{election_id}/trustees", {"trustees": TRUSTEES})
    assert named.status_code == 200 and named.json()["election"]["label"] == "2 of 3", named.text
    Election.data = {"id": election_id}
    outputs = run_together(
        lambda i, extra: trustee("ceremony", i, trustees_home, *extra), [1, 2, 3]
    )
    assert len(outputs) == 3
    opened = staff.post(f"/api/elections/{election_id}/open", {})
    assert opened.status_code == 200, opened.text
    Election.data = staff.get(f"/api/elections/{election_id}/").json()
    assert Election.data["state"] == "open"


@pytest.mark.usefixtures("compose")
def test_voters_vote_and_their_ballots_are_confirmed_on_a_chain_that_verifies(
    tmp_path: Path,
) -> None:
    staff = official()
    vote(range(BEFORE_THE_KILL), staff, "every vote confirmed")
    verdict = staff.post(
        "/api/votes/verify-blockchain", {"election_id": Election.data["id"]}
    ).json()
    assert verdict["valid"] is True and verdict["agree"] is True, verdict
    # Anyone's check, from the host: each validator's chain audited back to genesis.
    nodes = [arg for url in NODES.values() for arg in ("--node", url)]
    audit = subprocess.run(
        [sys.executable, "-m", "validators.audit", "--genesis", str(network_genesis(tmp_path))]
        + nodes,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_voting_goes_on_with_a_validator_killed_and_the_validator_catches_up(
    compose: Compose,
) -> None:
    compose.run("kill", KILLED, f"{KILLED}-worker")
    states = compose.states()
    assert states[KILLED].status == "exited", states[KILLED].describe()
    vote(
        range(BEFORE_THE_KILL, len(VOTERS)), official(), "every vote confirmed, one validator down"
    )
    compose.run("start", KILLED, f"{KILLED}-worker")
    compose.wait_until_up(180)

    def caught_up() -> bool:
        now = heads()
        others = {now[n] for n in NODES if n != KILLED and n in now}
        return KILLED in now and now[KILLED] in others

    wait_until(caught_up, 90, f"{KILLED} at the others' head", every=1)


@pytest.mark.usefixtures("compose")
def test_the_tally_by_trustees_on_the_host_is_the_plain_count(trustees_home: Path) -> None:
    staff = official()
    election_id = Election.data["id"]
    closing = staff.run_job(f"/api/elections/{election_id}/close")
    assert closing["state"] == "done", closing
    tally = staff.run_job(f"/api/elections/{election_id}/tally", timeout=300)
    assert tally["state"] == "done" and tally["result"]["ballots"] == len(VOTERS), tally
    genesis = network_genesis(trustees_home)
    confirmed = genesis_hash(load_genesis(genesis).to_dict())
    # genesis names the validators by their addresses inside the compose network; the
    # trustees, on the host, read them at their published ports.
    read_at = [f"--read-at={node_id}={url}" for node_id, url in NODES.items()]
    for index in (1, 2):
        process = trustee(
            "decrypt",
            index,
            trustees_home,
            *("--genesis", str(genesis), "--genesis-hash", confirmed),
            *read_at,
        )
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"trustee {index}: {output}"
    results = staff.get("/api/votes/results", election_id=election_id).json()
    assert results["state"] == "tallied", results
    plain = Counter(CHOICES)
    assert [row["votes"] for row in results["results"]] == [plain[i] for i in range(3)], results
