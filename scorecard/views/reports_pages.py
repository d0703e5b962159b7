"""Compliance and finance pages, with their CSV and XLSX exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from scorecard import expiries, exports
from scorecard import page_selectors as reads
from scorecard import selectors_money as money
from vendors import periods as bd
from vendors import policy
from vendors.models import Vendor

from .base import COMPLIANCE, FINANCE, asked_range, page, render_page


def _last_period(organization) -> str:  # type: ignore[no-untyped-def]
    """The last period shown when no ``?end=`` is asked: the newest scorecard's, else this
    month."""
    return reads.latest_period(organization) or bd.period_of(timezone.localdate())


# The XLSX exports' number formats by column (the CSV carries the plain figures).
XLSX_FORMATS = {
    "fee": exports.MONEY_FORMAT,
    "credit": exports.MONEY_FORMAT,
    "net": exports.MONEY_FORMAT,
    "cost_per_claim": exports.MONEY_FORMAT,
    "effective_rate_percent": exports.PERCENT_FORMAT,
    "adherence_percent": exports.PERCENT_FORMAT,
    "kpis_meeting": exports.COUNT_FORMAT,
    "kpis_evaluated": exports.COUNT_FORMAT,
}
RANGE_MONTHS = 12  # the months shown when no start is asked
MAX_RANGE_MONTHS = 36  # the longest range a person may ask for


def _asked_range(request: HttpRequest, organization) -> tuple[str, str, list[str]]:  # type: ignore[no-untyped-def]
    """``?start=`` and ``?end=`` (YYYY-MM; start defaults to twelve months ending with end) and
    the months between, newest first; a malformed, reversed or too long range is a 400 naming
    the field."""
    start, end = asked_range(
        request, lambda: _last_period(organization), RANGE_MONTHS, MAX_RANGE_MONTHS
    )
    return start, end, list(reversed(bd.periods_between(start, end)))


def _expiries(organization, today: dt.date) -> list[expiries.Expiry]:  # type: ignore[no-untyped-def]
    """BAA and security-assessment expiries of every vendor, soonest first."""
    vendors = Vendor.objects.filter(organization=organization).order_by("name")
    return expiries.soonest_first([e for v in vendors for e in expiries.vendor_expiries(v, today)])


def _export(
    request: HttpRequest,
    name: str,
    fmt: str,
    header: Sequence[str],
    rows: list[list],  # type: ignore[type-arg]
    footer: Sequence[Sequence[exports.Cell]] = (),
) -> HttpResponse:
    # Money columns only for roles that see money, whichever export carries them.
    keep = policy.export_columns(header, request.seat.role)  # type: ignore[attr-defined]
    header = [header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    if fmt == "xlsx":
        body = exports.to_xlsx(
            name,
            header,
            rows,
            formats=XLSX_FORMATS,
            footer=[[row[i] for i in keep] for row in footer],
        )
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body = exports.to_csv(header, rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise Http404("Unknown export format.")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@page(COMPLIANCE)
def compliance(request: HttpRequest) -> HttpResponse:
    """SLA adherence by vendor (newest month first, coloured by the month's worst status),
    breach history, BAA and assessment expiries."""
    org = request.seat.organization  # type: ignore[attr-defined]
    start, end, periods = _asked_range(request, org)
    return render_page(
        request,
        "scorecard/compliance.html",
        {
            "start": start,
            "end": end,
            "periods": periods,
            "adherence": money.heat_map(org, periods),
            "breaches": list(reads.breach_history(org, periods)[:200]),
            "expiries": _expiries(org, timezone.localdate()),
            "legend": money.WORST_FIRST,
        },
    )


@page(COMPLIANCE)
def compliance_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One compliance table as CSV or XLSX (text cells guarded against formula injection)."""
    org = request.seat.organization  # type: ignore[attr-defined]
    _, end, periods = _asked_range(request, org)
    periods = list(reversed(periods))
    if table == "adherence":
        header = [
            "vendor",
            "period",
            "kpis_meeting",
            "kpis_evaluated",
            "adherence_percent",
            "worst_status",
        ]
        rows = [
            [row.vendor.name, c.period, c.meeting, c.evaluated, c.percent, c.worst or ""]
            for row in money.heat_map(org, periods)
            for c in row.cells
        ]
    elif table == "breaches":
        header = ["vendor", "period", "kpi", "value", "benchmark", "warning", "unit"]
        rows = [
            [
                k.scorecard.vendor.name,
                k.scorecard.period,
                k.kpi_code,
                k.value,
                k.benchmark,
                k.warning,
                k.unit,
            ]
            for k in reads.breach_history(org, periods)
        ]
    elif table == "expiries":
        header = ["vendor", "item", "due", "days_left", "state"]
        rows = [
            [e.vendor.name, e.what, e.due, e.days, e.state]  # type: ignore[list-item]
            for e in _expiries(org, timezone.localdate())
        ]
    else:
        raise Http404("Unknown table.")
    return _export(request, f"compliance-{table}-{end}", fmt, header, rows)


@page(FINANCE)
def finance(request: HttpRequest) -> HttpResponse:
    """Fees and service credits by vendor and month (newest first), this month's cards, the
    totals and the fees-and-credits chart."""
    org = request.seat.organization  # type: ignore[attr-defined]
    start, end, periods = _asked_range(request, org)
    rows = reads.finance_table(org, periods)
    totals = money.currency_totals(rows, periods)
    return render_page(
        request,
        "scorecard/finance.html",
        {
            "start": start,
            "end": end,
            "periods": periods,
            "rows": rows,
            "totals": totals,
            "charts": [money.fees_chart(t) for t in totals],
        },
    )


@page(FINANCE)
def finance_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Fees and credits as CSV or XLSX, one row per vendor and month."""
    org = request.seat.organization  # type: ignore[attr-defined]
    _, end, periods = _asked_range(request, org)
    table = reads.finance_table(org, periods)
    cards = [cell for row in table for cell in row.cells.values()]  # by vendor, oldest first
    header = [
        "vendor",
        "period",
        "currency",
        "fee",
        "credit",
        "net",
        "effective_rate_percent",
        "cost_per_claim",
    ]
    rows = [
        [
            c["vendor__name"],
            c["period"],
            c["currency"],
            c["fee"],
            c["credit"],
            (c["fee"] - (c["credit"] or 0)) if c["fee"] is not None else None,
            c["effective_rate"],
            c["cost_per_claim"],
        ]
        for c in cards
    ]
    span = f"{periods[-1]} to {periods[0]}"
    # XLSX only: one totals row per currency (the CSV stays one row per vendor and month).
    footer = (
        [
            ["Total", span, t.currency, t.fee, t.credit, t.net, None, None]
            for t in money.currency_totals(table, periods)
        ]
        if fmt == "xlsx"
        else []
    )
    return _export(request, f"finance-{end}", fmt, header, rows, footer)
