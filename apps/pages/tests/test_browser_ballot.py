"""The browser's ballot code (apps/pages/js/ballot-crypto.js) makes ballots evcrypto accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import VoterRow, add_voters, ballot_rules, create_election
from apps.pages.tests.conftest import client_for, csrf_post
from apps.trustees.tests.ceremony import open_with_trustees
from apps.votes.models import Vote
from apps.votes.services import voter_pseudonym
from evcrypto import ElectionKey, ballot_from_json, ballot_to_json, verify_ballot

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
MAKE_BALLOT = ROOT / "apps" / "pages" / "js" / "make-ballot.mjs"


@pytest.fixture(autouse=True)
def node() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@noble" / "curves").is_dir():
        pytest.skip("node and the npm packages are needed: run make static")
    return node


def browser_ballot(election: Election, voter: User, choices: list[int]) -> str:
    """What the ballot page's JavaScript computes, given what the page publishes."""
    public_key = ElectionKey.from_dict(election.public_key).public_key
    published = {
        "public_key": public_key.element.hex(),
        "election_hash": election.election_hash,
        "voter_pseudonym": voter_pseudonym(election, voter),
        "min_selections": election.min_selections,
        "max_selections": election.max_selections,
    }
    result = subprocess.run(
        ["node", str(MAKE_BALLOT)],
        input=json.dumps({"election": published, "choices": choices}),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    return result.stdout


def verify(election: Election, voter: User, text: str) -> None:
    rules = ballot_rules(election)
    ballot = ballot_from_json(text.encode(), rules.public_key.group)
    verify_ballot(rules.parameters, rules.public_key, voter_pseudonym(election, voter), ballot)
    assert ballot_to_json(ballot).decode() == text  # the browser's JSON is canonical


@pytest.mark.parametrize("choices", [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
def test_a_browser_ballot_verifies_with_evcrypto(
    alice: User, election: Election, choices: list[int]
) -> None:
    verify(election, alice, browser_ballot(election, alice, choices))


@pytest.mark.parametrize("choices", [[0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0]])
def test_a_multi_choice_browser_ballot_verifies(alice: User, choices: list[int]) -> None:
    election = create_election("Council", ["A", "B", "C", "D"], min_selections=0, max_selections=3)
    add_voters(election, [VoterRow(alice.email)])
    election = open_with_trustees(election)
    verify(election, alice, browser_ballot(election, alice, choices))


def test_the_page_casts_the_browser_ballot_and_never_gets_the_choice(
    alice: User, election: Election
) -> None:
    text = browser_ballot(election, alice, [0, 1, 0])
    response = csrf_post(client_for(alice), f"/elections/{election.pk}/ballot/", {"ballot": text})
    assert response.status_code == 302
    assert Vote.objects.get().ballot == text


def test_the_browser_refuses_to_encrypt_to_the_identity_as_key(
    alice: User, election: Election
) -> None:
    published = {
        "public_key": "00",
        "election_hash": election.election_hash,
        "voter_pseudonym": voter_pseudonym(election, alice),
        "min_selections": 1,
        "max_selections": 1,
    }
    result = subprocess.run(
        ["node", str(MAKE_BALLOT)],
        input=json.dumps({"election": published, "choices": [1, 0, 0]}),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0 and "the election key is the identity" in result.stderr
    assert result.stdout == ""
