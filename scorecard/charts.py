"""Trend charts for the PDF scorecard: matplotlib (Agg) PNGs, one small chart per KPI.

Pure drawing: plain numbers in, PNG bytes out. The object API (``Figure``) is used instead of
pyplot so that a long-running worker keeps no global figure state and does not grow in memory.
"""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import matplotlib
import matplotlib.image
import numpy as np

matplotlib.use("Agg")

from matplotlib import rc_context, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cbook import pts_to_poststep
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.markers import TICKLEFT
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, ScalarFormatter
from matplotlib.transforms import Bbox, IdentityTransform, blended_transform_factory

# Greyscale-safe: the zones differ in lightness and hatch, not only in hue.
MEETS_FILL = "#e3f1e6"
WATCH_FILL = "#fbefd2"
BREACH_FILL = "#f6dcdc"
LINE = "#1f3a5f"
MARKERS = {"meets": "o", "watch": "D", "breach": "X"}
LABEL_SIZE = 6.5  # points: month, y tick and unit labels
Y_TICK_LENGTH = 2  # points
OFFSET_PAD = 3  # points between the axes top and an offset text (matplotlib's YAxis.OFFSETTEXTPAD)


class _Canvas:
    """The figure every chart is drawn on, with its artists, made once per process.

    Drawing text is most of matplotlib's cost here, and tick objects (each with its own lines and
    labels, placed and measured at every draw) add as much again. So the figure keeps one Agg
    canvas (its renderer and text metrics are reused), the bands and lines are updated in place,
    and the axes have no ticks: the month labels, the y tick marks and labels and the unit label
    are plain artists placed as matplotlib places tick labels and an axis label. The process
    holds one figure however many charts it draws.
    """

    def __init__(self) -> None:
        self.fig = Figure(figsize=(3.5, 1.75))
        self.agg = FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_axes((0.13, 0.2, 0.84, 0.74))
        ax.set_autoscale_on(False)  # limits are set for every chart
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#999999")
            ax.spines[side].set_linewidth(0.6)
        edges, zeros = [0.0, 1.0], [0.0, 0.0]
        self.meets = ax.fill_between(edges, zeros, zeros, step="post", color=MEETS_FILL, lw=0)
        self.watch = ax.fill_between(edges, zeros, zeros, step="post", color=WATCH_FILL, lw=0)
        self.breach = ax.fill_between(
            edges,
            zeros,
            zeros,
            step="post",
            facecolor=BREACH_FILL,
            hatch="///",
            edgecolor="#c9a0a0",
            lw=0,
        )
        (self.benchmark,) = ax.step(
            edges, zeros, where="post", color="#4d7c5a", lw=1.0, ls="--", label="benchmark"
        )
        (self.warning,) = ax.step(
            edges, zeros, where="post", color="#a0522d", lw=1.0, ls=":", label="warning"
        )
        # Missing months are NaN, where the line breaks.
        (self.line,) = ax.plot(edges, zeros, color=LINE, lw=1.6, zorder=3)
        self.markers = {
            status: ax.plot(
                edges,
                zeros,
                ls="none",
                marker=marker,
                ms=5,
                color=LINE,
                mec="white",
                mew=0.6,
                zorder=4,
            )[0]
            for status, marker in MARKERS.items()
        }
        # Months: where matplotlib puts x tick labels (tick length 0), one text per period.
        self.month_place = ax.get_xaxis_text1_transform(rcParams["xtick.major.pad"])
        self.months: list[Text] = []
        # y ticks: at most four steps (MaxNLocator), matplotlib's default number format, ticks
        # two points long pointing out, labels beside them.
        self.y_locator = MaxNLocator(4)
        self.y_format = ScalarFormatter()
        self.y_format.set_axis(ax.yaxis)  # reads the view limits, as an axis' formatter does
        tick_color = rcParams["ytick.color"]
        (self.y_ticks,) = ax.plot(
            [],
            [],
            ls="none",
            marker=TICKLEFT,
            ms=Y_TICK_LENGTH,
            mew=rcParams["ytick.major.width"],
            color=tick_color,
            transform=ax.get_yaxis_transform("tick1"),
            clip_on=False,
            zorder=2.5,
        )
        self.y_place = ax.get_yaxis_text1_transform(rcParams["ytick.major.pad"] + Y_TICK_LENGTH)
        self.y_labels: list[Text] = []
        # An offset or power of ten the formatter may factor out, above the axis top-left.
        self.y_offset = ax.text(
            0,
            0,
            "",
            transform=blended_transform_factory(ax.transAxes, IdentityTransform()),
            va="baseline",
            ha="left",
            fontsize=rcParams["ytick.labelsize"],
            color=tick_color,
            clip_on=False,
        )
        # The unit, vertical, beside the widest y label (x is set for every chart).
        self.unit = ax.text(
            0,
            0.5,
            "",
            transform=blended_transform_factory(IdentityTransform(), ax.transAxes),
            rotation="vertical",
            rotation_mode="anchor",
            va="bottom",
            ha="center",
            fontsize=LABEL_SIZE,
            color="#444444",
            clip_on=False,
        )

    def _texts(self, pool: list[Text], count: int, place: tuple[Any, str, str]) -> list[Text]:
        """The first ``count`` texts of ``pool`` (made as needed), the others hidden."""
        transform, va, ha = place
        while len(pool) < count:
            pool.append(
                self.ax.text(
                    0,
                    0,
                    "",
                    fontsize=LABEL_SIZE,
                    color=rcParams["ytick.color"],
                    transform=transform,
                    va=va,
                    ha=ha,
                    clip_on=False,
                )
            )
        for index, text in enumerate(pool):
            text.set_visible(index < count)
        return pool[:count]

    def label_months(self, labels: list[str]) -> None:
        """One text per period below the axis, at x = 0, 1, 2, ... (the tick positions)."""
        for x, (text, label) in enumerate(
            zip(self._texts(self.months, len(labels), self.month_place), labels, strict=True)
        ):
            text.set_position((x, 0))
            text.set_text(label)

    def below_axes(self) -> Bbox:
        """The strip under the axes where the month labels are, in pixels (origin bottom left).

        It spans the axes' width and stops two pixels under the x axis line (the labels start
        3.5 points under it): nothing else is drawn there.
        """
        axes_box = self.ax.get_window_extent()
        return Bbox.from_extents(axes_box.x0, 0, axes_box.x1, axes_box.y0 - 2)

    def label_y(self, bottom: float, top: float, unit: str, dpi: float) -> None:
        """Tick marks and labels on the y axis, as matplotlib's axis would draw them, and the unit.

        The limits must be set first: the formatter reads them.
        """
        locs = self.y_locator.tick_values(bottom, top)
        labels = self.y_format.format_ticks(cast(list[float], locs))  # an array, as from an axis
        tolerance = (top - bottom) * 1e-10
        shown = [
            (loc, label)
            for loc, label in zip(locs, labels, strict=True)
            if bottom - tolerance <= loc <= top + tolerance
        ]
        self.y_ticks.set_data([0] * len(shown), [loc for loc, _ in shown])
        texts = self._texts(self.y_labels, len(shown), self.y_place)
        for text, (loc, label) in zip(texts, shown, strict=True):
            text.set_position((0, loc))
            text.set_text(label)
        axes_box = self.ax.get_window_extent()
        self.y_offset.set_text(self.y_format.get_offset())
        self.y_offset.set_y(axes_box.y1 + OFFSET_PAD * dpi / 72)
        # The unit sits labelpad points left of the labels (of the axes if there are none).
        renderer = self.agg.get_renderer()
        left = min([axes_box.x0, *(text.get_window_extent(renderer).x0 for text in texts)])
        self.unit.set_x(left - rcParams["axes.labelpad"] * dpi / 72)
        self.unit.set_text(unit)


_CANVAS: list[_Canvas] = []
# One chart at a time per process. The canvas is shared, and so is matplotlib's rcParams, which
# the drawing changes for its duration (text hinting): a canvas per thread would still race on
# it. Under the GIL threads would not draw faster side by side anyway, and one canvas per process
# keeps memory flat however many threads a server runs. Processes (prefork, gunicorn workers)
# each have their own canvas and lock.
_DRAWING = threading.Lock()


def _new_lock_after_fork() -> None:
    # A child forked while another thread held the lock would otherwise wait on it forever.
    global _DRAWING
    _DRAWING = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def _canvas() -> _Canvas:
    if not _CANVAS:
        _CANVAS.append(_Canvas())
    return _CANVAS[0]


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


def _fill_steps(
    band: PolyCollection, edges: list[float], upper: list[float], lower: list[float]
) -> None:
    """The polygon ``fill_between(edges, upper, lower, step="post")`` makes, set on ``band``.

    As ``FillBetweenPolyCollection.set_data`` would, for data with no gaps, without its masked
    arrays, units and data limits (the limits are set for every chart).
    """
    x, y1, y2 = pts_to_poststep(edges, upper, lower)
    outline = np.empty((2 * len(x) + 2, 2))
    outline[0] = x[0], y2[0]
    outline[1 : len(x) + 1, 0], outline[1 : len(x) + 1, 1] = x, y1
    outline[len(x) + 1] = x[-1], y2[-1]
    outline[len(x) + 2 :, 0], outline[len(x) + 2 :, 1] = x[::-1], y2[::-1]
    band.set_verts([outline])


def _draw_data(
    canvas: _Canvas, points: Sequence[TrendPoint], direction: str
) -> tuple[float, float]:
    """Bands, benchmark and warning steps, the value line and its markers; the y limits."""
    ax = canvas.ax
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
    far_good = [top] * len(edges) if better_top else [bottom] * len(edges)
    far_bad = [bottom] * len(edges) if better_top else [top] * len(edges)
    _fill_steps(canvas.meets, edges, step_b, far_good)
    _fill_steps(canvas.watch, edges, step_w, step_b)
    _fill_steps(canvas.breach, edges, far_bad, step_w)
    canvas.benchmark.set_data(edges, step_b)
    canvas.warning.set_data(edges, step_w)
    canvas.line.set_data(xs, [math.nan if v is None else v for v in values])
    for status, marker_line in canvas.markers.items():
        marker_line.set_data(
            xs,
            [
                v if v is not None and p.status == status else math.nan
                for v, p in zip(values, points, strict=True)
            ],
        )
    ax.set_ylim(bottom, top)
    ax.set_xlim(-0.5, max(len(points), 1) - 0.5)
    return bottom, top


def trend_chart_pngs(
    trends: Sequence[tuple[Sequence[TrendPoint], str, str]], *, dpi: int = 100
) -> list[bytes]:
    """PNG line charts, one per ``(points, direction, unit_label)``: see ``trend_chart_png``.

    Charts of the same periods (a scorecard's) have the same month labels, in the same pixels:
    they are drawn on the first chart and copied onto the next ones (Agg's copy_from_bbox and
    restore_region), which is about a third of a chart's drawing. Safe from any thread: one
    call draws at a time per process.
    """
    with _DRAWING:
        return _draw_pngs(trends, dpi)


def _draw_pngs(trends: Sequence[tuple[Sequence[TrendPoint], str, str]], dpi: int) -> list[bytes]:
    canvas = _canvas()
    if canvas.fig.dpi != dpi:
        canvas.fig.set_dpi(dpi)  # before labels are measured
    pngs = []
    months_drawn: tuple[list[str], Any] | None = None
    # Text is most of the drawing: unhinted glyphs are laid out and rendered about a third
    # faster and look the same at these sizes. Labels are measured with the same setting.
    with rc_context({"text.hinting": "no_hinting"}):
        for points, direction, unit_label in trends:
            bottom, top = _draw_data(canvas, points, direction)
            canvas.label_y(bottom, top, unit_label, dpi)
            labels = [_month_label(p.period) for p in points]
            copy_months = months_drawn is not None and months_drawn[0] == labels
            canvas.label_months([] if copy_months else labels)
            canvas.agg.draw()
            if months_drawn is not None and copy_months:
                canvas.agg.restore_region(months_drawn[1])
            else:
                months_drawn = (labels, canvas.agg.copy_from_bbox(canvas.below_axes()))
            buffer = io.BytesIO()
            # As savefig does. Fast PNG compression: the PDF compresses the image again anyway.
            matplotlib.image.imsave(
                buffer,
                canvas.agg.buffer_rgba(),
                format="png",
                origin="upper",
                dpi=dpi,
                pil_kwargs={"compress_level": 1},
            )
            pngs.append(buffer.getvalue())
    return pngs


def trend_chart_png(
    points: Sequence[TrendPoint], *, direction: str, unit_label: str, dpi: int = 100
) -> bytes:
    """A PNG line chart of up to twelve periods with the benchmark and warning bands drawn."""
    return trend_chart_pngs([(points, direction, unit_label)], dpi=dpi)[0]
