"""Compliance and finance pages, with their CSV and XLSX exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from scorecard import expiries, exports
from scorecard import page_selectors as reads
from vendors import periods as bd
from vendors import policy
from vendors.models import Vendor

from .base import COMPLIANCE, FINANCE, asked_period, page, render_page


def _end_period(request: HttpRequest, organization) -> str:  # type: ignore[no-untyped-def]
    """The last period shown: ``?end=YYYY-MM`` (else a 400 naming it), else the newest
    scorecard's, else this month."""
    return (
        asked_period(request, "end")
        or reads.latest_period(organization)
        or bd.period_of(timezone.localdate())
    )


def _newest_first(periods: list[str]) -> list[str]:
    """The months as the pages show them: newest first."""
    return list(reversed(periods))


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
) -> HttpResponse:
    # Money columns only for roles that see money, whichever export carries them.
    keep = policy.export_columns(header, request.seat.role)  # type: ignore[attr-defined]
    header = [header[i] for i in keep]
    rows = [[row[i] for i in keep] for row in rows]
    if fmt == "xlsx":
        body = exports.to_xlsx(name, header, rows)
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
    """SLA adherence by vendor over twelve months, breach history, BAA and assessment expiries."""
    org = request.seat.organization  # type: ignore[attr-defined]
    end = _end_period(request, org)
    periods = _newest_first(bd.periods_ending(end))
    return render_page(
        request,
        "scorecard/compliance.html",
        {
            "end": end,
            "periods": periods,
            "adherence": reads.adherence(org, periods),
            "breaches": list(reads.breach_history(org, periods)[:200]),
            "expiries": _expiries(org, timezone.localdate()),
        },
    )


@page(COMPLIANCE)
def compliance_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One compliance table as CSV or XLSX (text cells guarded against formula injection)."""
    org = request.seat.organization  # type: ignore[attr-defined]
    end = _end_period(request, org)
    periods = bd.periods_ending(end)
    if table == "adherence":
        header = ["vendor", "period", "kpis_meeting", "kpis_evaluated", "adherence_percent"]
        rows = [
            [row.vendor.name, period, meeting, evaluated, percent]
            for row in reads.adherence(org, periods)
            for period, meeting, evaluated, percent in row.cells
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
    """Fees and service credits by vendor and month."""
    org = request.seat.organization  # type: ignore[attr-defined]
    end = _end_period(request, org)
    periods = _newest_first(bd.periods_ending(end))
    rows = reads.finance_table(org, periods)
    return render_page(
        request, "scorecard/finance.html", {"end": end, "periods": periods, "rows": rows}
    )


@page(FINANCE)
def finance_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Fees and credits as CSV or XLSX, one row per vendor and month."""
    org = request.seat.organization  # type: ignore[attr-defined]
    end = _end_period(request, org)
    cards = reads.fees_by_month(org, bd.periods_ending(end))
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
    return _export(request, f"finance-{end}", fmt, header, rows)
