"""Trend charts for the PDF scorecard: matplotlib (Agg) PNGs, one small chart per KPI.

Pure drawing: plain numbers in, PNG bytes out. The object API (``Figure``) is used instead of
pyplot so that a long-running worker keeps no global figure state and does not grow in memory.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Greyscale-safe: the zones differ in lightness and hatch, not only in hue.
MEETS_FILL = "#e3f1e6"
WATCH_FILL = "#fbefd2"
BREACH_FILL = "#f6dcdc"
LINE = "#1f3a5f"
MARKERS = {"meets": "o", "watch": "D", "breach": "X"}


_CANVAS: list[tuple[Figure, Axes]] = []


def _canvas() -> tuple[Figure, Axes]:
    """The figure every chart is drawn on, made once per process and wiped between charts.

    Building axes and their ticks is most of matplotlib's cost; reusing them makes a chart about
    three times faster, and the process holds one figure however many it draws.
    """
    if not _CANVAS:
        fig = Figure(figsize=(3.5, 1.75))
        ax = fig.add_axes((0.13, 0.2, 0.84, 0.74))
        ax.set_autoscale_on(False)  # limits are set for every chart
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="y", labelsize=6.5, length=2)
        ax.tick_params(axis="x", length=0, labelsize=6.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#999999")
            ax.spines[side].set_linewidth(0.6)
        _CANVAS.append((fig, ax))
    fig, ax = _CANVAS[0]
    for artist in [*ax.lines, *ax.collections]:
        artist.remove()
    return fig, ax


@dataclass(frozen=True)
class TrendPoint:
    """One period of a KPI: its value (None when missing), benchmark, warning and status."""

    period: str
    value: Decimal | None
    benchmark: Decimal
    warning: Decimal
    status: str


def _month_label(period: str) -> str:
    months = "JFMAMJJASOND"
    year, month = period.split("-")
    return f"{months[int(month) - 1]}\n{year[2:]}" if month == "01" else months[int(month) - 1]


def trend_chart_png(
    points: Sequence[TrendPoint], *, direction: str, unit_label: str, dpi: int = 100
) -> bytes:
    """A PNG line chart of up to twelve periods with the benchmark and warning bands drawn."""
    fig, ax = _canvas()
    xs = list(range(len(points)))
    values = [float(p.value) if p.value is not None else None for p in points]
    bench = [float(p.benchmark) for p in points]
    warn = [float(p.warning) for p in points]
    known = [v for v in values if v is not None]
    lo = min([*known, *bench, *warn])
    hi = max([*known, *bench, *warn])
    pad = (hi - lo) * 0.25 or abs(hi) * 0.1 or 1.0
    bottom, top = lo - pad, hi + pad
    better_top = direction == "higher"
    edges = [x - 0.5 for x in xs] + [xs[-1] + 0.5] if xs else []
    step_b = [*bench, bench[-1]] if bench else []
    step_w = [*warn, warn[-1]] if warn else []
    if edges:
        far_good = [top] * len(edges) if better_top else [bottom] * len(edges)
        far_bad = [bottom] * len(edges) if better_top else [top] * len(edges)
        ax.fill_between(edges, step_b, far_good, step="post", color=MEETS_FILL, lw=0)
        ax.fill_between(edges, step_w, step_b, step="post", color=WATCH_FILL, lw=0)
        ax.fill_between(
            edges,
            far_bad,
            step_w,
            step="post",
            facecolor=BREACH_FILL,
            hatch="///",
            edgecolor="#c9a0a0",
            lw=0,
        )
        ax.step(edges, step_b, where="post", color="#4d7c5a", lw=1.0, ls="--", label="benchmark")
        ax.step(edges, step_w, where="post", color="#a0522d", lw=1.0, ls=":", label="warning")
    run_x: list[int] = []
    run_y: list[float] = []
    for x, v in [*zip(xs, values, strict=True), (None, None)]:
        if v is None:
            if run_x:
                ax.plot(run_x, run_y, color=LINE, lw=1.6, zorder=3)
            run_x, run_y = [], []
        else:
            run_x.append(x)  # type: ignore[arg-type]
            run_y.append(v)
    # One marker line per status (not one scatter per point): far cheaper to draw.
    for status, marker in MARKERS.items():
        mx = [
            x
            for x, v, p in zip(xs, values, points, strict=True)
            if v is not None and p.status == status
        ]
        my = [
            v for v, p in zip(values, points, strict=True) if v is not None and p.status == status
        ]
        if mx:
            ax.plot(
                mx, my, ls="none", marker=marker, ms=5, color=LINE, mec="white", mew=0.6, zorder=4
            )
    ax.set_ylim(bottom, top)
    ax.set_xlim(-0.5, max(len(points), 1) - 0.5)
    ax.set_xticks(xs, [_month_label(p.period) for p in points])
    ax.set_ylabel(unit_label, fontsize=6.5, color="#444444")
    buffer = io.BytesIO()
    # Fast PNG compression: the PDF compresses the image again anyway.
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
