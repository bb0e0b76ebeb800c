"""The backend's domain errors: one hierarchy, mapped to HTTP in one place (apps.api)."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request; `status` and `code` say how an edge should answer. A request the
    schema allows but that cannot be carried out as asked is a 422; 400 is kept for what does
    not match the schema, and for ballots and proofs that fail their cryptographic checks."""

    status = 422
    code = "invalid"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotOnRoll(DomainError):
    status = 403
    code = "not_on_roll"


class ElectionNotOpen(DomainError):
    status = 409
    code = "election_not_open"


class AlreadyVoted(DomainError):
    status = 409
    code = "already_voted"


class WrongState(DomainError):
    status = 409
    code = "wrong_state"


class InvalidBallot(DomainError):
    status = 400
    code = "invalid_ballot"


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class DeliveryInProgress(DomainError):
    status = 409
    code = "delivery_in_progress"


class TallyUnavailable(DomainError):
    status = 503
    code = "chain_unavailable"


class NotTrustee(DomainError):
    status = 403
    code = "not_trustee"


class CeremonyChanged(DomainError):
    """A trustee acted on a ceremony that has since restarted or changed: fetch it again."""

    status = 409
    code = "ceremony_changed"


class FallbackNotReplayed(DomainError):
    status = 409
    code = "fallback_not_replayed"


class InvalidPartialDecryption(DomainError):
    status = 400
    code = "invalid_partial_decryption"


class NotEnoughDecryptions(DomainError):
    status = 409
    code = "not_enough_decryptions"


class InvalidCryptography(DomainError):
    """A key, commitment or share envelope that fails its cryptographic check."""

    status = 400
    code = "invalid_cryptography"
