"""A horizontal bar chart as plain numbers for an SVG template: no JavaScript, no library."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 28
GAP = 12
LABEL_WIDTH = 180
BAR_AREA = 360


@dataclass(frozen=True)
class Bar:
    name: str
    votes: int
    percent: int
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(rows: list[tuple[str, int]]) -> Chart:
    total = sum(votes for _, votes in rows)
    most = max((votes for _, votes in rows), default=0)
    bars = tuple(
        Bar(
            name=name,
            votes=votes,
            percent=round(100 * votes / total) if total else 0,
            y=i * (BAR_HEIGHT + GAP),
            width=round(BAR_AREA * votes / most) if most else 0,
        )
        for i, (name, votes) in enumerate(rows)
    )
    height = max(len(rows) * (BAR_HEIGHT + GAP) - GAP, BAR_HEIGHT)
    return Chart(bars, LABEL_WIDTH + BAR_AREA + 120, height, LABEL_WIDTH, BAR_HEIGHT)
