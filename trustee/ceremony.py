"""One trustee's part of the key ceremony, run again until it is done.

Each run reads the ceremony from the server, checks that its parameters hash to its election
hash and name k and n as the server says, and does whatever is due, in order:
1. publish this trustee's X25519 encryption key (the key pair is made and saved first);
2. once all n keys are published, have the trustee confirm them: the keys fingerprint (the
   election hash, k and every trustee's key) must be the one the other trustees see, compared
   out of band (--confirm-keys, or a question at the terminal). Until then no share is sealed:
   a server showing a key of its own in place of a trustee's would collect that trustee's
   shares;
3. deal: make the polynomial (saved first), publish its commitment with proofs of knowledge,
   and send each other trustee its share, sealed to the confirmed key;
4. once every trustee has dealt and every share for this trustee has arrived: open each share
   and check it against its dealer's commitment. A bad share is published as a complaint;
   otherwise this trustee's secret share s_i is computed, saved, and the check reported.
Nothing secret ever leaves this machine: the server sees public keys, commitments, sealed
envelopes and complaints. The secret file is written before anything depending on it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from evcrypto import (
    SECP256K1,
    CryptoError,
    ElectionKey,
    ElectionParameters,
    TrusteeCommitment,
    deal,
    finish_key_ceremony,
    verify_key_share,
)
from trustee import TrusteeError
from trustee.api import TrusteeApi
from trustee.envelope import (
    ShareAddress,
    new_encryption_key,
    open_share,
    private_key_from_hex,
    private_key_hex,
    public_key_hex,
    seal_share,
)
from trustee.protocol import commitments_hash, keys_fingerprint
from trustee.secret_file import TrusteeSecrets, read_header, read_secrets, write_secrets


@dataclass(frozen=True)
class Progress:
    done: bool
    message: str
    # Waiting for the trustee, not for the others: --wait cannot help.
    needs_confirmation: bool = False


@dataclass(frozen=True)
class Local:
    """Where this trustee keeps its secrets, and what it confirmed out of band."""

    path: Path
    passphrase: str
    confirm_keys: str | None = None  # the keys fingerprint the trustees agreed on
    genesis_hash: str | None = None  # the published hash of the network's genesis
    ask: Callable[[str], bool] | None = None  # a yes/no question at the terminal
    # validator id -> the URL this trustee reads it at, where not at its genesis URL
    read_at: Mapping[str, str] = field(default_factory=dict)


def ceremony_step(api: TrusteeApi, local: Local) -> Progress:
    """Do what is due now; `done` once the ceremony is complete."""
    view = api.ceremony()
    election = view["election"]
    if election["state"] != "draft":
        return _finished(view, local)
    if not election["ceremony_id"]:
        return Progress(False, "the key ceremony has not started yet; an official starts it")
    check_parameters(view)
    secrets = _secrets_for(view, local)
    me = _me(view)
    if not me["encryption_key"]:
        api.publish_encryption_key(election["ceremony_id"], _public_key(secrets))
        view = api.ceremony()
    elif me["encryption_key"] != _public_key(secrets):
        raise TrusteeError(
            "the server shows another encryption key for you than your secret file holds; "
            "ask an official whether your place was given to someone else"
        )
    missing = [t for t in view["trustees"] if not t["encryption_key"]]
    if missing:
        return Progress(
            False, "waiting for " + ", ".join(_who(t) for t in missing) + " to publish a key"
        )
    secrets, refusal = _confirmed_keys(view, local, secrets)
    if refusal:
        return refusal
    secrets = _deal(api, view, local, secrets)
    view = api.ceremony()
    me = _me(view)
    if not me["shares_checked"]:
        mine = [c for c in view["complaints"] if c["accuser"] == me["index"] and not c["resolved"]]
        if mine:
            dealers = ", ".join(f"trustee {c['dealer']}" for c in mine)
            return Progress(
                False, f"your complaint against {dealers} is open; an official must resolve it"
            )
        waiting = _waiting_to_check(view)
        if waiting:
            return Progress(False, waiting)
        return _check_shares(api, view, local, secrets)
    if view["complete"]:
        return Progress(
            True, "your part is done and the ceremony is complete: " + _fingerprints(view)
        )
    return Progress(False, "your part is done; waiting for: " + "; ".join(view["problems"]))


def _me(view: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in view["trustees"] if t["index"] == view["you"])


def check_parameters(view: dict[str, Any]) -> ElectionParameters:
    """The ballot the ceremony is for: its parameters must hash to the election hash and name
    the threshold and the number of trustees the server shows."""
    election = view["election"]
    try:
        parameters = ElectionParameters.from_dict(election["parameters"])
    except CryptoError as exc:
        raise TrusteeError(f"the server's election parameters are malformed: {exc}") from None
    if parameters.election_hash != election["election_hash"]:
        raise TrusteeError("the server's parameters do not hash to its election hash")
    shown = (election["threshold"], len(view["trustees"]))
    if (parameters.threshold, parameters.trustee_count) != shown:
        raise TrusteeError(
            f"the parameters say {parameters.threshold} of {parameters.trustee_count} "
            f"trustees, the server shows {shown[0]} of {shown[1]}"
        )
    return parameters


def current_keys_fingerprint(view: dict[str, Any]) -> str:
    election = view["election"]
    keys = [(t["index"], t["encryption_key"]) for t in view["trustees"]]
    return keys_fingerprint(election["election_hash"], election["threshold"], keys)


def _confirmed_keys(
    view: dict[str, Any], local: Local, secrets: TrusteeSecrets
) -> tuple[TrusteeSecrets, Progress | None]:
    """The secrets, once the trustees' keys are confirmed; or why not yet."""
    fingerprint = current_keys_fingerprint(view)
    if secrets.confirmed_keys == fingerprint:
        return secrets, None
    election = view["election"]
    summary = (
        f"election {election['id']} ({election['election_hash'][:16]}...), "
        f"{election['threshold']} of {len(view['trustees'])} trustees; "
        f"keys fingerprint: {fingerprint}"
    )
    confirmed = local.confirm_keys == fingerprint or (
        local.confirm_keys is None
        and local.ask is not None
        and local.ask(f"{summary}\nDo the other trustees see this same fingerprint?")
    )
    if not confirmed:
        if local.confirm_keys is not None:
            raise TrusteeError(
                f"the trustees' keys are not the ones you confirmed: {summary}. Do not deal: "
                "ask the others what they see"
            )
        return secrets, Progress(
            False,
            f"{summary}\ncompare it with the other trustees (by phone or in person), then run "
            "again with --confirm-keys FINGERPRINT",
            needs_confirmation=True,
        )
    secrets = replace(secrets, confirmed_keys=fingerprint)
    write_secrets(local.path, secrets, local.passphrase)
    return secrets, None


def _public_key(secrets: TrusteeSecrets) -> str:
    return public_key_hex(private_key_from_hex(secrets.encryption_key))


def _secrets_for(view: dict[str, Any], local: Local) -> TrusteeSecrets:
    """The file for this ceremony, made afresh the first time. A file from an earlier run of
    this ceremony (restarted since) is replaced while it holds no share yet; a file holding a
    share is never overwritten."""
    election = view["election"]
    if local.path.exists():
        header = read_header(local.path)
        if header["election_id"] != election["id"]:
            raise _other_election(local.path, header, election)
        if header["trustee"] != view["you"]:
            raise TrusteeError(
                f"{local.path} holds trustee {header['trustee']}'s secrets; the server says you "
                f"are trustee {view['you']}"
            )
        secrets = read_secrets(local.path, local.passphrase)
        if secrets.ceremony_id == election["ceremony_id"]:
            if secrets.election_hash != election["election_hash"]:
                raise _other_election(local.path, header, election)
            return secrets
        if secrets.share is not None:
            raise TrusteeError(
                f"{local.path} holds a share from an earlier key ceremony; it is never "
                "overwritten: choose another --secret-file for this one"
            )
    secrets = TrusteeSecrets(
        election_id=election["id"],
        election_hash=election["election_hash"],
        ceremony_id=election["ceremony_id"],
        trustee=view["you"],
        encryption_key=private_key_hex(new_encryption_key()),
    )
    write_secrets(local.path, secrets, local.passphrase)
    return secrets


def _other_election(path: Path, header: dict[str, Any], election: dict[str, Any]) -> TrusteeError:
    return TrusteeError(
        f"{path} belongs to another election (election {header['election_id']}, hash "
        f"{header['election_hash'][:16]}), not to election {election['id']} (hash "
        f"{(election['election_hash'] or '-')[:16]})"
    )


def _deal(
    api: TrusteeApi, view: dict[str, Any], local: Local, secrets: TrusteeSecrets
) -> TrusteeSecrets:
    election, me = view["election"], _me(view)
    group = SECP256K1
    if not secrets.polynomial:
        polynomial = [group.random_scalar() for _ in range(election["threshold"])]
        secrets = replace(secrets, polynomial=tuple(group.scalar_hex(a) for a in polynomial))
        write_secrets(local.path, secrets, local.passphrase)
    polynomial = [group.scalar_from_hex(a, "polynomial") for a in secrets.polynomial]
    dealing = deal(election["election_hash"], me["index"], polynomial, group)
    commitment = dealing.commitment.to_dict()
    if me["commitment"] is not None:
        if me["commitment"]["coefficients"] != commitment["coefficients"]:
            raise TrusteeError(
                "the server shows another commitment for you than your polynomial gives"
            )
        commitment = me["commitment"]
    envelopes = {
        t["index"]: seal_share(
            t["encryption_key"],
            dealing.share_for(t["index"]),
            ShareAddress(election["election_hash"], me["index"], t["index"]),
        )
        for t in view["trustees"]
        if t["index"] != me["index"] and t["index"] not in view["sent_by_you"]
    }
    if me["commitment"] is None or envelopes:
        keys = {t["index"]: t["encryption_key"] for t in view["trustees"]}
        api.publish_dealing(election["ceremony_id"], commitment, envelopes, keys)
    return secrets


def _waiting_to_check(view: dict[str, Any]) -> str | None:
    undealt = [t for t in view["trustees"] if t["commitment"] is None]
    if undealt:
        return "waiting for " + ", ".join(_who(t) for t in undealt) + " to deal"
    missing = len(view["trustees"]) - 1 - len(view["envelopes_for_you"])
    if missing:
        return f"waiting for {missing} more share(s) to be sent to you"
    return None


def _who(trustee: dict[str, Any]) -> str:
    return f"trustee {trustee['index']} ({trustee['email']})"


def _check_shares(
    api: TrusteeApi, view: dict[str, Any], local: Local, secrets: TrusteeSecrets
) -> Progress:
    election, me = view["election"], view["you"]
    group = SECP256K1
    commitments = {
        t["index"]: TrusteeCommitment.from_dict(group, t["commitment"], f"trustee {t['index']}")
        for t in view["trustees"]
    }
    own = deal(
        election["election_hash"],
        me,
        [group.scalar_from_hex(a, "polynomial") for a in secrets.polynomial],
        group,
    )
    shares = {me: own.share_for(me)}
    complaints = []
    key = private_key_from_hex(secrets.encryption_key)
    for item in view["envelopes_for_you"]:
        dealer = item["dealer"]
        try:
            share = open_share(
                key, item["envelope"], ShareAddress(election["election_hash"], dealer, me)
            )
            verify_key_share(commitments[dealer], me, share)
            shares[dealer] = share
        except (TrusteeError, CryptoError) as exc:
            complaints.append((dealer, str(exc)))
    checked = commitments_hash([t["commitment"] for t in view["trustees"]])
    if complaints:
        api.report_share_check(election["ceremony_id"], checked, complaints)
        named = ", ".join(f"trustee {d}: {r}" for d, r in complaints)
        return Progress(False, f"complaint published ({named}); an official must resolve it")
    try:
        _, trustee_key = finish_key_ceremony(
            election["election_hash"],
            me,
            election["threshold"],
            [commitments[i] for i in sorted(commitments)],
            shares,
        )
    except CryptoError as exc:
        raise TrusteeError(f"the ceremony does not check out: {exc}") from None
    write_secrets(
        local.path, secrets.with_share(group.scalar_hex(trustee_key.secret)), local.passphrase
    )
    api.report_share_check(election["ceremony_id"], checked, [])
    return Progress(False, "every share you received checks out; your part is done")


def _finished(view: dict[str, Any], local: Local) -> Progress:
    """After the election opened: this file's share must fit the published election key, and
    the polynomial, no longer needed, is dropped from the file."""
    secrets = read_secrets(local.path, local.passphrase)
    check_file_matches(view["election"], secrets, local.path)
    key = ElectionKey.from_dict(view["election_key"])
    share = key.group.scalar_from_hex(secrets.share, "secret share") if secrets.share else None
    if share is None or key.group.mul_base(share) != key.verification_key(secrets.trustee):
        raise TrusteeError(
            f"{local.path} holds no share of the published election key; this election's key "
            "was made without it"
        )
    if secrets.polynomial:
        write_secrets(local.path, replace(secrets, polynomial=()), local.passphrase)
    return Progress(
        True, f"the ceremony is complete; your share fits the election key: {_fingerprints(view)}"
    )


def check_file_matches(election: dict[str, Any], secrets: TrusteeSecrets, path: Path) -> None:
    if secrets.election_id != election["id"] or secrets.election_hash != election["election_hash"]:
        raise _other_election(path, secrets.header(), election)


def _fingerprints(view: dict[str, Any]) -> str:
    return (
        "fingerprints "
        + ", ".join(f"{t['index']}={t['fingerprint']}" for t in view["trustees"])
        + " (compare them with the other trustees')"
    )
