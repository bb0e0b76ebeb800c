"""The trustee command (python -m trustee) against this backend over HTTP (a live server),
with stand-in validators serving the certified chain: the ceremony, the decryption, and what
the command refuses. The integration tier runs it against real validators."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.models import User
from apps.elections.models import Election
from apps.elections.services import (
    VoterRow,
    add_voters,
    close_election,
    create_election,
    open_election,
)
from apps.elections.tally import begin_tally
from apps.elections.tests.chain import confirm_on_chain
from apps.trustees.models import Complaint, ShareEnvelope, Trustee
from apps.trustees.services import name_trustees
from apps.trustees.tests.ceremony import complete_ceremony
from apps.votes.models import Vote
from apps.votes.services import cast_choice, voter_pseudonym
from evcrypto import ElectionKey, aggregate, ballot_from_json
from tests.standin_validators import StandInNetwork
from trustee.secret_file import TrusteeSecrets, write_secrets
from trustee.together import FINGERPRINT
from validators.core.blocks import genesis_hash
from validators.core.genesis import load_genesis

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "trustee-password-1"
PASSPHRASE = "a long passphrase for the share"
TRUSTEES = ["tina@example.org", "theo@example.org", "tara@example.org"]

pytestmark = pytest.mark.django_db(transaction=True)


def trustee(
    command: str,
    server: str,
    election: Election,
    index: int,
    folder: Path,
    *extra: str,
    passphrase: str = PASSPHRASE,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVOTING_PASSWORD": PASSWORD, "TRUSTEE_PASSPHRASE": passphrase}
    env.pop("EVOTING_TOKEN", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "trustee",
            command,
            "--server",
            server,
            "--election",
            str(election.pk),
            "--email",
            TRUSTEES[index - 1],
            "--secret-file",
            str(folder / f"trustee-{index}.secret"),
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_ceremony(server: str, election: Election, folder: Path, indices: list[int]) -> None:
    """Each trustee runs the command in turn: first until every key is published and each
    prints the keys fingerprint, which must be the same for all (the comparison the trustees
    make out of band); then with --confirm-keys until every one says done."""
    fingerprints = set()
    for _ in range(3):
        results = [trustee("ceremony", server, election, i, folder) for i in indices]
        assert all(r.returncode in (3, 4) for r in results), [r.stderr for r in results]
        if all(r.returncode == 4 for r in results):
            fingerprints = {FINGERPRINT.findall(r.stdout)[-1] for r in results}
            break
    assert len(fingerprints) == 1
    confirm = ["--confirm-keys", fingerprints.pop()]
    pending = list(indices)
    for _ in range(4):
        for index in list(pending):
            result = trustee("ceremony", server, election, index, folder, *confirm)
            assert result.returncode in (0, 3), result.stderr
            if result.returncode == 0:
                pending.remove(index)
        if not pending:
            return
    raise AssertionError(f"trustees {pending} never finished")


def genesis_args(network: StandInNetwork) -> list[str]:
    """--genesis and --genesis-hash, as a trustee who compared the hash would pass them."""
    path = network.network_dir / "genesis.json"
    return ["--genesis", str(path), "--genesis-hash", genesis_hash(load_genesis(path).to_dict())]


@pytest.fixture
def draft(transactional_db: None) -> Election:
    election = create_election("Board", ["Ada", "Grace", "Linus"])
    add_voters(election, [VoterRow(f"voter{i}@example.org") for i in range(6)])
    for email in TRUSTEES:
        User.objects.create_user(email, PASSWORD)
    name_trustees(election, TRUSTEES)  # 2 of 3
    election.refresh_from_db()
    return election


def test_three_trustees_make_the_key_and_two_of_them_decrypt_the_plain_count(
    live_server: Any, draft: Election, validators: StandInNetwork, tmp_path: Path
) -> None:
    server = live_server.url
    run_ceremony(server, draft, tmp_path, [1, 2, 3])
    election = open_election(draft)
    assert election.public_key["threshold"] == 2
    choices = [0, 2, 2, 1, 2, 0]
    voters = User.objects.filter(email__startswith="voter").order_by("email")
    names = list(election.candidates.order_by("position"))
    for voter, choice in zip(voters, choices, strict=True):
        cast_choice(election, voter, [names[choice].pk])
    confirm_on_chain(validators, election)
    begin_tally(close_election(election))
    genesis = genesis_args(validators)
    first = trustee("decrypt", server, election, 1, tmp_path, *genesis)
    assert first.returncode == 0, first.stderr
    assert "partial decryption accepted (1 of 2 needed); the election is tallying" in first.stdout
    third = trustee("decrypt", server, election, 3, tmp_path, *genesis)
    assert third.returncode == 0, third.stderr
    election.refresh_from_db()
    assert election.state == Election.State.TALLIED
    plain = Counter(choices)
    assert election.results["counts"] == [plain[0], plain[1], plain[2]]
    assert [p["trustee"] for p in election.results["decryption"]["partial_decryptions"]] == [1, 3]


def test_a_trustee_that_deals_a_bad_share_draws_a_complaint_and_the_election_cannot_open(
    live_server: Any, draft: Election, tmp_path: Path
) -> None:
    server = live_server.url
    for index in (1, 2, 3):  # each publishes a key
        trustee("ceremony", server, draft, index, tmp_path)
    keys = [trustee("ceremony", server, draft, i, tmp_path) for i in (1, 2, 3)]
    assert [k.returncode for k in keys] == [4, 4, 4]
    confirm = ["--confirm-keys", FINGERPRINT.findall(keys[0].stdout)[-1]]
    for index in (1, 2, 3):  # each deals; the last one to deal also checks what it got
        trustee("ceremony", server, draft, index, tmp_path, *confirm)
    # Trustee 3's share for trustee 1 is swapped for the one it sent trustee 2, as a cheating
    # or broken dealer would send: it does not open for trustee 1.
    envelopes = ShareEnvelope.objects.filter(election=draft, dealer=3)
    to_two = envelopes.get(recipient=2).envelope
    envelopes.filter(recipient=1).update(envelope=to_two)
    result = trustee("ceremony", server, draft, 1, tmp_path, *confirm)
    assert result.returncode == 3, result.stderr
    assert "complaint published (trustee 3:" in result.stdout
    complaint = Complaint.objects.get(election=draft)
    assert (complaint.accuser, complaint.dealer, complaint.resolved_at) == (1, 3, None)
    again = trustee("ceremony", server, draft, 1, tmp_path, *confirm)
    assert "your complaint against trustee 3 is open" in again.stdout
    assert Complaint.objects.filter(election=draft).count() == 1
    from apps.elections.errors import WrongState

    with pytest.raises(WrongState, match="complaint: trustee 1 says the share from trustee 3"):
        open_election(draft)
    assert Trustee.objects.get(election=draft, index=1).shares_checked_at is None


@pytest.mark.parametrize(
    "spoil, message",
    [
        ("passphrase", "trustee: wrong passphrase for "),
        ("tamper", "has been altered: its contents no longer match their authentication tag"),
        ("other election", "belongs to another election (election "),
    ],
)
def test_a_bad_secret_file_is_one_clear_line(
    live_server: Any,
    draft: Election,
    validators: StandInNetwork,
    tmp_path: Path,
    spoil: str,
    message: str,
) -> None:
    server = live_server.url
    run_ceremony(server, draft, tmp_path, [1, 2, 3])
    election = open_election(draft)
    begin_tally(close_election(election))
    genesis = genesis_args(validators)
    secret = tmp_path / "trustee-1.secret"
    passphrase = PASSPHRASE
    target = election
    if spoil == "passphrase":
        passphrase = "not the passphrase at all"
    elif spoil == "tamper":
        text = secret.read_text()
        i = text.index('"ciphertext":"') + len('"ciphertext":"')
        secret.write_text(text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :])
    else:  # the same trustee's file, used for another election it also holds a key of
        other = create_election("Other", ["X", "Y"])
        name_trustees(other, TRUSTEES)
        other.refresh_from_db()
        target = other
        Election.objects.filter(pk=other.pk).update(
            state=Election.State.TALLYING,
            aggregate=election.aggregate,
            public_key=election.public_key,
        )
    result = trustee("decrypt", server, target, 1, tmp_path, *genesis, passphrase=passphrase)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def secret_files(election: Election, keys: dict[int, Any], folder: Path) -> None:
    """The files trustees would hold after an in-process ceremony (complete_ceremony)."""
    for index, key in keys.items():
        secrets = TrusteeSecrets(
            election.pk,
            election.election_hash,
            election.ceremony_id,
            index,
            "11" * 32,
            share=key.group.scalar_hex(key.secret),
        )
        write_secrets(folder / f"trustee-{index}.secret", secrets, PASSPHRASE)


def forge_single_ballot_aggregate(election: Election) -> None:
    """The server asks to decrypt Alice's ballot alone, passed off as the tally."""
    key = ElectionKey.from_dict(election.public_key)
    one = Vote.objects.filter(election=election).first()
    ballot = ballot_from_json(one.ballot.encode(), key.group)
    Election.objects.filter(pk=election.pk).update(
        aggregate=aggregate([ballot], 3, key.group).to_dict()
    )


def leave_out_a_ballot(election: Election) -> None:
    """The server counts only some ballots: one accepted vote vanishes from its outbox."""
    Vote.objects.filter(election=election).first().delete()
    remaining = Vote.objects.filter(election=election)
    key = ElectionKey.from_dict(election.public_key)
    ballots = [ballot_from_json(v.ballot.encode(), key.group) for v in remaining]
    Election.objects.filter(pk=election.pk).update(
        aggregate=aggregate(ballots, 3, key.group).to_dict()
    )


@pytest.mark.parametrize(
    "forge, refusal",
    [
        (forge_single_ballot_aggregate, "the server's aggregate is not the sum of the certified"),
        (leave_out_a_ballot, "the server leaves out 1 certified ballots"),
    ],
)
def test_a_trustee_refuses_to_decrypt_what_the_chain_does_not_back(
    live_server: Any,
    draft: Election,
    validators: StandInNetwork,
    tmp_path: Path,
    forge: Any,
    refusal: str,
) -> None:
    Trustee.objects.filter(election=draft).delete()
    keys = complete_ceremony(draft, TRUSTEES)
    draft.refresh_from_db()
    secret_files(draft, keys, tmp_path)
    election = open_election(draft)
    names = list(election.candidates.order_by("position"))
    for voter, choice in zip(
        User.objects.filter(email__startswith="voter")[:3], [0, 1, 2], strict=True
    ):
        cast_choice(election, voter, [names[choice].pk])
    confirm_on_chain(validators, election)
    begin_tally(close_election(election))
    forge(election)
    result = trustee("decrypt", live_server.url, election, 2, tmp_path, *genesis_args(validators))
    assert result.returncode == 1, result.stdout
    assert refusal in result.stderr and "refusing to decrypt" in result.stderr
    assert not election.decryption_shares.exists()


def test_no_share_is_dealt_before_the_trustee_confirms_the_keys_everyone_sees(
    live_server: Any, draft: Election, tmp_path: Path
) -> None:
    server = live_server.url
    for index in (1, 2, 3):
        trustee("ceremony", server, draft, index, tmp_path)
    unconfirmed = trustee("ceremony", server, draft, 1, tmp_path)
    assert unconfirmed.returncode == 4
    assert "2 of 3 trustees; keys fingerprint: " in unconfirmed.stdout
    assert "run again with --confirm-keys FINGERPRINT" in unconfirmed.stdout
    wrong = trustee("ceremony", server, draft, 1, tmp_path, "--confirm-keys", "0000-1111")
    assert wrong.returncode == 1
    assert "the trustees' keys are not the ones you confirmed" in wrong.stderr
    assert not ShareEnvelope.objects.filter(election=draft).exists()
    assert Trustee.objects.get(election=draft, index=1).commitment is None


def test_parameters_that_do_not_match_what_the_server_shows_are_refused(
    live_server: Any, draft: Election, tmp_path: Path
) -> None:
    Election.objects.filter(pk=draft.pk).update(threshold=1)  # k = 1: every share gives all
    result = trustee("ceremony", live_server.url, draft, 1, tmp_path)
    assert result.returncode == 1
    assert "the parameters say 2 of 3 trustees, the server shows 1 of 3" in result.stderr
    assert not (tmp_path / "trustee-1.secret").exists()


def test_decrypting_needs_the_genesis_hash_confirmed(
    live_server: Any, draft: Election, validators: StandInNetwork, tmp_path: Path
) -> None:
    run_ceremony(live_server.url, draft, tmp_path, [1, 2, 3])
    election = open_election(draft)
    begin_tally(close_election(election))
    path = str(validators.network_dir / "genesis.json")
    unconfirmed = trustee("decrypt", live_server.url, election, 1, tmp_path, "--genesis", path)
    assert unconfirmed.returncode == 4
    assert "compare it with the published one, then run again with --genesis-hash" in (
        unconfirmed.stdout
    )
    wrong = trustee(
        "decrypt",
        live_server.url,
        election,
        1,
        tmp_path,
        "--genesis",
        path,
        "--genesis-hash",
        "ab" * 32,
    )
    assert wrong.returncode == 1 and "is not the one you confirmed" in wrong.stderr
    assert not election.decryption_shares.exists()


def test_a_trustee_decrypts_one_tally_of_an_election_never_a_second(
    live_server: Any, draft: Election, validators: StandInNetwork, tmp_path: Path
) -> None:
    """The server holds one ballot back, has the tally decrypted, then asks again with it:
    the difference of the two tallies would be that ballot."""
    Trustee.objects.filter(election=draft).delete()
    keys = complete_ceremony(draft, TRUSTEES)
    draft.refresh_from_db()
    secret_files(draft, keys, tmp_path)
    election = open_election(draft)
    names = list(election.candidates.order_by("position"))
    voters = list(User.objects.filter(email__startswith="voter").order_by("email")[:3])
    for voter, choice in zip(voters, [0, 1, 2], strict=True):
        cast_choice(election, voter, [names[choice].pk])
    held_back = Vote.objects.get(voter_pseudonym=voter_pseudonym(election, voters[2]))
    Vote.objects.filter(pk=held_back.pk).update(status=Vote.Status.CONFIRMED)  # not on chain
    confirm_on_chain(validators, election)
    Vote.objects.filter(pk=held_back.pk).delete()
    begin_tally(close_election(election))
    first = trustee("decrypt", live_server.url, election, 1, tmp_path, *genesis_args(validators))
    assert first.returncode == 0, first.stderr
    # Now the held-back ballot goes on chain, and the tally is started again.
    held_back.pk = None
    held_back.status = Vote.Status.PENDING
    held_back.save()
    confirm_on_chain(validators, election)
    election.decryption_shares.all().delete()
    Election.objects.filter(pk=election.pk).update(state=Election.State.CLOSED, aggregate=None)
    election.refresh_from_db()
    begin_tally(election)
    second = trustee("decrypt", live_server.url, election, 1, tmp_path, *genesis_args(validators))
    assert second.returncode == 1
    assert "you already decrypted another tally of this election" in second.stderr
    assert not election.decryption_shares.exists()


def test_a_trustee_reads_the_validators_where_told_and_only_as_many_as_genesis_names(
    live_server: Any, draft: Election, validators: StandInNetwork, tmp_path: Path
) -> None:
    """--read-at replaces a validator's genesis URL for reading (a trustee outside the
    validators' own network): two of three read where nothing answers leave too few chains.
    Refused before anything is read: a name genesis does not hold, a name given twice, and
    two validators read at one address (one server would stand for both)."""
    run_ceremony(live_server.url, draft, tmp_path, [1, 2, 3])
    election = open_election(draft)
    begin_tally(close_election(election))

    def decrypt(*read_at: str) -> subprocess.CompletedProcess[str]:
        flags = [f"--read-at={pair}" for pair in read_at]
        return trustee(
            "decrypt", live_server.url, election, 1, tmp_path, *genesis_args(validators), *flags
        )

    cut_off = decrypt("validator-1=http://127.0.0.1:9", "validator-2=http://127.0.0.1:7")
    assert cut_off.returncode == 1, cut_off.stdout
    assert "only 1 of the 2 validators needed gave a chain that verifies" in cut_off.stderr
    refusals = {
        ("validator-9=http://127.0.0.1:9",): (
            "--read-at names validator-9, which is not a validator of genesis"
        ),
        ("validator-1=http://127.0.0.1:9", "validator-1=http://127.0.0.1:7"): (
            "--read-at names validator-1 twice"
        ),
        (f"validator-1={validators.url('validator-2')}",): (
            "--read-at reads validator-1 and validator-2 at one address"
        ),
    }
    for pairs, reason in refusals.items():
        refused = decrypt(*pairs)
        assert refused.returncode == 1 and reason in refused.stderr, (pairs, refused.stderr)
    malformed = decrypt("validator-1")
    assert malformed.returncode == 2 and "expected VALIDATOR=http(s)://" in malformed.stderr
    assert not election.decryption_shares.exists()
    read = decrypt(*(f"validator-{n}={validators.url(f'validator-{n}')}" for n in (1, 2, 3)))
    assert read.returncode == 0, read.stderr
    assert election.decryption_shares.count() == 1
