"""The ballot page of an election of contests (record format 2): a labelled fieldset per
contest with its rule in words; without JavaScript the values are posted and the server
encrypts them; values a contest's rule does not allow are refused naming the contest, and
nothing is cast. A checked (spoiled) ballot is decoded contest by contest."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.conf import settings

from apps.accounts.models import User
from apps.conftest import TRUSTEES
from apps.elections.models import Election
from apps.elections.services import (
    ContestSpec,
    VoterRow,
    add_voters,
    ballot_rules,
    create_contest_election,
    open_election,
    set_voter_weight,
)
from apps.elections.tests.chain import confirm_on_chain, tally_with_trustees
from apps.elections.tests.test_contests import agm, nothing_cast, opened_agm
from apps.pages.tests.conftest import client_for, csrf_post
from apps.trustees.tests.ceremony import complete_ceremony
from apps.votes.models import SpoiledBallot, Vote
from apps.votes.services import voter_pseudonym
from evcrypto import ballot_to_json, parse_ballot, spoilable_ballot, verify_ballot
from tests.standin_validators import StandInNetwork

pytestmark = pytest.mark.django_db


def url(election: Election) -> str:
    return f"/elections/{election.pk}/ballot/"


@pytest.fixture
def open_agm() -> tuple[Election, list[User]]:
    """Board (choose 1..2 of Ada, Grace, Linus), Rate the proposals (score 0..5 on Library
    and Garden), Budget (10 points on Schools, Clinics, Bridges, at most 6 on one); open."""
    return opened_agm(voters=3)


def pk(election: Election, name: str) -> int:
    return int(election.candidates.get(name=name).pk)


def posted_values(
    election: Election, board: list[str], scores: dict[str, str], points: dict[str, str]
) -> dict[str, object]:
    """The form a browser without JavaScript posts for these marks."""
    data: dict[str, object] = {"contest-c1": [str(pk(election, name)) for name in board]}
    for name, value in {**scores, **points}.items():
        data[f"option-{pk(election, name)}"] = value
    return data


def test_each_contest_is_a_labelled_fieldset_with_its_rule_in_words(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    response = client_for(users[0]).get(url(election))
    page = response.content.decode()
    for title, rule in [
        ("Board", "Choose between 1 and 2 options."),
        ("Rate the proposals", "Give each option a score from 0 (lowest) to 5 (highest)."),
        ("Budget", "Share up to 10 points among the options, at most 6 on any one."),
    ]:
        assert f"<legend>{title}</legend>" in page
        assert rule in page
    for name in ("Ada", "Grace", "Linus"):  # choose up to 2: checkboxes
        assert f'type="checkbox" name="contest-c1" value="{pk(election, name)}"' in page
        assert f'<label for="option-{pk(election, name)}">{name}</label>' in page
    library = pk(election, "Library")  # a radio group 0..5 under the option's own legend
    assert "<legend>Library</legend>" in page
    assert all(
        f'type="radio" name="option-{library}" value="{level}" id="option-{library}-{level}"'
        in page
        for level in range(6)
    )
    assert f'name="option-{library}" value="6"' not in page
    schools = pk(election, "Schools")
    assert f'<label for="option-{schools}">Schools</label>' in page
    assert re.search(rf'type="number"[^>]*name="option-{schools}"[^>]*max="6"', page)
    crypto = response.context["crypto"]
    assert crypto["voter_pseudonym"] == voter_pseudonym(election, users[0])
    assert crypto["contests"] == election.parameters["contests"]


def test_a_contest_of_exactly_one_choice_is_a_radio_group(alice: User) -> None:
    election = create_contest_election(
        "Meeting",
        [
            ContestSpec("Chair", ["Ada", "Grace"], "choose", min_selections=1, max_selections=1),
            ContestSpec("Motion", ["Yes"], "choose", min_selections=0, max_selections=1),
        ],
    )
    add_voters(election, [VoterRow(alice.email)])
    complete_ceremony(election, TRUSTEES)
    election = open_election(election)
    page = client_for(alice).get(url(election)).content.decode()
    for name in ("Ada", "Grace"):
        assert f'type="radio" name="contest-c1" value="{pk(election, name)}"' in page
    # A radio could not be cleared again: an optional single choice is a checkbox.
    assert f'type="checkbox" name="contest-c2" value="{pk(election, "Yes")}"' in page


def test_without_javascript_the_server_encrypts_the_values_that_are_then_counted(
    validators: StandInNetwork,
) -> None:
    election, users = agm(voters=3)
    keys = complete_ceremony(election, TRUSTEES)
    election = open_election(election)
    client = client_for(users[2])  # weighs 1
    data = posted_values(
        election,
        ["Grace", "Linus"],
        {"Library": "4", "Garden": "0"},
        {"Schools": "6", "Clinics": "", "Bridges": "3"},
    )
    response = csrf_post(client, url(election), data)
    assert response.status_code == 302
    assert response["Location"] == f"/elections/{election.pk}/receipt/"
    vote = Vote.objects.get()
    rules = ballot_rules(election)
    parsed = parse_ballot(vote.ballot, rules.public_key.group)
    verify_ballot(rules.parameters, rules.public_key, vote.voter_pseudonym, parsed)
    confirm_on_chain(validators, election)
    tallied = tally_with_trustees(election, keys)
    assert tallied.results is not None
    totals = {c["id"]: [o["total"] for o in c["options"]] for c in tallied.results["contests"]}
    assert totals == {"c1": [0, 1, 1], "c2": [4, 0], "c3": [6, 0, 3]}


@pytest.mark.parametrize(
    ("board", "scores", "points", "message"),
    [
        (["Ada", "Grace", "Linus"], {}, {}, "Board: Choose between 1 and 2 options."),
        ([], {}, {}, "Board: Choose between 1 and 2 options."),
        (["Ada"], {"Library": "6"}, {}, "Rate the proposals: Give each option a score from 0"),
        (["Ada"], {}, {"Schools": "6", "Clinics": "5"}, "Budget: Share up to 10 points"),
        (["Ada"], {}, {"Schools": "7"}, "Budget: Share up to 10 points"),
        (["Ada"], {}, {"Schools": "two"}, "Budget: Share up to 10 points"),
        (["Ada"], {}, {"Schools": "-1"}, "Budget: Share up to 10 points"),
    ],
)
def test_values_outside_a_rule_are_refused_naming_the_contest_and_nothing_is_cast(
    open_agm: tuple[Election, list[User]],
    board: list[str],
    scores: dict[str, str],
    points: dict[str, str],
    message: str,
) -> None:
    election, users = open_agm
    data = posted_values(election, board, scores, points)
    response = csrf_post(client_for(users[0]), url(election), data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    summary = page[page.index('role="alert"') : page.index("</div>", page.index('role="alert"'))]
    assert message in summary
    assert nothing_cast(election)


def test_an_option_of_another_contest_is_refused_and_nothing_is_cast(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    data = {"contest-c1": [str(pk(election, "Library"))]}
    response = csrf_post(client_for(users[0]), url(election), data)
    assert response.status_code == 400
    assert "Board: Choose between 1 and 2 options." in response.content.decode()
    assert nothing_cast(election)


def test_a_checked_ballot_is_decoded_contest_by_contest(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    rules = ballot_rules(election)
    pseudonym = voter_pseudonym(election, users[0])
    revealed = spoilable_ballot(
        rules.parameters, rules.public_key, pseudonym, [[1, 0, 1], [3, 5], [2, 0, 4]]
    )
    client = client_for(users[0])
    client.get(url(election))  # the booth, and its CSRF cookie
    response = client.post(
        f"/elections/{election.pk}/spoil/",
        {
            "ballot": ballot_to_json(revealed.ballot).decode(),
            "randomness": json.dumps(
                [rules.public_key.group.scalar_hex(r) for r in revealed.randomness]
            ),
            "choice": json.dumps(list(revealed.choices)),
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    spoiled = SpoiledBallot.objects.get()
    assert response["Location"] == f"/elections/{election.pk}/spoiled/{spoiled.tracker}/"
    page = html.unescape(client.get(response["Location"]).content.decode())
    text = re.sub(r"<[^>]+>", "", page)
    for line in [
        "Ada",
        "Grace: not chosen",
        "Linus",
        "Library: 3 points",
        "Garden: 5 points",
        "Schools: 2 points",
        "Clinics: 0 points",
        "Bridges: 4 points",
    ]:
        assert line in text
    checked = client_for(None).get(f"/check/?tracker={spoiled.tracker}").content.decode()
    assert "Garden</strong>: 5 points" in checked
    assert nothing_cast(election)


def test_the_contests_and_their_refusals_are_french(
    open_agm: tuple[Election, list[User]],
) -> None:
    election, users = open_agm
    client = client_for(users[0])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = html.unescape(client.get(url(election)).content.decode())
    assert "Choisissez entre 1 et 2 options." in page
    assert "Donnez à chaque option une note de 0 (la plus basse) à 5 (la plus haute)." in page
    assert "au plus 6 sur une même option." in page
    data = posted_values(election, ["Ada"], {}, {"Schools": "6", "Clinics": "6"})
    refused = html.unescape(csrf_post(client, url(election), data).content.decode())
    assert "Budget : Répartissez jusqu’à 10 points entre les options" in refused
    assert nothing_cast(election)


def test_a_weighted_single_question_is_one_contest_on_the_page(
    draft_election: Election, alice: User
) -> None:
    set_voter_weight(draft_election.roll.get(user=alice), 4)
    complete_ceremony(draft_election, TRUSTEES)
    election = open_election(draft_election)
    client = client_for(alice)
    page = client.get(url(election)).content.decode()
    assert f"<legend>{election.title}</legend>" in page
    grace = pk(election, "Grace")
    assert f'type="radio" name="contest-c1" value="{grace}"' in page
    response = csrf_post(client, url(election), {"contest-c1": str(grace)})
    assert response.status_code == 302
    vote = Vote.objects.get()
    rules = ballot_rules(election)
    verify_ballot(
        rules.parameters,
        rules.public_key,
        vote.voter_pseudonym,
        parse_ballot(vote.ballot, rules.public_key.group),
    )
