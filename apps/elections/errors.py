"""The backend's domain errors: one hierarchy, mapped to HTTP in one place (apps.api)."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request; `status` and `code` say how an edge should answer."""

    status = 400
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
    status = 400
    code = "invalid_input"


class DeliveryInProgress(DomainError):
    status = 409
    code = "delivery_in_progress"


class TallyUnavailable(DomainError):
    status = 503
    code = "chain_unavailable"
