"""Reads the PDF needs: one scorecard with its relations, and its KPIs' twelve-month history.

(To be moved into scorecard/selectors.py once that module lands.)
"""

from __future__ import annotations

from scorecard.charts import TrendPoint
from scorecard.models import Scorecard, ScorecardKPI
from scorecard.pdf.document import previous_periods


def scorecard_for_pdf(scorecard_id: int) -> Scorecard:
    """A scorecard revision with everything its document shows loaded once."""
    return (
        Scorecard.objects.select_related("organization", "vendor", "contract", "report")
        .prefetch_related("kpis")
        .get(pk=scorecard_id)
    )


def kpi_history(*, scorecard: Scorecard, months: int = 12) -> dict[str, list[TrendPoint]]:
    """Each KPI's value, benchmark, warning and status over the ``months`` periods ending with
    the scorecard's own, from the current scorecards of the same vendor (this revision for its
    own period), keyed by KPI code, oldest first, from the first period found."""
    periods = previous_periods(scorecard.period, months)
    earlier = periods[:-1]
    rows = list(
        ScorecardKPI.objects.filter(
            scorecard__organization_id=scorecard.organization_id,
            scorecard__vendor_id=scorecard.vendor_id,
            scorecard__is_current=True,
            scorecard__period__in=earlier,
        )
        .values_list("scorecard__period", "kpi_code", "value", "benchmark", "warning", "status")
        .order_by("scorecard__period")
    )
    rows += [
        (scorecard.period, k.kpi_code, k.value, k.benchmark, k.warning, k.status)
        for k in scorecard.kpis.all()
    ]
    by_code: dict[str, dict[str, TrendPoint]] = {}
    for period, code, value, benchmark, warning, status in rows:
        by_code.setdefault(code, {})[period] = TrendPoint(period, value, benchmark, warning, status)
    out: dict[str, list[TrendPoint]] = {}
    for code, found in by_code.items():
        # A month without a scorecard stays on the axis as a gap, drawn with the last thresholds.
        first = min(found)
        points: list[TrendPoint] = []
        for period in periods:
            if period < first:
                continue
            point = found.get(period)
            if point is None:
                last = points[-1]
                point = TrendPoint(period, None, last.benchmark, last.warning, "not_reported")
            points.append(point)
        out[code] = points
    return out
