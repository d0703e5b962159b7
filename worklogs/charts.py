"""Charts of the denial-work page and PDF: matplotlib (Agg) PNGs through the object API (no
pyplot state in a long-running process), as ``scorecard.charts`` and the remittance denials
chart draw theirs. Plain values in, PNG bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from worklogs.selectors import AGE_BUCKETS, SLA_RATES, TrendPoint

# Greyscale-safe: the lines differ in marker and dash, not only in hue.
RATE_STYLES = {
    "first_touch_within_sla_rate": ("#1f3a5f", "o", "-"),
    "follow_up_within_sla_rate": ("#b8860b", "s", "--"),
    "appeal_within_deadline_rate": ("#6b8e23", "^", "-."),
    "resolution_within_sla_rate": ("#8b4513", "D", ":"),
}
BUCKET_COLOURS = ("#c6d4e6", "#7f9cc0", "#3f6394", "#1f3a5f")


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()


def sla_trend_png(trend: Sequence[TrendPoint]) -> bytes:
    """The four SLA adherence rates over the months of ``trend`` (percent, 0 to 100)."""
    fig = Figure(figsize=(6.2, 2.6))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.24, 0.68, 0.68))
    xs = list(range(len(trend)))
    drawn = False
    for name, label, _ in SLA_RATES:
        colour, marker, dash = RATE_STYLES[name]
        ys = [None if p.rates.get(name) is None else float(p.rates[name] or 0) for p in trend]
        if all(y is None for y in ys):
            continue
        drawn = True
        ax.plot(
            xs,
            [float("nan") if y is None else y for y in ys],
            color=colour,
            marker=marker,
            linestyle=dash,
            markersize=3,
            linewidth=1.2,
            label=label,
        )
    ax.set_ylim(0, 105)
    ax.set_xticks(xs, [p.period[2:] for p in trend], fontsize=6, rotation=45)
    ax.tick_params(labelsize=6)
    ax.set_ylabel("% within milestone", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if drawn:
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.text(0.5, 0.5, "No denial work log", transform=ax.transAxes, ha="center", fontsize=8)
    return _png(fig)


def ageing_png(rows: Sequence[dict[str, Any]]) -> bytes:
    """Open denials at month end by reason, each bar stacked by age bucket (days)."""
    fig = Figure(figsize=(6.2, 0.9 + 0.28 * max(len(rows), 1)))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.16, 0.3, 0.64, 0.62))
    labels = [r["reason"] for r in rows][::-1]
    left = [0] * len(rows)
    for i, bucket in enumerate(AGE_BUCKETS):
        counts = [r["buckets"][i] for r in rows][::-1]
        ax.barh(labels, counts, left=left, color=BUCKET_COLOURS[i], label=f"{bucket} days")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.set_xlabel("Open denials", fontsize=7)
    ax.tick_params(labelsize=6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if rows:
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.text(0.5, 0.5, "No open denials", transform=ax.transAxes, ha="center", fontsize=8)
    return _png(fig)
