"""A bar chart drawn as SVG on the server: no chart library, nothing loaded from outside."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    views: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    bottom: int
    bars: list[Bar]
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_ticks: list[tuple[float, str]]  # (x, label)
    total: int
    peak: int


def _nice_ceiling(value: int) -> int:
    """The next 1, 2 or 5 times a power of ten at or above `value` (at least 5)."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return max(step * magnitude, 5)
        magnitude *= 10


def daily_bar_chart(points: list[tuple[dt.date, int]], *, width: int = 900, height: int = 260,
                    left: int = 56, bottom: int = 28, every: int = 15) -> BarChart:
    plot_width, plot_height = width - left - 8, height - bottom - 10
    peak = max((views for _day, views in points), default=0)
    top = _nice_ceiling(peak)
    slot = plot_width / max(len(points), 1)
    bars = []
    for n, (day, views) in enumerate(points):
        bar_height = plot_height * views / top
        bars.append(Bar(left + n * slot + slot * 0.15, 10 + plot_height - bar_height, slot * 0.7, bar_height, day, views))
    y_ticks = [(10 + plot_height - plot_height * k / 4, top * k // 4) for k in range(5)]
    x_ticks = [(left + n * slot + slot / 2, day.strftime("%m-%d")) for n, (day, _views) in enumerate(points) if n % every == 0]
    return BarChart(width, height, left, bottom, bars, y_ticks, x_ticks, sum(v for _d, v in points), peak)
