"""The denial-work page of one vendor-month (domain.md section 7) and its two charts (PNG).

Reads are in ``worklogs.selectors`` (two queries whatever the history); the vendor is read
through ``get_scoped``, so a vendor user sees its own vendor's page only and any other is a 404.
The values shown are the vendor's own log: denied and recovered amounts are claim values, not
the vendor's fee, so every reader sees them (as the remittance denials page shows charges).
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse

from scorecard.views.base import get_scoped, page, render_page
from vendors.models import Vendor
from worklogs import charts, selectors

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _vendor(request: HttpRequest, pk: int, period: str) -> Vendor:
    if not _PERIOD.match(period):
        raise Http404("Periods are written YYYY-MM.")
    return get_scoped(request, Vendor.objects.all(), pk=pk)


@page()
def denial_work(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """SLA adherence over twelve months, queue ageing, backlog, overdue list, yields."""
    vendor = _vendor(request, pk, period)
    data = selectors.denial_work_page(vendor, period)
    m = data.measures
    context = {"vendor": vendor, "period": period, "data": data, "measures": m}
    if m is not None:
        context |= {
            "headline": selectors.milestone_lines(m),
            "ageing": selectors.ageing_rows(m),
            "backlog": selectors.backlog_rows(m),
            "backlog_total": len(m.backlog_by_payer or []),
            "overdue": selectors.overdue_rows(m),
            "overdue_total": m.overdue_count,
            "overdue_value": selectors.money_text(m.overdue_value_cents),
            "top_decile_share": selectors.rate_text(m.overdue_top_decile_share),
            "recovery_yield": selectors.rate_text(m.recovery_yield_rate),
            "overturn": selectors.rate_text(m.overturn_rate),
            "denied": selectors.money_text(m.denied_cents),
            "recovered": selectors.money_text(m.recovered_cents),
            "rework": selectors.rate_text(m.rework_rate),
            "first_touch_median": selectors.days_text(m.first_touch_median_days),
            "first_touch_p90": selectors.days_text(m.first_touch_p90_days),
            "claim_match": selectors.claim_match_lines(m),
        }
    context["trend_rows"] = [
        {
            "period": p.period,
            "rates": [selectors.rate_text(p.rates[name]) for name, _, _ in selectors.SLA_RATES],
        }
        for p in data.trend
    ]
    context["rate_labels"] = [label for _, label, _ in selectors.SLA_RATES]
    return render_page(request, "worklogs/denial_work.html", context)


@page()
def denial_work_sla_png(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The twelve-month SLA adherence chart (PNG)."""
    vendor = _vendor(request, pk, period)
    png = charts.sla_trend_png(selectors.sla_trend(vendor.pk, period))
    return HttpResponse(png, content_type="image/png")


@page()
def denial_work_ageing_png(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The queue ageing chart by reason (PNG)."""
    vendor = _vendor(request, pk, period)
    m = selectors.current_measures(vendor.pk, period)
    rows = [] if m is None else selectors.ageing_rows(m)
    return HttpResponse(charts.ageing_png(rows), content_type="image/png")
