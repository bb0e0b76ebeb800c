#!/usr/bin/env python
"""`make demo-decrypt`: two of the demo's three trustees decrypt the closed demo election.

With `make run` up and the demo election closed in the admin:
1. as the demo admin, start the tally (the "Start the tally" button) if it has not started;
2. demo trustees 1 and 2 each run `python -m trustee decrypt` with their own secret file
   (var/demo-trustees/) and passphrase (var/demo-credentials.txt): each reads the chain from
   the validators in var/network/genesis.json, checks the server's aggregate against it, and
   only then sends a partial decryption. With two of them the results are published.
Trustee 3 stays away: any 2 of the 3 suffice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
VAR_DIR = Path(os.environ.get("VAR_DIR", REPO / "var"))
SERVER = os.environ.get("EVOTING_SERVER", "http://127.0.0.1:8000")
DEMO_TITLE = "Demo election: chair of the computing society"


def credentials() -> dict[str, list[str]]:
    path = VAR_DIR / "demo-credentials.txt"
    rows = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if not line.startswith("#") and len(fields) >= 3:
            rows[fields[1]] = fields
    return rows


def api(path: str, token: str, method: str = "GET") -> requests.Response:
    return requests.request(
        method, SERVER + path, headers={"Authorization": f"Bearer {token}"}, timeout=300
    )


def log_in(email: str, password: str) -> str:
    answer = requests.post(
        SERVER + "/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def demo_election(token: str) -> dict[str, object]:
    elections = api("/api/elections/", token).json()
    found = [e for e in elections if e["title"] == DEMO_TITLE]
    if not found:
        raise SystemExit("demo-decrypt: no demo election here; run `make run` first")
    return dict(found[0])


def start_tally(election: dict[str, object], token: str) -> None:
    if election["state"] == "open":
        raise SystemExit("demo-decrypt: close the demo election first (admin: Close the election)")
    if election["state"] == "closed":
        answer = api(f"/api/elections/{election['id']}/tally", token, "POST")
        if not answer.ok:
            raise SystemExit(f"demo-decrypt: the tally did not start: {answer.json()['detail']}")
        job = follow_job(answer.json()["status_url"], token)
        if job["state"] != "done":
            raise SystemExit(f"demo-decrypt: the tally did not start: {job['error']}")
        print(f"tally started for election {election['id']}")


def follow_job(status_url: str, token: str, timeout: float = 600.0) -> dict[str, object]:
    """Poll a job's status URL (the worker runs the tally) until it is done or failed,
    printing each new step."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        job = dict(
            requests.get(
                status_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ).json()
        )
        if job["step"] and job["step"] != seen:
            seen = str(job["step"])
            print(f"  tally: {seen}", flush=True)
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise SystemExit(f"demo-decrypt: the tally job did not finish within {timeout:.0f} s")


def genesis_hash(path: Path) -> str:
    """What a trustee compares with the published hash before decrypting (here the demo's own
    network: the hash of var/network/genesis.json, as `python -m validators.audit` prints)."""
    sys.path.insert(0, str(REPO))
    from validators.core.blocks import genesis_hash as hash_of
    from validators.core.genesis import load_genesis

    return hash_of(load_genesis(path).to_dict())


def decrypt(election_id: object, index: int, row: list[str]) -> int:
    env = {**os.environ, "EVOTING_PASSWORD": row[2], "TRUSTEE_PASSPHRASE": row[3]}
    env.pop("EVOTING_TOKEN", None)
    genesis = VAR_DIR / "network" / "genesis.json"
    command = [
        *(sys.executable, "-m", "trustee", "decrypt", "--server", SERVER),
        *("--election", str(election_id), "--email", row[1]),
        *("--secret-file", str(VAR_DIR / "demo-trustees" / f"trustee-{index}.secret")),
        *("--genesis", str(genesis), "--genesis-hash", genesis_hash(genesis)),
    ]
    print(f"$ python {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode


def main() -> int:
    rows = credentials()
    admin = next(row for row in rows.values() if row[0] == "admin")
    token = log_in(admin[1], admin[2])
    election = demo_election(token)
    start_tally(election, token)
    for index in (1, 2):
        if decrypt(election["id"], index, rows[f"trustee{index}@example.org"]) != 0:
            return 1
    results = api(f"/api/votes/results?election_id={election['id']}", token).json()
    for row in results["results"] or []:
        print(f"  {row['name']}: {row['votes']}")
    print(f"decryption proof: {results['verification']['decryption_proof']}")
    print(f"results page: {SERVER}/elections/{election['id']}/results/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
