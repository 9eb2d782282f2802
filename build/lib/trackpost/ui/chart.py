"""A server-rendered bar chart (SVG geometry computed here; no script, no inline style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trackpost.core.fields import cents_text

WIDTH, HEIGHT, PAD = 720, 240, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    negative: bool


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    zero_y: float
    width: int = WIDTH
    height: int = HEIGHT
    top_label: str = ""
    bottom_label: str = ""


def bar_chart(labels: Sequence[str], cents: Sequence[int]) -> Chart:
    """One bar per value around a zero line; each bar's title says its day and amount."""
    top = max([0, *cents])
    bottom = min([0, *cents])
    span = (top - bottom) or 1
    plot = HEIGHT - 2 * PAD
    zero_y = PAD + plot * top / span
    slot = (WIDTH - 2 * PAD) / max(len(cents), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, cents, strict=True)):
        h = plot * abs(value) / span
        y = zero_y - h if value >= 0 else zero_y
        bars.append(
            Bar(
                x=round(PAD + i * slot + slot * 0.15, 1),
                y=round(y, 1),
                width=round(slot * 0.7, 1),
                height=round(max(h, 0.5), 1),
                label=f"{label}: {cents_text(value)}",
                negative=value < 0,
            )
        )
    return Chart(
        bars,
        round(zero_y, 1),
        top_label=cents_text(top) or "",
        bottom_label=cents_text(bottom) or "",
    )
