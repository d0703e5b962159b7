"""Compare chosen vendors over a chosen range: KPIs, score, rates and the what-if fees."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from scorecard import page_selectors as reads
from vendors import periods as bd
from vendors.models import Vendor
from vendors.policy import Capability

from .base import PRACTICE, asked_range, page, render_page, scoped

COMPARE_MAX_MONTHS = 240
COMPARE_DEFAULT_MONTHS = 6  # the months compared when no start is asked


@page(PRACTICE)
def compare(request: HttpRequest) -> HttpResponse:
    """Side by side; fees, rates and what-ifs only for finance and administrators."""
    org = request.seat.organization  # type: ignore[attr-defined]
    all_vendors = list(scoped(request, Vendor.objects.all()).order_by("name"))
    chosen_ids = {int(v) for v in request.GET.getlist("vendor") if v.isdigit()}
    chosen = [v for v in all_vendors if v.pk in chosen_ids]
    start, end = asked_range(
        request,
        lambda: reads.latest_period(org) or bd.period_of(timezone.localdate()),
        COMPARE_DEFAULT_MONTHS,
        COMPARE_MAX_MONTHS,
    )
    periods = bd.periods_between(start, end, limit=COMPARE_MAX_MONTHS)
    rows, kpi_columns, options = reads.compare_vendors(chosen, periods) if chosen else ([], [], [])
    return render_page(
        request,
        "scorecard/compare.html",
        {
            "vendors": all_vendors,
            "chosen_ids": chosen_ids,
            "start": start,
            "end": end,
            "periods": periods,
            "rows": rows,
            "kpi_columns": kpi_columns,
            "options": options,
            "show_money": request.seat.may(Capability.SEE_MONEY),  # type: ignore[attr-defined]
        },
    )
