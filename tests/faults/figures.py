"""The figures of a `make test-faults` run, read back from its output:

    make test-faults SEEDS=20 FAULT_SECONDS=60 BYZ_SEEDS=10 | tee faults.log
    python -m tests.faults.figures faults.log

For each kind of crash fault: how often it was played; the time from the last commit before it
to the first commit under it and the longest gap between commits while it lasted (both only
where a quorum could still talk, which the liveness bounds apply to); and the time from its
heal to the next commit. For the Byzantine runs, the longest gap at the liar's turns and at
the honest validators'. Then how many seeds passed every invariant. Prints Markdown.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# What each step's describe() starts with (tests/faults/schedule.py), by kind.
KIND_PATTERNS = {
    "isolate": r"isolate v\d",
    "split": r"split v\d \| ",
    "bridge": r"bridge v\d-",
    "asymmetric": r"v\d hears v\d, v\d does not hear",
    "pause": r"SIGSTOP v\d",
    "kill": r"kill -9 v\d",
    "no_quorum": r"cut every validator off",
    "slow_link": r"v\d-v\d delayed \d+ ms",
}
QUORUM_CONNECTED = {"isolate", "split", "bridge", "asymmetric", "pause", "kill", "slow_link"}
MEASURED = re.compile(
    r"^seed=(?P<seed>\d+)   (?P<what>.*?) for [\d.]+s, then [\d.]+s healed: (?P<under>.*?), "
    r"heal to next commit (?P<heal>none|[\d.]+s)"
)
UNDER = re.compile(
    r"first commit under it after (?P<first>[\d.]+)s, longest gap then (?P<gap>[\d.]+)s"
)
BYZANTINE = re.compile(
    r"^byzantine seed=(?P<seed>\d+) (?:ok|FAIL) +commits within the liveness bounds.*"
    r"longest gap at its turns (?P<liar>[\d.]+)s.*at the others (?P<honest>[\d.]+)s"
)
VERDICT = re.compile(r"^(?P<byz>byzantine )?seed=(?P<seed>\d+) (?P<verdict>ok|FAIL) ")


class FiguresError(Exception):
    """The log holds no measurements to report."""


@dataclass(frozen=True)
class Measure:
    kind: str
    first: float | None  # None: no commit under the fault
    gap: float | None
    heal: float | None  # None: no commit after the heal


def kind_of(what: str) -> str:
    for kind, pattern in KIND_PATTERNS.items():
        if re.match(pattern, what):
            return kind
    raise FiguresError(f"a fault of no known kind: {what!r}")


def measures(lines: list[str]) -> list[Measure]:
    found = []
    for line in lines:
        matched = MEASURED.match(line)
        if not matched:
            continue
        under = UNDER.match(matched["under"])
        heal = None if matched["heal"] == "none" else float(matched["heal"].rstrip("s"))
        found.append(
            Measure(
                kind_of(matched["what"]),
                float(under["first"]) if under else None,
                float(under["gap"]) if under else None,
                heal,
            )
        )
    return found


def seconds(values: list[float]) -> str:
    return f"{max(values):.2f}" if values else "–"


def crash_table(found: list[Measure]) -> list[str]:
    rows = [
        "| fault | played | first commit under it, largest (s) | longest gap under it (s) "
        "| heal to next commit, median / largest (s) |",
        "|---|---|---|---|---|",
    ]
    by_kind: dict[str, list[Measure]] = defaultdict(list)
    for measure in found:
        by_kind[measure.kind].append(measure)
    for kind in KIND_PATTERNS:
        played = by_kind.get(kind, [])
        if not played:
            continue
        heals = [m.heal for m in played if m.heal is not None]
        unhealed = len(played) - len(heals)
        connected = kind in QUORUM_CONNECTED
        first = seconds([m.first for m in played if m.first is not None]) if connected else "–"
        gap = seconds([m.gap for m in played if m.gap is not None]) if connected else "–"
        heal = f"{statistics.median(heals):.2f} / {max(heals):.2f}" if heals else "–"
        if unhealed:
            heal += f" ({unhealed} without a commit after the heal)"
        rows.append(f"| {kind} | {len(played)} | {first} | {gap} | {heal} |")
    return rows


def report(text: str) -> str:
    lines = text.splitlines()
    found = measures(lines)
    gaps = [BYZANTINE.match(line) for line in lines]
    byzantine = [g for g in gaps if g]
    if not found and not byzantine:
        raise FiguresError("no fault measurements in this log")
    verdicts: dict[tuple[bool, str], set[str]] = defaultdict(set)
    for line in lines:
        matched = VERDICT.match(line)
        if matched:
            verdicts[(bool(matched["byz"]), matched["seed"])].add(matched["verdict"])
    out = []
    for byz, label in ((False, "crash-fault seeds (N = 3)"), (True, "Byzantine seeds (N = 4)")):
        seeds = {s: v for (b, s), v in verdicts.items() if b == byz}
        if seeds:
            failed = sorted((s for s, v in seeds.items() if "FAIL" in v), key=int)
            out.append(
                f"{label}: {len(seeds) - len(failed)} of {len(seeds)} passed every invariant"
                + (f"; failed: {', '.join(failed)}" if failed else "")
            )
    if found:
        out += ["", *crash_table(found)]
    if byzantine:
        liar = [float(g["liar"]) for g in byzantine]
        honest = [float(g["honest"]) for g in byzantine]
        out += [
            "",
            f"Byzantine runs ({len(byzantine)}): longest gap between commits at the liar's "
            f"turns {max(liar):.2f} s, at the honest validators' {max(honest):.2f} s",
        ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.faults.figures LOG", file=sys.stderr)
        return 2
    try:
        print(report(Path(argv[0]).read_text()))
    except (OSError, FiguresError) as exc:
        print(f"figures: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
