"""The quickstart demo, evaluated: every status, an open remediation, an escalation, a verified
closure and raised termination rights over twelve months (2025-11 to 2026-10)."""

from __future__ import annotations

import datetime as dt

import pytest

from scorecard.models import RemediationItem, Scorecard, ScorecardKPI, TerminationRight
from scorecard.selectors import scorecard_payload
from scorecard.services.evaluation import evaluate
from vendors import demo

pytestmark = pytest.mark.django_db


def events(item: RemediationItem) -> list[tuple[str, str]]:
    return [(e.to_status, e.period) for e in item.events.order_by("id")]


def test_demo_story(mailoutbox):
    org = demo.demo_setup()
    demo.demo_reports(org)
    summary = evaluate(today=dt.date(2026, 11, 23))
    assert summary.issued == 36  # 3 vendors x 12 months, harbor's unsent 2026-05 included
    assert evaluate(today=dt.date(2026, 11, 23)).issued == 0  # a second run changes nothing
    # The contracts end with the demo's twelve months: later days measure nothing more.
    assert evaluate(today=dt.date(2027, 6, 1)).issued == 0

    current = ScorecardKPI.objects.filter(scorecard__is_current=True)
    assert set(current.values_list("status", flat=True)) == {
        "meets",
        "watch",
        "breach",
        "insufficient_data",
        "not_reported",
    }

    # northwind-billing deteriorates: watch May-Jun (review), breach from July, escalation,
    # termination right after three consecutive breaches.
    nw = RemediationItem.objects.filter(vendor__slug="northwind-billing")
    review = nw.get(kind="root_cause_review", kpi__code="first_pass_acceptance_rate")
    assert events(review) == [("open", "2026-06")]
    fp = nw.get(kind="breach", kpi__code="first_pass_acceptance_rate")
    assert (fp.opened_period, fp.cure_deadline) == ("2026-07", dt.date(2026, 9, 29))
    assert events(fp) == [("open", "2026-07"), ("escalated", "2026-09")]
    assert nw.filter(kind="breach", status="open").exists()  # an open remediation
    assert TerminationRight.objects.get(vendor__slug="northwind-billing").periods == [
        "2026-07",
        "2026-08",
        "2026-09",
    ]
    statuses = dict(
        ScorecardKPI.objects.filter(
            scorecard__vendor__slug="northwind-billing",
            scorecard__is_current=True,
            kpi_code="first_pass_acceptance_rate",
        ).values_list("scorecard__period", "status")
    )
    assert [statuses[p] for p in ("2026-04", "2026-05", "2026-06", "2026-07", "2026-10")] == [
        "meets",
        "watch",
        "watch",
        "breach",
        "breach",
    ]

    # summit-rcm recovers: days in A/R breach Dec-Feb, watch in March, meets from April.
    ar = RemediationItem.objects.get(vendor__slug="summit-rcm", kpi__code="days_in_ar")
    assert events(ar) == [
        ("open", "2025-12"),
        ("escalated", "2026-03"),
        ("verifying", "2026-04"),
        ("closed", "2026-05"),
    ]
    assert (ar.status, ar.verified) == ("closed", True)
    summit = Scorecard.objects.filter(vendor__slug="summit-rcm", is_current=True)
    assert list(summit.filter(report_late=True).values_list("period", flat=True)) == ["2026-06"]
    assert set(
        ScorecardKPI.objects.filter(
            scorecard__in=summit, kpi_code="coding_turnaround_hours"
        ).values_list("status", flat=True)
    ) == {"not_reported"}

    # harbor-coding is steady except March 2026 with too few claims, and May 2026, whose report
    # never came: measured anyway, every KPI not reported, labelled missing.
    harbor = ScorecardKPI.objects.filter(
        scorecard__vendor__slug="harbor-coding", scorecard__is_current=True
    ).exclude(status="meets")
    assert sorted(harbor.values_list("scorecard__period", "kpi_code", "status")) == [
        ("2026-03", "denial_rate", "insufficient_data"),
        ("2026-03", "first_pass_acceptance_rate", "insufficient_data"),
        ("2026-05", "coding_turnaround_hours", "not_reported"),
        ("2026-05", "days_in_ar", "not_reported"),
        ("2026-05", "denial_rate", "not_reported"),
        ("2026-05", "first_pass_acceptance_rate", "not_reported"),
        ("2026-05", "net_collection_rate", "not_reported"),
        ("2026-05", "resubmission_turnaround_business_days", "not_reported"),
    ]
    may = Scorecard.objects.get(vendor__slug="harbor-coding", period="2026-05")
    assert (may.report_id, may.report_late, may.report_due_date) == (
        None,
        True,
        dt.date(2026, 6, 12),
    )
    assert scorecard_payload(may)["report_status"] == "missing"
    assert {m.subject.split(":")[0] for m in mailoutbox} >= {
        "SLA breach",
        "Remediation escalated",
        "Termination right raised",
    }
