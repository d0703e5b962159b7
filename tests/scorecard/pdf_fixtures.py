"""A vendor with twelve months of scorecards, shared by the PDF and job tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from scorecard.models import RemediationItem
from tests.factories import ContractFactory, VendorFactory, make_scorecard
from vendors.models import KPIDefinition, Organization
from vendors.periods import periods_ending

PERIOD = "2026-10"
# Last period: one KPI in each of meets / watch / breach, one insufficient data, one not reported.
LAST = {
    "first_pass_acceptance_rate": ("93.8", "watch"),
    "denial_rate": ("13.4", "breach"),
    "days_in_ar": ("38.2", "meets"),
    "net_collection_rate": ("96.1", "meets"),
    "coding_turnaround_hours": (None, "insufficient_data"),
    "resubmission_turnaround_business_days": (None, "not_reported"),
}
FINDING = "Stated first-pass rate 96.0 differs from recomputed 93.8 by 2.2 points."


def trend_values(month_index: int) -> dict[str, tuple[str | None, str]]:
    """Values of an earlier month (index 0 = eleven months back): a slow deterioration."""
    return {
        "first_pass_acceptance_rate": (str(97 - month_index * 0.25), "meets"),
        "denial_rate": (str(6 + month_index * 0.5), "meets" if month_index < 5 else "watch"),
        "days_in_ar": (str(42 - month_index * 0.4), "watch" if month_index < 5 else "meets"),
        "net_collection_rate": (str(95.5 + (month_index % 3) * 0.3), "meets"),
        "coding_turnaround_hours": (str(40 + month_index), "meets"),
        "resubmission_turnaround_business_days": ("1.5", "meets"),
    }


def build_vendor_history(org: Organization, *, name: str = "Northwind Billing") -> Any:
    """Twelve monthly scorecards ending in PERIOD, with a finding and a remediation item."""
    vendor = VendorFactory(organization=org, name=name)
    contract = ContractFactory(vendor=vendor, monthly_minimum=Decimal("20000.00"))
    periods = periods_ending(PERIOD, 12)
    for index, period in enumerate(periods[:-1]):
        make_scorecard(contract, period, trend_values(index), fee="20500.00")
    RemediationItem.objects.create(
        organization=org,
        contract=contract,
        vendor=vendor,
        kpi=KPIDefinition.objects.get(code="denial_rate"),
        kind="breach",
        opened_period=PERIOD,
        cure_deadline=dt.date(2026, 12, 30),
    )
    return make_scorecard(
        contract,
        PERIOD,
        LAST,
        overall_score="71.4",
        standing="Needs improvement",
        fee="21345.50",
        credit="426.91",
        stated={"first_pass_acceptance_rate": "96.0"},
        snapshot={
            "findings": [
                {"code": "discrepancy", "field": "first_pass_acceptance_rate", "message": FINDING}
            ]
        },
    )
