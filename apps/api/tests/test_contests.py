"""The API and elections of contests: officials create them, an election lists its contests
(a single question's answer is as before), voters take an optional weight, and a weighted
tally hands trustees the committed weight roll."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.api.tests.conftest import api_as, assert_error
from apps.conftest import TRUSTEES
from apps.elections.models import Contest, Election
from apps.elections.services import (
    close_election,
    contest_rule,
    create_contest_election,
    weight_roll,
)
from apps.elections.tally import begin_tally
from apps.elections.tests.chain import confirm_on_chain
from apps.elections.tests.test_contests import CONTESTS, ballot_values, opened_agm
from apps.network.genesis import network_genesis
from apps.votes.models import Vote
from apps.votes.services import cast_values
from evcrypto import Choose, Cumulative, Score
from tests.standin_validators import StandInNetwork
from trustee import TrusteeError
from trustee.decrypt import check_tally

pytestmark = pytest.mark.django_db


def test_an_election_of_contests_lists_them_and_a_single_question_does_not(
    official: User, draft_election: Election
) -> None:
    election = create_contest_election("Annual meeting", CONTESTS)
    body = api_as(official).get(f"/api/elections/{election.pk}/").json()
    contests = body["contests"]
    assert [(c["id"], c["title"], c["kind"]) for c in contests] == [
        ("c1", "Board", "choose"),
        ("c2", "Rate the proposals", "score"),
        ("c3", "Budget", "cumulative"),
    ]
    assert contests[2]["points"] == 10 and contests[2]["max_per_option"] == 6
    names = {c["id"]: c["name"] for c in body["candidates"]}
    assert [names[i] for i in contests[1]["candidate_ids"]] == ["Library", "Garden"]
    single = api_as(official).get(f"/api/elections/{draft_election.pk}/").json()
    assert "contests" not in single and len(single["candidates"]) == 3


def test_voters_take_an_optional_weight_and_a_bad_one_is_a_400(
    official: User, draft_election: Election
) -> None:
    url = f"/api/elections/{draft_election.pk}/voters/"
    rows = [{"email": "dave@example.org", "weight": 3}, {"email": "erin@example.org"}]
    assert api_as(official).post(url, rows, format="json").status_code == 200
    weights = dict(draft_election.roll.values_list("user__email", "weight"))
    assert weights["dave@example.org"] == 3 and weights["erin@example.org"] == 1
    for weight in (0, 1_000_001, "2"):
        bad = [{"email": "fay@example.org", "weight": weight}]
        assert_error(api_as(official).post(url, bad, format="json"), 400, "invalid")
    assert not User.objects.filter(email="fay@example.org").exists()


def test_a_trustee_gets_the_weight_roll_with_a_weighted_tally(
    validators: StandInNetwork,
) -> None:
    election, users = opened_agm(voters=4)
    cast_values(election, users[1], ballot_values(1))
    confirm_on_chain(validators, election)
    begin_tally(close_election(election))
    trustee = api_as(User.objects.get(email=TRUSTEES[0]))
    body = trustee.get(f"/api/trustee/elections/{election.pk}/tally").json()
    assert body["weights"] == weight_roll(election)
    assert sorted(body["weights"].values()) == [1, 1, 3, 7]
    # The trustee command adds the certified ballots up itself with that roll, and refuses
    # any other roll than the one the parameters commit to.
    checked = check_tally(body, network_genesis(), frozenset())
    assert checked.aggregate.to_dict() == body["aggregate"]
    assert checked.aggregate.total_weight == 7
    heavier = body | {"weights": {voter: 2 for voter in body["weights"]}}
    with pytest.raises(TrusteeError, match="not the weight roll the parameters commit to"):
        check_tally(heavier, network_genesis(), frozenset())
    with pytest.raises(TrusteeError, match="needs its weight roll"):
        check_tally(
            {k: v for k, v in body.items() if k != "weights"}, network_genesis(), frozenset()
        )


def test_a_voter_reads_the_contests_and_casts_values_for_the_server_to_encrypt(
    official: User,
) -> None:
    election, users = opened_agm(voters=2)
    voter = api_as(users[0])
    keys = voter.get("/api/votes/public-keys", {"election_id": election.pk}).json()
    assert [c["id"] for c in keys["contests"]] == ["c1", "c2", "c3"] and keys["weighted"]
    assert keys["contests"][1]["rule"] == {"kind": "score", "max_score": 5}
    submit = "/api/votes/submit"
    bad = {"c1": [1, 1, 1], "c2": [0, 0], "c3": [0, 0, 0]}
    body = assert_error(
        voter.post(submit, {"election_id": election.pk, "values": bad}, format="json"),
        422,
        "invalid_input",
    )
    assert "values[c1]" in body["detail"]
    assert not Vote.objects.filter(election=election).exists()
    good = {"election_id": election.pk, "values": ballot_values(0)}
    response = voter.post(submit, good, format="json")
    assert response.status_code == 201, response.content
    vote = Vote.objects.get(election=election)
    assert response.json()["tracker"] == vote.tracker and '"contests"' in vote.ballot
    both = good | {"candidate_id": election.candidates.first().pk}  # type: ignore[union-attr]
    assert_error(api_as(users[1]).post(submit, both, format="json"), 400, "invalid")


NEW_AGM = {
    "title": "Annual meeting",
    "contests": [
        {
            "title": "Board",
            "kind": "choose",
            "options": ["Ada", "Grace", "Linus"],
            "min_selections": 1,
            "max_selections": 2,
        },
        {"title": "Rate the proposals", "kind": "score", "options": ["Library", "Garden"]},
        {
            "title": "Budget",
            "kind": "cumulative",
            "options": ["Schools", "Clinics", "Bridges"],
            "points": 10,
            "max_per_option": 6,
        },
    ],
}


MANY_OPTIONS = {"title": "Rate", "kind": "score", "options": [f"Idea {i}" for i in range(40)]}


def with_contest(index: int, **change: object) -> dict[str, object]:
    """NEW_AGM with contest `index` changed (a value of None leaves that field out)."""
    contests = [dict(contest) for contest in NEW_AGM["contests"]]  # type: ignore[attr-defined]
    contests[index] = {k: v for k, v in (contests[index] | change).items() if v is not None}
    return NEW_AGM | {"contests": contests}


def test_an_official_creates_an_election_of_contests_through_the_api(official: User) -> None:
    response = api_as(official).post("/api/elections/", NEW_AGM, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["title"] == "Annual meeting"
    rules = [(c["id"], c["title"], c["kind"]) for c in body["contests"]]
    assert rules == [("c1", "Board", "choose"), ("c2", "Rate the proposals", "score")] + [
        ("c3", "Budget", "cumulative")
    ]
    board, proposals, budget = body["contests"]
    assert (board["min_selections"], board["max_selections"]) == (1, 2)
    assert proposals["max_score"] == 5  # the default
    assert (budget["points"], budget["max_per_option"]) == (10, 6)
    names = {c["id"]: c["name"] for c in body["candidates"]}
    assert [names[i] for i in budget["candidate_ids"]] == ["Schools", "Clinics", "Bridges"]
    election = Election.objects.get(pk=body["id"])
    rules = [contest_rule(c) for c in election.contests.order_by("position")]
    assert rules == [Choose(1, 2), Score(5), Cumulative(10, 6)]


def test_a_single_choose_contest_is_a_single_question(official: User) -> None:
    body = {"title": "Chair", "contests": [{"title": "Chair", "options": ["Ada", "Grace"]}]}
    response = api_as(official).post("/api/elections/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert "contests" not in created and [c["name"] for c in created["candidates"]] == [
        "Ada",
        "Grace",
    ]
    assert not Contest.objects.exists()


SCHEMA = (400, "invalid")  # the schema rules the body out
RULE = (422, "invalid_input")  # the schema allows it, the rule cannot hold


@pytest.mark.parametrize(
    ("body", "answer", "field"),
    [
        pytest.param(with_contest(1, kind="ranked"), SCHEMA, "contests[1].kind", id="kind"),
        pytest.param(with_contest(1, max_score=11), SCHEMA, "contests[1].max_score", id="score"),
        pytest.param(with_contest(2, points=0), SCHEMA, "contests[2].points", id="no-points"),
        pytest.param(
            with_contest(2, max_per_option="6"),
            SCHEMA,
            "contests[2].max_per_option",
            id="text-as-integer",
        ),
        pytest.param(with_contest(0, options=[]), SCHEMA, "contests[0].options", id="no-options"),
        pytest.param(with_contest(0, title=None), SCHEMA, "contests[0].title", id="no-title"),
        pytest.param(
            with_contest(0, options=["Ada", 7]), SCHEMA, "contests[0].options[1]", id="number"
        ),
        pytest.param(NEW_AGM | {"contests": []}, SCHEMA, "contests", id="no-contests"),
        pytest.param(NEW_AGM | {"contests": {"title": "B"}}, SCHEMA, "contests", id="not-a-list"),
        pytest.param(
            NEW_AGM | {"contests": [NEW_AGM["contests"][1]] * 101},  # type: ignore[index]
            SCHEMA,
            "contests",
            id="too-many-contests",
        ),
        pytest.param(
            NEW_AGM | {"candidates": ["Ada", "Grace"]},
            SCHEMA,
            "send candidates or contests",
            id="candidates-too",
        ),
        pytest.param(
            with_contest(0, min_selections=3, max_selections=2),
            RULE,
            "contests[0]: choose rule",
            id="min-above-max",
        ),
        pytest.param(
            with_contest(0, max_selections=4),
            RULE,
            "contests[0]: choose rule: max 4 above 3 options",
            id="max-above-options",
        ),
        pytest.param(
            with_contest(2, max_per_option=11),
            RULE,
            "contests[2]: cumulative rule max_per_option",
            id="max-per-option-above-points",
        ),
        pytest.param(
            with_contest(1, options=["Library", " Library "]),
            RULE,
            "contests[1].options",
            id="repeated-option",
        ),
        pytest.param(with_contest(1, title="   "), RULE, "contests[1].title", id="blank-title"),
        pytest.param(NEW_AGM | {"max_selections": 2}, RULE, "max_selections", id="top-level"),
        pytest.param(
            NEW_AGM | {"contests": [MANY_OPTIONS] * 3},
            RULE,
            "contests: at most 100 options in all",
            id="too-many-options",
        ),
    ],
)
def test_a_bad_contest_is_refused_naming_the_field_and_nothing_is_stored(
    official: User, body: dict[str, object], answer: tuple[int, str], field: str
) -> None:
    response = api_as(official).post("/api/elections/", body, format="json")
    error = assert_error(response, *answer)
    assert field in error["detail"], error
    assert not Election.objects.exists() and not Contest.objects.exists()


def test_the_schema_offers_one_question_or_contests(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    request = schema["paths"]["/api/elections/"]["post"]["requestBody"]["content"]
    assert request["application/json"]["schema"] == {"$ref": "#/components/schemas/NewElection"}
    one_of = components["NewElection"]["oneOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in one_of] == [
        "ElectionInput",
        "ContestElectionInput",
    ]
    assert components["ContestElectionInput"]["required"] == ["contests", "title"]
    contest = components["ContestInput"]
    assert contest["properties"]["max_score"]["maximum"] == 10
    assert contest["properties"]["points"]["maximum"] == 100
    kinds = components[contest["properties"]["kind"]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert kinds["enum"] == ["choose", "score", "cumulative"]
