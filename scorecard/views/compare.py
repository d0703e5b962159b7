"""Compare chosen vendors over a chosen range: KPIs, score, rates and the what-if fees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from scorecard import pricing
from scorecard.models import Scorecard, Status
from scorecard.services.evaluation import pricing_terms
from vendors import periods as bd
from vendors.models import Contract, Vendor
from vendors.policy import Capability

from . import reads
from .base import PRACTICE, page, render_page, scoped

VOLUME_FIELDS = ("payments", "claims_submitted")


@dataclass
class KPICompare:
    """One KPI of one vendor over the range."""

    name: str
    unit: str
    average: Decimal | None
    latest_status: str
    counts: dict[str, int]


@dataclass
class VendorCompare:
    """One vendor over the range: KPIs, score, fees and volumes."""

    vendor: Vendor
    periods: list[str] = field(default_factory=list)
    kpis: dict[str, KPICompare] = field(default_factory=dict)
    score: Decimal | None = None
    fee: Decimal | None = None
    payments: Decimal | None = None
    claims: Decimal | None = None
    effective_rate: Decimal | None = None
    cost_per_claim: Decimal | None = None
    what_if: list[pricing.WhatIf | None] = field(default_factory=list)
    currency: str = "USD"


def _volumes(card: Scorecard) -> dict[str, Decimal | None]:
    """The period's payments and claims, as frozen in the scorecard snapshot by evaluation."""
    snap = card.snapshot or {}
    return {
        name: Decimal(str(snap[name])) if snap.get(name) not in (None, "") else None
        for name in VOLUME_FIELDS
    }


def _valid(period: str) -> bool:
    return len(period) == 7 and period[4] == "-" and period.replace("-", "").isdigit()


def _sum(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def compare_vendors(
    vendors: list[Vendor], periods: list[str]
) -> tuple[list[VendorCompare], list[tuple[str, str]], list[tuple[Vendor, Contract]]]:
    """Each vendor's figures over the periods and its volumes priced under every vendor's terms."""
    cards = list(
        Scorecard.objects.filter(vendor__in=vendors, is_current=True, period__in=periods)
        .select_related("contract")
        .prefetch_related("kpis")
        .order_by("period")
    )
    # The pricing alternatives: each chosen vendor's newest contract version in the range.
    options: list[tuple[Vendor, Contract]] = []
    for vendor in vendors:
        contract = (
            Contract.objects.filter(vendor=vendor).order_by("-start_date", "-version").first()
        )
        if contract is not None:
            options.append((vendor, contract))
    columns: dict[str, tuple[int, str]] = {}
    out = []
    for vendor in vendors:
        mine = [c for c in cards if c.vendor_id == vendor.pk]
        row = VendorCompare(vendor=vendor, periods=[c.period for c in mine])
        values: dict[str, list[Decimal]] = defaultdict(list)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        latest: dict[str, tuple[str, str, str]] = {}
        for card in mine:
            row.currency = card.currency
            for k in card.kpis.all():
                columns.setdefault(k.kpi_code, (k.display_order, k.kpi_name))
                if k.value is not None and k.status in (Status.MEETS, Status.WATCH, Status.BREACH):
                    values[k.kpi_code].append(k.value)
                counts[k.kpi_code][k.status] += 1
                latest[k.kpi_code] = (k.kpi_name, k.unit, k.status)
        for code, (name, unit, status) in latest.items():
            got = values.get(code, [])
            row.kpis[code] = KPICompare(
                name=name,
                unit=unit,
                average=sum(got, Decimal(0)) / len(got) if got else None,
                latest_status=status,
                counts=dict(counts[code]),
            )
        scores = [c.overall_score for c in mine if c.overall_score is not None]
        row.score = sum(scores, Decimal(0)) / len(scores) if scores else None
        row.fee = _sum([c.fee for c in mine])
        period_volumes = [_volumes(c) for c in mine]
        row.payments = _sum([v.get("payments") for v in period_volumes])
        row.claims = _sum([v.get("claims_submitted") for v in period_volumes])
        row.effective_rate = pricing.effective_rate(row.fee, row.payments)
        row.cost_per_claim = pricing.cost_per_claim(row.fee, row.claims)
        for _, contract in options:
            terms = pricing_terms(contract)
            fees = [
                pricing.what_if(
                    terms,
                    payments=v.get("payments"),
                    claims_submitted=v.get("claims_submitted"),
                ).fee
                for v in period_volumes
            ]
            if not period_volumes or any(f is None for f in fees):
                row.what_if.append(None)  # a volume the model needs is missing in some month
                continue
            total = sum((f for f in fees if f is not None), Decimal(0))
            row.what_if.append(
                pricing.WhatIf(
                    terms=terms,
                    fee=total,
                    effective_rate=pricing.effective_rate(total, row.payments),
                    cost_per_claim=pricing.cost_per_claim(total, row.claims),
                )
            )
        out.append(row)
    kpi_columns = [
        (code, name) for code, (_, name) in sorted(columns.items(), key=lambda c: (c[1][0], c[0]))
    ]
    return out, kpi_columns, options


@page(PRACTICE)
def compare(request: HttpRequest) -> HttpResponse:
    """Side by side; fees, rates and what-ifs only for finance and administrators."""
    org = request.seat.organization  # type: ignore[attr-defined]
    all_vendors = list(scoped(request, Vendor.objects.all()).order_by("name"))
    chosen_ids = {int(v) for v in request.GET.getlist("vendor") if v.isdigit()}
    chosen = [v for v in all_vendors if v.pk in chosen_ids]
    last = reads.latest_period(org) or bd.period_of(timezone.localdate())
    end = request.GET.get("end", "")
    start = request.GET.get("start", "")
    end = end if _valid(end) else last
    start = start if _valid(start) else bd.shift_period(end, -5)
    periods = bd.periods_between(start, end, limit=240)
    rows, kpi_columns, options = compare_vendors(chosen, periods) if chosen else ([], [], [])
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
