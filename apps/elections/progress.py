"""How a long operation reports where it is: named steps, each with done/total counters.

The verbs (apps.elections.tally, apps.elections.services) take a `Progress` and call it as
they go; they do not know where it is written. `NO_PROGRESS` ignores everything (a verb
called directly, or by a test); apps.elections.jobs writes to a Job row at a bounded rate.
"""

from __future__ import annotations

from typing import Protocol

# The steps of a tally, in order, as the admin and the status URL name them.
READING = "reading the chain from the validators"
CHECKING = "checking blocks"
AGGREGATING = "aggregating"
WAITING = "waiting for trustees"
PUBLISHING = "publishing"
CLOSING = "closing"
IMPORTING = "importing voters"


class Progress(Protocol):
    def step(self, name: str, total: int = 0) -> None:
        """A new step starts, with `total` units of work (0: unknown)."""

    def advance(self, units: int = 1) -> None:
        """`units` more of the current step are done."""

    def report(self, done: int, total: int) -> None:
        """The current step's counters as they stand (for work whose size is learnt as it
        goes, such as blocks read from validators that report their heights)."""


class NoProgress:
    def step(self, name: str, total: int = 0) -> None:
        return None

    def advance(self, units: int = 1) -> None:
        return None

    def report(self, done: int, total: int) -> None:
        return None


NO_PROGRESS: Progress = NoProgress()
