"""Where an election's key ceremony stands, computed from the stored public material.

A ceremony is complete when every trustee has published an encryption key and a commitment
whose proofs verify, has sent a share envelope to every other trustee, and has reported that
every share it received matches its dealer's commitment, with no complaint left open. The
election key is then the sum of the commitments' constant terms (evcrypto.ElectionKey).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.elections.errors import WrongState
from apps.elections.models import Election
from apps.trustees.models import Complaint, ShareEnvelope, Trustee
from evcrypto import (
    SECP256K1,
    CryptoError,
    ElectionKey,
    TrusteeCommitment,
    verify_election_key,
)
from trustee.protocol import trustee_fingerprint


@dataclass(frozen=True)
class TrusteeProgress:
    index: int
    name: str
    email: str
    key_published: bool
    dealt: bool
    shares_sent: int
    shares_received: int
    shares_checked: bool
    fingerprint: str | None

    @property
    def next_step(self) -> str:
        if not self.key_published:
            return "publish an encryption key"
        if not self.dealt:
            return "deal shares"
        if not self.shares_checked:
            return "check the shares received"
        return "done"


@dataclass(frozen=True)
class CeremonyStatus:
    started: bool
    threshold: int
    trustees: tuple[TrusteeProgress, ...]
    open_complaints: tuple[Complaint, ...]

    @property
    def trustee_count(self) -> int:
        return len(self.trustees)

    @property
    def label(self) -> str:
        """ "2 of 3"; a single holder is said to be one, everywhere it is shown."""
        if self.trustee_count == 1 and self.threshold == 1:
            return "1 of 1: a single trustee can decrypt every ballot alone"
        return f"{self.threshold} of {self.trustee_count}"

    @property
    def complete(self) -> bool:
        return not self.problems

    @property
    def problems(self) -> list[str]:
        """Why the election cannot open yet (empty once the ceremony is complete)."""
        if not self.trustees:
            return ["no trustees are named"]
        if not self.started:
            return ["the key ceremony has not started"]
        problems = [
            f"complaint: trustee {c.accuser} says the share from trustee {c.dealer} is bad "
            f"({c.reason}); replace a trustee or restart the ceremony"
            for c in self.open_complaints
        ]
        others = self.trustee_count - 1
        for t in self.trustees:
            if t.next_step != "done" or t.shares_sent < others or t.shares_received < others:
                problems.append(f"trustee {t.index} ({t.email}): {t.next_step}")
        return problems


def ceremony_status(election: Election) -> CeremonyStatus:
    trustees = list(Trustee.objects.filter(election=election).select_related("user"))
    envelopes = list(
        ShareEnvelope.objects.filter(election=election).values_list("dealer", "recipient")
    )
    progress = tuple(
        TrusteeProgress(
            index=t.index,
            name=t.user.name,
            email=t.user.email,
            key_published=bool(t.encryption_key),
            dealt=t.commitment is not None,
            shares_sent=sum(1 for dealer, _ in envelopes if dealer == t.index),
            shares_received=sum(1 for _, recipient in envelopes if recipient == t.index),
            shares_checked=t.shares_checked_at is not None,
            fingerprint=trustee_fingerprint(t.index, t.encryption_key, t.commitment)
            if t.commitment is not None
            else None,
        )
        for t in trustees
    )
    complaints = tuple(Complaint.objects.filter(election=election, resolved_at__isnull=True))
    return CeremonyStatus(bool(election.ceremony_id), election.threshold, progress, complaints)


def election_key_of(election: Election) -> ElectionKey:
    """The election key from the trustees' commitments, every proof re-checked; WrongState
    while the ceremony is incomplete."""
    status = ceremony_status(election)
    if not status.complete:
        raise WrongState("the key ceremony is not complete: " + "; ".join(status.problems))
    commitments = Trustee.objects.filter(election=election).values_list("commitment", flat=True)
    try:
        key = ElectionKey(
            election.threshold,
            tuple(
                TrusteeCommitment.from_dict(SECP256K1, c, f"trustee {i + 1}'s commitment")
                for i, c in enumerate(commitments)
            ),
        )
        verify_election_key(key, election.election_hash)
    except CryptoError as exc:
        raise WrongState(f"the key ceremony does not check out: {exc}") from exc
    return key


def ceremony_document(election: Election, you: int | None) -> dict[str, object]:
    """The ceremony as the API shows it to a trustee (`you`, its index) or an official."""
    status = ceremony_status(election)
    trustees = Trustee.objects.filter(election=election).select_related("user")
    commitments = {t.index: (t.encryption_key, t.commitment) for t in trustees}
    envelopes = ShareEnvelope.objects.filter(election=election)
    return {
        "election": ceremony_election(election, status),
        "you": you,
        "trustees": [
            {
                "index": p.index,
                "name": p.name,
                "email": p.email,
                "encryption_key": commitments[p.index][0],
                "commitment": commitments[p.index][1],
                "shares_sent": p.shares_sent,
                "shares_received": p.shares_received,
                "shares_checked": p.shares_checked,
                "fingerprint": p.fingerprint,
                "next_step": p.next_step,
            }
            for p in status.trustees
        ],
        "envelopes_for_you": [
            {"dealer": e.dealer, "envelope": e.envelope}
            for e in envelopes
            if you is not None and e.recipient == you
        ],
        "sent_by_you": [e.recipient for e in envelopes if you is not None and e.dealer == you],
        "complaints": [
            {
                "accuser": c.accuser,
                "dealer": c.dealer,
                "reason": c.reason,
                "resolved": c.resolved_at is not None,
                "resolution": c.resolution,
            }
            for c in Complaint.objects.filter(election=election)
        ],
        "complete": status.complete,
        "problems": status.problems,
        "election_key": election.public_key,
    }


def ceremony_election(election: Election, status: CeremonyStatus) -> dict[str, object]:
    return {
        "id": election.pk,
        "title": election.title,
        "state": election.state,
        "ceremony_id": election.ceremony_id,
        "election_hash": election.election_hash,
        "parameters": election.parameters,
        "threshold": election.threshold,
        "trustee_count": status.trustee_count,
        "label": status.label,
    }
