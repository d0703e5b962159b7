"""Helpers for scorecard tests: report rows received on time, with every KPI meeting by default."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.factories import make_report
from vendors import periods as bd
from vendors.models import Report, Vendor

MEETING = {
    "first_pass_acceptance_rate": Decimal("96"),
    "denial_rate": Decimal("7"),
    "days_in_ar": Decimal("35"),
    "net_collection_rate": Decimal("97"),
    "coding_turnaround_hours": Decimal("40"),
    "resubmission_turnaround_business_days": Decimal("1.5"),
    "claims_submitted": 1000,
    "payments": Decimal("100000"),
}


def on_time(period: str) -> dt.datetime:
    """Noon UTC on the 3rd of the month after the period (always before the 10th business day)."""
    start = bd.period_start(bd.next_period(period))
    return dt.datetime(start.year, start.month, 3, 12, tzinfo=dt.UTC)


def report(
    vendor: Vendor,
    period: str,
    received_at: dt.datetime | None = None,
    drop: tuple[str, ...] = (),
    **overrides: Any,
) -> Report:
    """A stored report for ``period``: every KPI meets unless overridden or dropped."""
    values: dict[str, Any] = {**MEETING, **overrides}
    for name in drop:
        values.pop(name)
    return make_report(vendor, period, values, received_at=received_at or on_time(period))


def after_due(period: str) -> dt.date:
    """The 20th of the month after ``period``: past its report's due day (business day 10), and
    before the next period's, so an evaluation on that day measures months up to ``period``."""
    start = bd.period_start(bd.next_period(period))
    return dt.date(start.year, start.month, 20)
