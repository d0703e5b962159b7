"""The demo's twelve months of reports: loaded through ingestion, idempotent, telling the story."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from vendors import demo
from vendors.models import Report, ReportUpload, ReportValue

pytestmark = pytest.mark.django_db


def status(value: D, benchmark: int, warning: int, higher: bool) -> str:
    """The status words of domain.md section 3 (only to read the story back here)."""
    if higher:
        return "meets" if value >= benchmark else "watch" if value >= warning else "breach"
    return "meets" if value <= benchmark else "watch" if value <= warning else "breach"


def series(slug: str, field: str) -> dict[str, ReportValue]:
    return {
        rv.report.period: rv
        for rv in ReportValue.objects.filter(
            report__vendor__slug=slug, report__is_current=True, field=field
        ).select_related("report")
    }


def test_demo_reports_tell_the_story_and_load_once():
    org = demo.demo_setup()
    # 35 monthly reports (harbor's 2026-05 is never sent) + summit's 2026-10 breakdown version
    assert demo.demo_reports(org) == 36
    assert demo.demo_reports(org) == 0  # byte-identical files: nothing new
    assert Report.objects.filter(is_current=True).count() == 35
    assert ReportUpload.objects.count() == 36
    periods = sorted(set(Report.objects.values_list("period", flat=True)))
    assert periods == demo.DEMO_PERIODS and periods[0] == "2025-11" and periods[-1] == "2026-10"

    # northwind-billing deteriorates, on recomputed values.
    fpar = series("northwind-billing", "first_pass_acceptance_rate")
    assert all(
        v.recomputed_value is not None and v.value == v.recomputed_value for v in fpar.values()
    )
    story = {p: status(v.value, 95, 90, True) for p, v in fpar.items()}
    assert [story[p] for p in demo.DEMO_PERIODS] == ["meets"] * 6 + ["watch"] * 2 + ["breach"] * 4
    denial = series("northwind-billing", "denial_rate")
    assert [status(denial[p].value, 8, 12, False) for p in demo.DEMO_PERIODS[-6:]] == [
        "watch",
        "watch",
        "watch",
        "watch",
        "breach",
        "breach",
    ]
    july = Report.objects.get(vendor__slug="northwind-billing", period="2026-07", is_current=True)
    finding = july.findings.get(code="discrepancy", field="first_pass_acceptance_rate")
    assert finding.stated == D("91.2") and status(finding.expected, 95, 90, True) == "breach"
    for p in ("2025-11", "2026-01", "2026-10"):
        report = Report.objects.get(vendor__slug="northwind-billing", period=p, is_current=True)
        assert not report.findings.exclude(code="discrepancy").exists()

    # summit-rcm recovers; never reports coding turnaround; 2026-06 arrives late.
    dar = series("summit-rcm", "days_in_ar")
    assert [status(dar[p].value, 40, 55, False) for p in demo.DEMO_PERIODS] == [
        "meets",
        "breach",
        "breach",
        "breach",
        "watch",
        "meets",
        "meets",
        "meets",
        "meets",
        "meets",
        "meets",
        "meets",
    ]
    assert not ReportValue.objects.filter(
        report__vendor__slug="summit-rcm", field="coding_turnaround_hours"
    ).exists()
    june = Report.objects.get(vendor__slug="summit-rcm", period="2026-06")
    assert june.received_at == dt.datetime(2026, 7, 22, 15, 30, tzinfo=dt.UTC)
    october = Report.objects.get(vendor__slug="summit-rcm", period="2026-10", is_current=True)
    assert october.version == 2 and october.denials.count() == 6
    denied = october.values.get(field="claims_denied").value
    assert sum(d.claims_denied for d in october.denials.all()) == denied == 120
    assert not october.findings.exists()

    # harbor-coding: steady, but twelve claims in 2026-03.
    harbor_fpar = series("harbor-coding", "first_pass_acceptance_rate")
    march = harbor_fpar.pop("2026-03")
    assert (march.insufficient_data, march.value, march.volume) == (True, None, D(12))
    assert series("harbor-coding", "denial_rate")["2026-03"].insufficient_data
    assert all(status(v.value, 95, 90, True) == "meets" for v in harbor_fpar.values())
    assert harbor_fpar["2026-09"].stated_value == D("97.79")  # 0.9779 in a percent cell
    assert (
        Report.objects.get(vendor__slug="harbor-coding", period="2026-09").upload.source == "xlsx"
    )

    # Every report arrived between the 5th and 8th business day, except summit's late June.
    for report in Report.objects.exclude(vendor__slug="summit-rcm", period="2026-06"):
        day = report.received_at.date()
        assert day.weekday() < 5 and 5 <= day.day <= 14, (report, day)
