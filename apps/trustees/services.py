"""The verbs of the key ceremony: officials name trustees and restart or repair the ceremony;
trustees (through their command and the API) publish keys, dealings and share checks.

Every trustee verb names the ceremony it acts on (`ceremony_id`): a restart changes it, so a
command working from an old view of the ceremony is told to run again instead of mixing two.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.elections.ballot_size import check_ballot_fits
from apps.elections.errors import (
    CeremonyChanged,
    InvalidCryptography,
    InvalidInput,
    NotTrustee,
    WrongState,
)
from apps.elections.models import Election
from apps.elections.services import election_parameters
from apps.trustees.models import Complaint, ShareEnvelope, Trustee
from evcrypto import SECP256K1, CryptoError, TrusteeCommitment, verify_trustee_commitment
from trustee import TrusteeError
from trustee.envelope import ENVELOPE_BYTES, check_public_key_hex
from trustee.protocol import commitments_hash

log = logging.getLogger("apps.trustees")

MAX_TRUSTEES = 20


def default_threshold(trustee_count: int) -> int:
    """A majority: 2 of 3 for the usual three trustees."""
    return trustee_count // 2 + 1


def _locked_draft(election: Election) -> Election:
    """The election row, locked for this transaction; WrongState unless it is a draft."""
    current = Election.objects.select_for_update().get(pk=election.pk)
    if current.state != Election.State.DRAFT:
        raise WrongState(
            f"trustees change only while the election is a draft (it is {current.state})"
        )
    return current


def _trustee_user(email: str) -> User:
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an e-mail address") from None
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, None)


def _clean_emails(emails: Sequence[str]) -> list[str]:
    cleaned = [email.strip().lower() for email in emails]
    if not 1 <= len(cleaned) <= MAX_TRUSTEES:
        raise InvalidInput(f"an election needs 1 to {MAX_TRUSTEES} trustees")
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput("each trustee must be a different person")
    return cleaned


@transaction.atomic
def name_trustees(
    election: Election, emails: Sequence[str], threshold: int | None = None
) -> Election:
    """Make these users the election's trustees 1..n (accounts are created for new e-mails)
    and start the key ceremony, which fixes the ballot. Any earlier ceremony is discarded."""
    current = _locked_draft(election)
    cleaned = _clean_emails(emails)
    k = default_threshold(len(cleaned)) if threshold is None else threshold
    if not 1 <= k <= len(cleaned):
        raise InvalidInput(f"the threshold must be between 1 and {len(cleaned)} (the trustees)")
    users = [_trustee_user(email) for email in cleaned]
    _discard_material(current, "other trustees were named")
    Trustee.objects.filter(election=current).delete()
    Trustee.objects.bulk_create(
        Trustee(election=current, user=user, index=i) for i, user in enumerate(users, start=1)
    )
    current.threshold = k
    current.save(update_fields=["threshold"])
    log.info("trustees named election=%s trustees=%s threshold=%s", current.pk, len(users), k)
    return _start(current)


@transaction.atomic
def start_ceremony(election: Election) -> Election:
    """Fix the ballot (parameters and their hash) and let the named trustees begin."""
    current = _locked_draft(election)
    if current.ceremony_id:
        raise WrongState("the key ceremony has already started")
    if not Trustee.objects.filter(election=current).exists():
        raise WrongState("name the trustees first")
    return _start(current)


def _start(election: Election) -> Election:
    try:
        parameters = election_parameters(election)
    except CryptoError as exc:
        raise InvalidInput(f"the ballot cannot be fixed: {exc}") from exc
    check_ballot_fits(parameters)
    Election.objects.filter(pk=election.pk).update(
        ceremony_id=uuid.uuid4().hex,
        election_hash=parameters.election_hash,
        parameters=parameters.to_dict(),
    )
    election.refresh_from_db()
    log.info("key ceremony started election=%s hash=%s", election.pk, election.election_hash[:16])
    return election


@transaction.atomic
def restart_ceremony(election: Election) -> Election:
    """Discard every key, commitment, share and complaint, and unfix the ballot; the trustees
    stay named. Start the ceremony again once the ballot is as it should be."""
    current = _locked_draft(election)
    _discard_material(current, "the ceremony restarted")
    Election.objects.filter(pk=current.pk).update(ceremony_id="", election_hash="", parameters=None)
    current.refresh_from_db()
    log.info("key ceremony restarted election=%s", current.pk)
    return current


def _discard_material(election: Election, why: str) -> None:
    ShareEnvelope.objects.filter(election=election).delete()
    Complaint.objects.filter(election=election, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=why
    )
    Trustee.objects.filter(election=election).update(
        encryption_key="", commitment=None, shares_checked_at=None
    )


@transaction.atomic
def replace_trustee(election: Election, index: int, email: str) -> Trustee:
    """Put another user at trustee `index`: what that index published is discarded (its key,
    commitment, and the shares it sent and received), every trustee checks its shares again,
    and complaints that named it are resolved. The others keep their dealings."""
    current = _locked_draft(election)
    trustee = Trustee.objects.filter(election=current, index=index).first()
    if trustee is None:
        raise InvalidInput(f"there is no trustee {index}")
    user = _trustee_user(email.strip().lower())
    if Trustee.objects.filter(election=current, user=user).exclude(pk=trustee.pk).exists():
        raise InvalidInput(f"{user.email} is already a trustee of this election")
    previous = trustee.user.email
    trustee.user = user
    trustee.encryption_key, trustee.commitment, trustee.shares_checked_at = "", None, None
    trustee.save()
    ShareEnvelope.objects.filter(election=current, dealer=index).delete()
    ShareEnvelope.objects.filter(election=current, recipient=index).delete()
    Trustee.objects.filter(election=current).update(shares_checked_at=None)
    named = Complaint.objects.filter(election=current, resolved_at__isnull=True)
    (named.filter(dealer=index) | named.filter(accuser=index)).update(
        resolved_at=timezone.now(), resolution=f"trustee {index} ({previous}) was replaced"
    )
    log.info("trustee replaced election=%s index=%s", current.pk, index)
    return trustee


# ---------------------------------------------------------------------------- trustee verbs


def _acting(trustee: Trustee, ceremony_id: str) -> tuple[Election, Trustee]:
    """The election (locked) and the trustee's row as they are now, if the ceremony it acts on
    is still the running one."""
    election = Election.objects.select_for_update().get(pk=trustee.election_id)
    if election.state != Election.State.DRAFT:
        raise WrongState(f"the key ceremony is over: the election is {election.state}")
    if not election.ceremony_id:
        raise WrongState("the key ceremony has not started (or was restarted and not started yet)")
    if ceremony_id != election.ceremony_id:
        raise CeremonyChanged("the key ceremony was restarted; run the trustee command again")
    current = Trustee.objects.filter(pk=trustee.pk, user_id=trustee.user_id).first()
    if current is None:
        raise NotTrustee("you are no longer a trustee of this election")
    return election, current


@transaction.atomic
def publish_encryption_key(trustee: Trustee, ceremony_id: str, encryption_key: str) -> Trustee:
    """The X25519 public key the other trustees seal this trustee's shares to. Idempotent."""
    _, current = _acting(trustee, ceremony_id)
    try:
        check_public_key_hex(encryption_key)
    except (TrusteeError, ValueError) as exc:
        raise InvalidCryptography(f"encryption_key: {exc}") from None
    if current.encryption_key and current.encryption_key != encryption_key:
        raise WrongState("you already published another encryption key for this ceremony")
    current.encryption_key = encryption_key
    current.save(update_fields=["encryption_key"])
    return current


@transaction.atomic
def publish_dealing(
    trustee: Trustee,
    ceremony_id: str,
    commitment: object,
    envelopes: dict[int, tuple[str, str]],
) -> Trustee:
    """The trustee's commitment (its proofs checked here) and share envelopes for the other
    trustees: recipient -> (the key it was sealed to, the envelope). An envelope sealed to a
    key that is no longer the recipient's (it was replaced since) is refused. Sending again
    adds envelopes for trustees replaced since; what was published stays as it was."""
    election, current = _acting(trustee, ceremony_id)
    if not current.encryption_key:
        raise WrongState("publish your encryption key first")
    try:
        parsed = TrusteeCommitment.from_dict(SECP256K1, commitment, "commitment")
        if parsed.trustee != current.index:
            raise CryptoError(
                f"it is trustee {parsed.trustee}'s, and you are trustee {current.index}"
            )
        verify_trustee_commitment(election.election_hash, parsed, election.threshold)
    except CryptoError as exc:
        raise InvalidCryptography(f"commitment refused: {exc}") from None
    canonical = parsed.to_dict()
    if current.commitment is not None and current.commitment != canonical:
        raise WrongState("you already published another commitment for this ceremony")
    keys = dict(Trustee.objects.filter(election=election).values_list("index", "encryption_key"))
    for recipient, (sealed_to, envelope) in envelopes.items():
        _check_envelope(current.index, recipient, envelope, keys)
        if keys[recipient] != sealed_to:
            raise CeremonyChanged(
                f"trustee {recipient}'s key has changed since you sealed its share; run the "
                "command again"
            )
    sent = dict(
        ShareEnvelope.objects.filter(election=election, dealer=current.index).values_list(
            "recipient", "envelope"
        )
    )
    for recipient, (_, envelope) in envelopes.items():
        if recipient in sent and sent[recipient] != envelope:
            raise WrongState(f"you already sent trustee {recipient} another share")
    ShareEnvelope.objects.bulk_create(
        ShareEnvelope(election=election, dealer=current.index, recipient=r, envelope=e)
        for r, (_, e) in envelopes.items()
        if r not in sent
    )
    current.commitment = canonical
    current.save(update_fields=["commitment"])
    return current


def _check_envelope(dealer: int, recipient: int, envelope: str, keys: dict[int, str]) -> None:
    if recipient == dealer or recipient not in keys:
        raise InvalidInput(f"trustee {recipient} is not another trustee of this election")
    if not keys[recipient]:
        raise InvalidInput(f"trustee {recipient} has not published an encryption key yet")
    if len(envelope) != 2 * ENVELOPE_BYTES or envelope.strip("0123456789abcdef"):
        raise InvalidCryptography(
            f"the envelope for trustee {recipient} is not {ENVELOPE_BYTES} bytes of hex"
        )


@transaction.atomic
def report_share_check(
    trustee: Trustee,
    ceremony_id: str,
    checked_commitments: str,
    complaints: Sequence[tuple[int, str]],
) -> Trustee:
    """The trustee opened and checked every share sent to it against the commitments whose
    hash is `checked_commitments`. No complaint: its part is done. Complaints are published,
    and the election cannot open until an official resolves them."""
    election, current = _acting(trustee, ceremony_id)
    trustees = list(Trustee.objects.filter(election=election))
    if any(t.commitment is None for t in trustees):
        raise WrongState("not every trustee has dealt yet")
    received = ShareEnvelope.objects.filter(election=election, recipient=current.index).count()
    if received < len(trustees) - 1:
        raise WrongState(f"you have {received} of {len(trustees) - 1} shares so far")
    if checked_commitments != commitments_hash([t.commitment for t in trustees]):
        raise CeremonyChanged("the commitments changed while you checked; run the command again")
    dealers = {t.index for t in trustees} - {current.index}
    for dealer, _ in complaints:
        if dealer not in dealers:
            raise InvalidInput(f"trustee {dealer} is not another trustee of this election")
    open_ones = Complaint.objects.filter(
        election=election, accuser=current.index, resolved_at__isnull=True
    )
    for dealer, reason in complaints:
        if open_ones.filter(dealer=dealer).exists():
            continue  # filed already; it stays open until an official resolves it
        Complaint.objects.create(
            election=election, accuser=current.index, dealer=dealer, reason=reason[:300]
        )
        log.warning(
            "key ceremony complaint election=%s accuser=%s dealer=%s reason=%s",
            election.pk,
            current.index,
            dealer,
            reason,
        )
    if not complaints:
        current.shares_checked_at = timezone.now()
        current.save(update_fields=["shares_checked_at"])
    return current
