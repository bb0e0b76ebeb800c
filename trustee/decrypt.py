"""A trustee's part of the tally: check the server's aggregate against the chain, then decrypt.

1. Read the tally the server asks to decrypt: the aggregate and exactly which ballots it says
   the aggregate adds up.
2. Check the secret file is this election's and that its share fits the published key.
3. Have the trustee confirm the genesis it reads the chain with: its hash must be the
   published one (--genesis-hash, or a question at the terminal).
4. Read every validator named in that genesis and audit each chain back to genesis
   (validators.audit): links, proposers, certificates, submitter signatures. Keep the
   election's ballots that at least q verified chains hold.
5. Refuse unless the server's ballots are exactly those (a ballot the server leaves out must
   be allowed by name, after checking why), no more than the voters who voted, every ballot
   canonical, cast as the voter it names, with proofs that verify, and their sum is the
   server's aggregate (in a weighted election each ballot counts its voter's weight, from
   the roll the server sends, which must be the one the parameters commit to).
6. Refuse if this trustee already decrypted a different aggregate of this election: one
   election, one tally (two tallies differing by a ballot would reveal it). Record this one
   in the secret file, and only then compute the partial decryption and upload it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evcrypto import (
    Aggregate,
    CryptoError,
    ElectionKey,
    ElectionParameters,
    TrusteeKey,
    partial_decrypt,
    verified_aggregate,
    verify_election_key,
)
from evcrypto.encoding import canonical_hash
from trustee import TrusteeError
from trustee.api import TrusteeApi
from trustee.ceremony import Local, Progress, check_file_matches
from trustee.secret_file import read_secrets, write_secrets
from validators.audit import AuditError, CertifiedBallot, read_certified
from validators.core.blocks import genesis_hash
from validators.core.genesis import Genesis, GenesisError, load_genesis


@dataclass(frozen=True)
class TallyCheck:
    """What the chain says the server should be decrypting."""

    ballots: list[CertifiedBallot]
    aggregate: Aggregate


def decrypt_step(
    api: TrusteeApi, local: Local, genesis_path: Path, allowed_left_out: frozenset[str]
) -> Progress:
    info = api.tally()
    election = info["election"]
    if election["state"] == "tallied":
        return Progress(True, "the election is already tallied")
    secrets = read_secrets(local.path, local.passphrase)
    check_file_matches(election, secrets, local.path)
    if secrets.trustee in info["decrypted_by"]:
        return Progress(True, "your partial decryption was already accepted")
    key = _trustee_key(info, secrets.share, secrets.trustee, secrets.election_hash)
    genesis = _genesis(genesis_path)
    check_read_at(genesis, local.read_at)
    refusal = _unconfirmed_genesis(genesis, local)
    if refusal:
        return refusal
    checked = check_tally(info, genesis, allowed_left_out, local.read_at)
    fixed = aggregate_hash(checked.aggregate)
    if secrets.decrypted is not None and secrets.decrypted != fixed:
        raise TrusteeError(
            "refusing to decrypt: you already decrypted another tally of this election "
            f"(aggregate {secrets.decrypted[:16]}, now {fixed[:16]}); a second tally would "
            "reveal the ballots that differ"
        )
    write_secrets(local.path, replace(secrets, decrypted=fixed), local.passphrase)
    partial = partial_decrypt(key, checked.aggregate, secrets.election_hash)
    answer = api.publish_partial_decryption(partial.to_dict())
    return Progress(
        True,
        f"partial decryption accepted ({len(answer['decrypted_by'])} of {answer['needed']} "
        f"needed); the election is {answer['state']}",
    )


def aggregate_hash(total: Aggregate) -> str:
    return canonical_hash(total.to_dict())


def check_read_at(genesis: Genesis, read_at: Mapping[str, str]) -> None:
    """TrusteeError unless --read-at keeps the q readings independent: only validators of
    genesis, each at an address of its own, and none read over plain HTTP where genesis says
    HTTPS (but on this machine)."""
    genesis_urls = {v.id: v.url for v in genesis.validators}
    unknown = sorted(set(read_at) - set(genesis_urls))
    if unknown:
        raise TrusteeError(f"--read-at names {unknown[0]}, which is not a validator of genesis")
    readers: dict[str, list[str]] = {}
    for node_id, url in genesis_urls.items():
        readers.setdefault(read_at.get(node_id, url).rstrip("/"), []).append(node_id)
    shared = [ids for ids in readers.values() if len(ids) > 1]
    if shared:
        raise TrusteeError(
            f"--read-at reads {' and '.join(shared[0])} at one address; each validator must be "
            "read at its own (one server answering for several would stand for them all)"
        )
    for node_id, url in read_at.items():
        host = urlsplit(url).hostname or ""
        downgraded = genesis_urls[node_id].startswith("https://") and url.startswith("http://")
        if downgraded and host not in ("127.0.0.1", "localhost", "::1"):
            raise TrusteeError(
                f"--read-at reads {node_id} over plain HTTP, where genesis says HTTPS"
            )


def _unconfirmed_genesis(genesis: Genesis, local: Local) -> Progress | None:
    """None once the trustee confirmed this genesis; otherwise why not."""
    digest = genesis_hash(genesis.to_dict())
    validators = ", ".join(v.url for v in genesis.validators)
    summary = f"genesis hash {digest} ({len(genesis.validators)} validators: {validators})"
    if local.read_at:
        where = ", ".join(f"{node_id} at {url}" for node_id, url in sorted(local.read_at.items()))
        summary += f"; read {where}"
    if local.genesis_hash is not None:
        if local.genesis_hash != digest:
            raise TrusteeError(f"refusing to decrypt: {summary} is not the one you confirmed")
        return None
    if local.ask is not None and local.ask(f"{summary}\nIs this the published genesis hash?"):
        return None
    return Progress(
        False,
        f"{summary}\ncompare it with the published one, then run again with --genesis-hash HASH",
        needs_confirmation=True,
    )


def _trustee_key(
    info: dict[str, Any], share: str | None, trustee: int, election_hash: str
) -> TrusteeKey:
    """This trustee's key, once the file and the published election key agree."""
    try:
        parameters = ElectionParameters.from_dict(info["election"]["parameters"])
        election_key = ElectionKey.from_dict(info["election_key"])
        if parameters.election_hash != election_hash:
            raise CryptoError("the server's parameters do not hash to your election hash")
        verify_election_key(election_key, election_hash)
    except CryptoError as exc:
        raise TrusteeError(f"the server's election does not check out: {exc}") from None
    if election_key.group is not parameters.group:
        raise TrusteeError("the server's election key is not in the election's group")
    group = election_key.group
    if share is None:
        raise TrusteeError("your secret file holds no share: your ceremony did not finish")
    secret = group.scalar_from_hex(share, "secret share")
    if group.mul_base(secret) != election_key.verification_key(trustee):
        raise TrusteeError("your share does not fit the published election key")
    return TrusteeKey(group, trustee, secret)


def _genesis(path: Path) -> Genesis:
    try:
        return load_genesis(path)
    except (GenesisError, ValueError) as exc:
        raise TrusteeError(f"cannot read genesis: {exc}") from None


def check_tally(
    info: dict[str, Any],
    genesis: Genesis,
    allowed_left_out: frozenset[str],
    read_at: Mapping[str, str] | None = None,
) -> TallyCheck:
    """The certified ballots the server's aggregate must add up; TrusteeError if it does not.
    `read_at`: validator id -> the URL to read it at instead of its genesis URL."""
    parameters = ElectionParameters.from_dict(info["election"]["parameters"])
    election_key = ElectionKey.from_dict(info["election_key"])
    try:
        reading = read_certified(genesis, parameters.election_id, read_at=read_at)
    except AuditError as exc:
        raise TrusteeError(f"refusing to decrypt: the chain cannot be certified: {exc}") from None
    certified = {b.tracker: b for b in reading.ballots}
    named = {b["tracker"]: b["voter_pseudonym"] for b in info["ballots"]}
    if len(named) != len(info["ballots"]):
        raise TrusteeError("refusing to decrypt: the server names a ballot twice")
    added = [t for t in named if t not in certified]
    if added:
        raise TrusteeError(
            f"refusing to decrypt: the server counts {len(added)} ballots that {reading.quorum} "
            f"validators do not certify (first {added[0]})"
        )
    left_out = [t for t in certified if t not in named and t not in allowed_left_out]
    if left_out:
        raise TrusteeError(
            f"refusing to decrypt: the server leaves out {len(left_out)} certified ballots "
            f"(first {left_out[0]}); if officials explain why, pass --allow-left-out TRACKER"
        )
    moved = [t for t, voter in named.items() if certified[t].voter_pseudonym != voter]
    if moved:
        raise TrusteeError(
            f"refusing to decrypt: ballot {moved[0]} is under another voter on chain"
        )
    if len(named) > info["voted"]:
        raise TrusteeError(
            f"refusing to decrypt: {len(named)} ballots but {info['voted']} voters voted"
        )
    ballots = [certified[t] for t in named]
    total = _aggregate_of(parameters, election_key, ballots, info.get("weights"))
    if total.to_dict() != info["aggregate"]:
        raise TrusteeError(
            "refusing to decrypt: the server's aggregate is not the sum of the certified "
            "ballots it names"
        )
    return TallyCheck(ballots, total)


def _aggregate_of(
    parameters: ElectionParameters,
    election_key: ElectionKey,
    certified: list[CertifiedBallot],
    weights: dict[str, int] | None = None,
) -> Aggregate:
    """The certified ballots' aggregate; in a weighted election each counts its voter's
    weight, from the server's roll only if it is the roll the parameters commit to."""
    ballots = [(b.payload.encode(), b.voter_pseudonym) for b in certified]
    try:
        return verified_aggregate(parameters, election_key.public_key, ballots, weights=weights)
    except CryptoError as exc:
        raise TrusteeError(
            f"refusing to decrypt: a certified ballot does not verify: {exc}"
        ) from None
