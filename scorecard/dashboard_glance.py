"""The dashboard at a glance: each KPI's change against last month and its sparkline, from the
vendor's newest ``SPARK_MONTHS`` current scorecards (one query, bounded rows per vendor)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from scorecard.models import Scorecard, ScorecardKPI
from vendors import periods as bd

SPARK_MONTHS = 6  # months a sparkline draws (the early warning's window)
SPARK_WIDTH, SPARK_HEIGHT = 60, 18
UNIT_WORDS = {"percent": ("pt", "pts"), "days": ("day", "days"), "hours": ("hour", "hours")}
UNIT_WORDS["business_days"] = ("business day", "business days")


@dataclass(frozen=True)
class Trend:
    """One KPI of one vendor: its values over the newest months and the change against the
    month before the newest."""

    points: tuple[tuple[str, Decimal], ...]  # (period, value), oldest first
    change: Decimal | None  # newest minus the month before, None without both
    previous_period: str
    unit: str

    @property
    def change_text(self) -> str:
        """``up 2.1 pts from October``, ``down 1 day from May``, ``unchanged from May``."""
        if self.change is None:
            return ""
        month = calendar.month_name[int(self.previous_period[5:])]
        if self.change == 0:
            return f"unchanged from {month}"
        size = abs(self.change).quantize(Decimal("0.01")).normalize()
        one, many = UNIT_WORDS.get(self.unit, ("", ""))
        word = one if size == 1 else many
        amount = f"{size:f} {word}".strip()
        return f"{'up' if self.change > 0 else 'down'} {amount} from {month}"

    @property
    def polyline(self) -> str:
        """The sparkline's points in a ``SPARK_WIDTH`` x ``SPARK_HEIGHT`` box (months placed
        by calendar distance, values scaled to the box; a flat line mid-height)."""
        if len(self.points) < 2:
            return ""
        first, last = self.points[0][0], self.points[-1][0]
        span = max(bd.months_apart(first, last), 1)
        values = [v for _, v in self.points]
        low, high = min(values), max(values)
        out = []
        for period, value in self.points:
            x = Decimal(SPARK_WIDTH) * bd.months_apart(first, period) / span
            y = (
                Decimal(SPARK_HEIGHT) / 2
                if high == low
                else Decimal(SPARK_HEIGHT - 2) * (high - value) / (high - low) + 1
            )
            out.append(f"{x.quantize(Decimal('0.1'))},{y.quantize(Decimal('0.1'))}")
        return " ".join(out)


def trends(newest: dict[int, Scorecard]) -> dict[int, dict[str, Trend]]:
    """Per vendor and KPI code, the trend over the vendor's newest ``SPARK_MONTHS`` current
    scorecards up to its newest one (one query)."""
    if not newest:
        return {}
    rank = Window(RowNumber(), partition_by=F("vendor_id"), order_by=F("period").desc())
    ranked = (
        Scorecard.objects.filter(vendor_id__in=list(newest), is_current=True)
        .annotate(rank=rank)
        .filter(rank__lte=SPARK_MONTHS)
        .values("id")
    )
    rows = (
        ScorecardKPI.objects.filter(scorecard_id__in=ranked, value__isnull=False)
        .values_list("scorecard__vendor_id", "scorecard__period", "kpi_code", "value", "unit")
        .order_by("scorecard__vendor_id", "kpi_code", "scorecard__period")
    )
    series: dict[tuple[int, str], list[tuple[str, Decimal]]] = defaultdict(list)
    units: dict[tuple[int, str], str] = {}
    for vendor_id, period, code, value, unit in rows:
        series[(vendor_id, code)].append((period, value))  # type: ignore[arg-type]  # value__isnull=False
        units[(vendor_id, code)] = unit
    out: dict[int, dict[str, Trend]] = defaultdict(dict)
    for (vendor_id, code), points in series.items():
        newest_period = newest[vendor_id].period
        previous = bd.shift_period(newest_period, -1)
        values = dict(points)
        change = (
            values[newest_period] - values[previous]
            if newest_period in values and previous in values
            else None
        )
        out[vendor_id][code] = Trend(tuple(points), change, previous, units[(vendor_id, code)])
    return dict(out)


def trend_of(trends_by_vendor: dict[int, dict[str, Trend]], vendor_id: int, code: str) -> Any:
    """The template's lookup: a vendor's KPI trend, or None."""
    return trends_by_vendor.get(vendor_id, {}).get(code)
