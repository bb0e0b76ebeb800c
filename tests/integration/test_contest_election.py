"""An election of three contests, one of each counting rule, with a weighted roll, every part
real: validator nodes, the backend web and its worker, the trustee command.

An official creates it through the API; the trustees run their ceremony; half the voters make
their ballots with the browser's code (node, apps/pages/js/make-ballot.mjs, one run for all of
them) and half send their values for the server to encrypt. The published totals must be the
plain weighted count, and the exported record must pass both verifiers.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.integration.backend import (
    TRUSTEES,
    ApiSession,
    Backend,
    all_confirmed,
    election_record,
    run_tool,
)
from tests.integration.cluster import REPO, Cluster, wait_until
from validators.core.blocks import genesis_hash
from validators.core.genesis import load_genesis

pytestmark = pytest.mark.integration

MAKE_BALLOT = REPO / "apps" / "pages" / "js" / "make-ballot.mjs"
VOTERS = 200
# The browser's code is pure JavaScript, many times slower than evcrypto: two node runs share
# its ballots, one per core.
NODE_RUNS = 2
CONTESTS: list[dict[str, Any]] = [
    {
        "title": "Board",
        "kind": "choose",
        "options": ["Ada", "Grace", "Linus"],
        "min_selections": 1,
        "max_selections": 2,
    },
    {
        "title": "Rate the proposals",
        "kind": "score",
        "options": ["Library", "Garden", "Bikes"],
        "max_score": 2,
    },
    {
        "title": "Budget",
        "kind": "cumulative",
        "options": ["Schools", "Clinics", "Bridges"],
        "points": 4,
        "max_per_option": 2,
    },
]
Values = dict[str, list[int]]


@pytest.fixture(autouse=True)
def node() -> None:
    if shutil.which("node") is None or not (REPO / "node_modules" / "@noble" / "curves").is_dir():
        pytest.skip("node and the npm packages are needed: run make static")


def weight_of(number: int) -> int | None:
    """A fifth of the voters carry a weight, 1 to 5 in turn; the others are left at 1."""
    return 1 + (number // 5) % 5 if number % 5 == 0 else None


def random_values(rng: random.Random, contest: dict[str, Any]) -> list[int]:
    """One voter's values for a contest, anywhere its rule allows."""
    count = len(contest["options"])
    if contest["kind"] == "choose":
        chosen = rng.sample(range(count), rng.randint(1, contest["max_selections"]))
        return [1 if j in chosen else 0 for j in range(count)]
    if contest["kind"] == "score":
        return [rng.randint(0, contest["max_score"]) for _ in range(count)]
    values = [0] * count
    for _ in range(rng.randint(0, contest["points"])):
        open_options = [j for j in range(count) if values[j] < contest["max_per_option"]]
        values[rng.choice(open_options)] += 1
    return values


def create_election(backend: Backend, trustee_folder: Path) -> tuple[dict[str, Any], list[str]]:
    """Through the API: the election of contests, its weighted roll, three trustees (2 of 3)
    who run their ceremony with the trustee command, and the opening. The election as the API
    shows it, and the voters' e-mails."""
    staff = backend.staff()
    created = staff.post("/api/elections/", {"title": "Annual meeting", "contests": CONTESTS})
    assert created.status_code == 201, created.text
    election_id = created.json()["id"]
    assert [c["kind"] for c in created.json()["contests"]] == ["choose", "score", "cumulative"]
    emails = [f"member{i}@example.org" for i in range(VOTERS)]
    rows = [
        {"email": email} | ({} if weight_of(i) is None else {"weight": weight_of(i)})
        for i, email in enumerate(emails)
    ]
    added = staff.post(f"/api/elections/{election_id}/voters/", rows)
    assert added.status_code == 200 and added.json()["added"] == VOTERS, added.text
    backend.set_passwords([(email, password(email)) for email in emails])
    backend.create_trustee_accounts()
    named = staff.post(f"/api/elections/{election_id}/trustees", {"trustees": TRUSTEES})
    assert named.status_code == 200, named.text
    backend.run_ceremony(election_id, trustee_folder, [1, 2, 3])
    opened = staff.post(f"/api/elections/{election_id}/open", {})
    assert opened.status_code == 200, opened.text
    return staff.get(f"/api/elections/{election_id}/").json(), emails


def password(email: str) -> str:
    return f"password-of-{email}"


def browser_ballots(jobs: list[dict[str, Any]]) -> list[str]:
    """The browser's code makes each job's ballot, all in one node run."""
    made = subprocess.run(
        ["node", str(MAKE_BALLOT)],
        input=json.dumps({"jobs": jobs}),
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=170,
    )
    assert made.returncode == 0, made.stderr
    ballots: list[str] = json.loads(made.stdout)
    return ballots


def cast_all(
    backend: Backend, election_id: int, emails: list[str], values: list[Values]
) -> list[str]:
    """Every voter logs in and votes: the even ones with a ballot the browser's code makes from
    what the API publishes, the odd ones with values the server encrypts. Node makes the
    browser ballots while the server casts the others. The transaction ids, by voter."""
    voters = [backend.login(email, password(email)) for email in emails]
    browser_voters = range(0, VOTERS, 2)
    jobs = {}
    for number in browser_voters:
        keys = voters[number].get("/api/votes/public-keys", election_id=election_id).json()
        assert keys["weighted"] is True, keys
        published = {
            "public_key": keys["elgamal_pubkey"],
            "election_hash": keys["election_hash"],
            "voter_pseudonym": keys["voter_pseudonym"],
            "contests": keys["contests"],
        }
        rows = [values[number][contest["id"]] for contest in keys["contests"]]
        jobs[number] = {"election": published, "choices": rows}
    runs = [browser_voters[i::NODE_RUNS] for i in range(NODE_RUNS)]
    with ThreadPoolExecutor(max_workers=NODE_RUNS) as pool:
        made = [(run, pool.submit(browser_ballots, [jobs[n] for n in run])) for run in runs]
        receipts = {
            number: submit(voters[number], {"election_id": election_id, "values": values[number]})
            for number in range(1, VOTERS, 2)
        }
        for run, ballots in made:
            for number, ballot in zip(run, ballots.result(), strict=True):
                encoded = base64.b64encode(ballot.encode()).decode()
                body = {"election_id": election_id, "encrypted_vote": encoded}
                receipts[number] = submit(voters[number], body)
    return [receipts[number] for number in range(VOTERS)]


def submit(voter: ApiSession, body: dict[str, Any]) -> str:
    response = voter.post("/api/votes/submit", body)
    assert response.status_code == 201, response.text
    transaction_id: str = response.json()["transaction_id"]
    return transaction_id


def weighted_totals(values: list[Values]) -> dict[str, list[int]]:
    """The plain count: per contest, each option's values times each voter's weight, added."""
    totals = {f"c{k + 1}": [0] * len(c["options"]) for k, c in enumerate(CONTESTS)}
    for number, chosen in enumerate(values):
        weight = weight_of(number) or 1
        for contest_id, row in chosen.items():
            totals[contest_id] = [
                t + weight * v for t, v in zip(totals[contest_id], row, strict=True)
            ]
    return totals


def test_two_hundred_weighted_voters_in_three_contests_are_counted_and_the_record_verifies(
    cluster: Cluster, backend: Backend, tmp_path: Path
) -> None:
    trustees = tmp_path / "trustees"  # the trustees' own machines
    election, emails = create_election(backend, trustees)
    staff = backend.staff()
    rng = random.Random(2027)
    values = [
        {f"c{k + 1}": random_values(rng, contest) for k, contest in enumerate(CONTESTS)}
        for _ in range(VOTERS)
    ]
    receipts = cast_all(backend, election["id"], emails, values)
    wait_until(
        lambda: all_confirmed(staff, election["id"], receipts), 60, "every vote confirmed", every=1
    )
    closing = staff.run_job(f"/api/elections/{election['id']}/close")
    assert closing["state"] == "done", closing
    tally = staff.run_job(f"/api/elections/{election['id']}/tally")
    assert tally["state"] == "done" and tally["result"]["ballots"] == VOTERS, tally
    genesis = cluster.network_dir / "genesis.json"
    confirmed = genesis_hash(load_genesis(genesis).to_dict())
    backend.run_trustees(
        "decrypt",
        election["id"],
        trustees,
        [1, 3],
        *("--genesis", str(genesis), "--genesis-hash", confirmed),
    )

    results = staff.get("/api/votes/results", election_id=election["id"]).json()
    assert results["state"] == "tallied" and results["weighted"] is True
    weights = [weight_of(number) or 1 for number in range(VOTERS)]
    assert results["total_weight"] == sum(weights) > VOTERS
    published = {c["id"]: [o["total"] for o in c["options"]] for c in results["contests"]}
    assert published == weighted_totals(values)
    assert [c["rule"]["kind"] for c in results["contests"]] == ["choose", "score", "cumulative"]

    record_path = tmp_path / "record.json"
    record_path.write_bytes(
        election_record(backend, emails[0], password(emails[0]), election["id"])
    )
    record = json.loads(record_path.read_bytes())
    assert sorted(record["weights.json"]["weights"].values()) == sorted(weights)
    assert len(record["ballots.json"]["ballots"]) == VOTERS
    crypto = run_tool("evcrypto.verify", str(record_path))
    assert crypto.returncode == 0, crypto.stdout + crypto.stderr
    nodes = [arg for n in cluster.nodes for arg in ("--node", cluster.url(n))]
    audit = run_tool(
        "validators.audit", "--genesis", str(genesis), *nodes, "--record", str(record_path)
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert f"ok   record ballots on chain ({VOTERS} ballots of" in audit.stdout
