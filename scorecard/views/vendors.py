"""Vendor pages: the list, one vendor's profile, contracts, trends, reports and scorecards."""

from __future__ import annotations

import functools
from collections import OrderedDict
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from scorecard import charts
from scorecard.models import Job, Scorecard, ScorecardKPI
from vendors import periods as bd
from vendors import policy
from vendors import selectors as vendor_selectors
from vendors.models import Report, Unit, Vendor
from vendors.selectors import contract_list

from . import reads
from .base import get_scoped, page, render_page, scoped

UNIT_LABEL: dict[str, str] = {
    Unit.PERCENT.value: "percent",
    Unit.DAYS.value: "days",
    Unit.HOURS.value: "hours",
    Unit.BUSINESS_DAYS.value: "business days",
}


@page()
def vendor_list(request: HttpRequest) -> HttpResponse:
    """The organization's vendors with their newest standing."""
    org = request.seat.organization  # type: ignore[attr-defined]
    board = reads.dashboard(org, timezone.localdate(), functools.partial(scoped, request))
    return render_page(request, "scorecard/vendor_list.html", {"board": board})


def _checklist(vendor: Vendor) -> list[tuple[str, bool, str]]:
    """Document 004's security checklist: (item, satisfied, detail)."""
    return [
        (
            "Business associate agreement signed",
            vendor.baa_signed_on is not None,
            f"signed {vendor.baa_signed_on:%Y-%m-%d}" if vendor.baa_signed_on else "missing",
        ),
        ("Encryption at rest", vendor.encryption_at_rest, ""),
        ("Encryption in transit", vendor.encryption_in_transit, ""),
        ("Multi-factor authentication enforced", vendor.mfa_enforced, ""),
        (
            "Breach notification protocol",
            vendor.breach_notification_protocol,
            f"within {vendor.breach_notification_hours} hours"
            if vendor.breach_notification_hours
            else "",
        ),
        (
            "Access audit logs kept",
            bool(vendor.audit_log_retention_days),
            f"{vendor.audit_log_retention_days} days" if vendor.audit_log_retention_days else "",
        ),
        (
            "Security risk assessment on file",
            vendor.last_security_risk_assessment_on is not None,
            f"last {vendor.last_security_risk_assessment_on:%Y-%m-%d}"
            if vendor.last_security_risk_assessment_on
            else "missing",
        ),
        ("Data returned or deleted on termination", vendor.data_return_on_termination, ""),
    ]


def _trend_rows(vendor: Vendor, periods: list[str]) -> dict[str, list[ScorecardKPI]]:
    """KPI rows of the vendor's current scorecards over the periods, by KPI code, oldest first."""
    rows: dict[str, list[ScorecardKPI]] = OrderedDict()
    for row in (
        ScorecardKPI.objects.filter(
            scorecard__vendor=vendor, scorecard__is_current=True, scorecard__period__in=periods
        )
        .select_related("scorecard")
        .order_by("display_order", "kpi_code", "scorecard__period")
    ):
        rows.setdefault(row.kpi_code, []).append(row)
    return rows


def _trend_end(request: HttpRequest, vendor: Vendor) -> str | None:
    """The last period of the trend: asked for (``?end=YYYY-MM``) or the vendor's newest."""
    asked = request.GET.get("end", "")
    if len(asked) == 7 and asked[4] == "-" and asked.replace("-", "").isdigit():
        return asked
    return (
        Scorecard.objects.filter(vendor=vendor, is_current=True)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


@page()
def vendor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile and compliance checklist, contracts and SLA terms, trends, reports, scorecards."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    contracts = list(contract_list(user=request.user).filter(vendor=vendor).order_by("-start_date"))
    end = _trend_end(request, vendor)
    periods = bd.periods_ending(end) if end else []
    trends = []
    for code, rows in _trend_rows(vendor, periods).items():
        last = rows[-1]
        trends.append(
            {
                "code": code,
                "name": last.kpi_name,
                "unit": last.unit,
                "rows": rows,
                "summary": ", ".join(
                    f"{r.scorecard.period} {r.value if r.value is not None else 'no value'}"
                    f" ({r.get_status_display()})"
                    for r in rows
                ),
            }
        )
    reports = list(
        vendor_selectors.with_submitter(Report.objects.filter(vendor=vendor))
        .prefetch_related("values", "findings")
        .order_by("-period", "-version")[:60]
    )
    scorecards = list(
        Scorecard.objects.filter(vendor=vendor)
        .select_related("acknowledgement")  # the vendor's answer (disputes app)
        .prefetch_related(
            "disputes__resolved_by",
            "resolved_disputes",
            Prefetch(
                "jobs",
                # Only the PDF this role receives: the one without money unless it sees money.
                queryset=Job.objects.filter(
                    variant=policy.pdf_variant(request.seat.role)  # type: ignore[attr-defined]
                ).order_by("-created_at"),
            ),
        )
        .order_by("-period", "-revision")[:36]
    )
    return render_page(
        request,
        "scorecard/vendor_detail.html",
        {
            "vendor": vendor,
            "checklist": _checklist(vendor),
            "contracts": contracts,
            "trends": trends,
            "trend_end": end,
            "reports": reports,
            "scorecards": scorecards,
            "rescoring": vendor_selectors.rescoring_reasons(vendor_id=vendor.pk),
        },
    )


@page()
def vendor_trend_png(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """A twelve-month trend chart of one KPI with its benchmark and warning bands (PNG)."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    end = _trend_end(request, vendor)
    if end is None:
        raise Http404("No scorecard yet.")
    periods = bd.periods_ending(end)
    rows = {r.scorecard.period: r for r in _trend_rows(vendor, periods).get(code, [])}
    if not rows:
        raise Http404("No such KPI in this vendor's scorecards.")
    known = next(iter(rows.values()))
    points = []
    for period in periods:
        row = rows.get(period)
        if row is not None:
            known = row
        points.append(
            charts.TrendPoint(
                period=period,
                value=None if row is None else row.value,
                benchmark=Decimal(known.benchmark),
                warning=Decimal(known.warning),
                status="not_reported" if row is None else row.status,
            )
        )
    png = charts.trend_chart_png(
        points,
        direction=known.direction,
        unit_label=UNIT_LABEL.get(known.unit, known.unit),
        dpi=200,
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
