"""The bootnode's one exception hierarchy; `views.py` is the one place that maps it to HTTP."""

from __future__ import annotations


class BootnodeError(Exception):
    """A request the bootnode refuses; `code` is stable for machines, `detail` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class MalformedMessage(BootnodeError):
    """The body or query is not the expected shape (bad JSON, a missing or mistyped field)."""


class PeerRejected(BootnodeError):
    """A well-formed message that fails authentication: not a genesis validator, wrong key,
    bad signature, or a timestamp outside the freshness window."""


class PeerNotRegistered(BootnodeError):
    """A valid heartbeat from a validator with no registry entry (never registered, or dropped
    after falling silent): the node should register again."""
