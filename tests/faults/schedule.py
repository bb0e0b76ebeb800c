"""Seeded fault schedules: the same seed always gives the same faults, targets and durations.

A schedule is a list of steps, each a fault held for a while and then healed, followed by a
quiet spell with every link up. Which validator is hit, which side of a split the backend is
on and how long each step lasts all come from `random.Random(seed)`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

VALIDATORS = ("v1", "v2", "v3")

# What each fault does (docs/faults.md has the same list).
KINDS = {
    "isolate": "cut one validator off from every other member (peers, backend, bootnode)",
    "split": "split the validators 2 | 1, the backend on one side",
    "bridge": "A-B and B-C up, A-C down",
    "asymmetric": "A hears B, B does not hear A (B's port closed to A)",
    "pause": "SIGSTOP a validator's web and worker, SIGCONT at the heal",
    "kill": "kill -9 a validator's web and worker, restart them at the heal",
    "no_quorum": "cut every validator off from the others (no quorum can talk)",
    "slow_link": "delay and lose messages on the A-B link, both ways (a user-space proxy)",
}


@dataclass(frozen=True)
class Step:
    kind: str
    targets: tuple[str, ...]  # validators, in the roles the kind names (A, B, C...)
    backend_with: str  # for a split: a validator on the backend's side ("" elsewhere)
    hold: float  # seconds the fault lasts
    quiet: float  # seconds with everything healed afterwards
    delay: float = 0.0  # slow_link: seconds each byte is held, each way
    loss: float = 0.0  # slow_link: the fraction of connections closed unanswered

    @property
    def quorum_connected(self) -> bool:
        """Whether two validators can still talk to each other while the fault lasts."""
        return self.kind != "no_quorum"

    def describe(self) -> str:
        a, b, c = self.targets
        what = {
            "isolate": f"isolate {a}",
            "split": f"split {a} | {b} {c}, backend with {self.backend_with}",
            "bridge": f"bridge {a}-{b}-{c} ({a}-{c} down)",
            "asymmetric": f"{a} hears {b}, {b} does not hear {a}",
            "pause": f"SIGSTOP {a}",
            "kill": f"kill -9 {a}",
            "no_quorum": "cut every validator off",
            "slow_link": f"{a}-{b} delayed {self.delay * 1000:.0f} ms, {self.loss:.0%} lost",
        }[self.kind]
        return f"{what} for {self.hold:.1f}s, then {self.quiet:.1f}s healed"


def make_schedule(seed: int, seconds: float) -> list[Step]:
    """Steps until about `seconds` of faults and quiet spells; every kind once before any
    repeats (in a seeded order), so a short schedule still covers most of them."""
    rng = random.Random(seed)
    steps: list[Step] = []
    total = 0.0
    kinds: list[str] = []
    while total < seconds:
        if not kinds:
            kinds = sorted(KINDS)
            rng.shuffle(kinds)
        kind = kinds.pop()
        targets = list(VALIDATORS)
        rng.shuffle(targets)
        backend_with = rng.choice(targets) if kind == "split" else ""
        hold = round(rng.uniform(4.0, 8.0), 1)
        quiet = round(rng.uniform(3.0, 5.0), 1)
        delay, loss = (round(rng.uniform(0.05, 0.4), 2), round(rng.uniform(0.1, 0.4), 2))
        if kind != "slow_link":
            delay, loss = 0.0, 0.0
        trio = (targets[0], targets[1], targets[2])
        steps.append(Step(kind, trio, backend_with, hold, quiet, delay, loss))
        total += hold + quiet
    return steps
