"""Every shared sample file (/work/shared/samples) gives its expected outcome, values exact."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.vendors.ingest_helpers import ingest, sample, values_of, vendor
from vendors.ingest.errors import FileRefused
from vendors.models import DenialBreakdown, Report, ReportFinding, ReportUpload, ReportValue

pytestmark = pytest.mark.django_db


def test_wide_csv_stores_stated_and_recomputed_values(org):
    nw = vendor(org, "northwind-billing")
    result = ingest(nw, sample("northwind-billing_2026-09_wide.csv"), "nw.csv")
    [report] = result.reports
    assert (report.period, report.version, report.is_current) == ("2026-09", 1, True)
    got = values_of(report)
    # KPIs: stated beside recomputed; the recomputed one is evaluated (six decimals stored).
    assert got["first_pass_acceptance_rate"] == (D("93.83"), D("93.832907"), D("93.832907"), False)
    assert got["denial_rate"] == (D("8.63"), D("8.633931"), D("8.633931"), False)
    assert got["days_in_ar"] == (D("34.9"), D("34.899480"), D("34.899480"), False)
    assert got["net_collection_rate"] == (D("94.38"), D("94.381613"), D("94.381613"), False)
    assert got["coding_turnaround_hours"] == (D("44.5"), None, D("44.5"), False)
    assert got["resubmission_turnaround_business_days"] == (D("2.4"), None, D("2.4"), False)
    assert got["aged_ar_over_90_rate"] == (None, D("15"), D("15"), False)
    assert got["claims_submitted"] == (D("4297"), None, D("4297"), False)
    assert got["ar_over_120"] == (D("104909"), None, D("104909"), False)
    assert len(got) == 7 + 12
    assert ReportValue.objects.get(report=report, field="first_pass_acceptance_rate").volume == 4297
    assert list(report.findings.all()) == []


def test_long_csv_stores_three_periods(org):
    nw = vendor(org, "northwind-billing")
    result = ingest(nw, sample("northwind-billing_2026-q3_long.csv"), "q3.csv")
    assert [(r.period, r.version) for r in result.reports] == [
        ("2026-07", 1),
        ("2026-08", 1),
        ("2026-09", 1),
    ]
    july, august, september = (values_of(r) for r in result.reports)
    assert july["first_pass_acceptance_rate"] == (D("96.1"), D("96.104513"), D("96.104513"), False)
    assert july["days_in_ar"] == (D("32.2"), D("32.168885"), D("32.168885"), False)
    assert august["denial_rate"] == (D("7.25"), D("7.247037"), D("7.247037"), False)
    assert august["net_collection_rate"] == (D("95.29"), D("95.288964"), D("95.288964"), False)
    assert september["first_pass_acceptance_rate"][2] == D("93.832907")
    assert all(len(v) == 19 for v in (july, august, september))


def test_messy_semicolon_bom_crlf_csv_with_symbols(org):
    summit = vendor(org, "summit-rcm")
    [report] = ingest(summit, sample("summit-rcm_2026-10_messy.csv"), "messy.csv").reports
    assert report.period == "2026-10"
    assert {f: v[2] for f, v in values_of(report).items()} == {
        "first_pass_acceptance_rate": D("96.4"),
        "denial_rate": D("5.1"),
        "days_in_ar": D("33.9"),
        "net_collection_rate": D("97.2"),
        "coding_turnaround_hours": D("22"),
        "resubmission_turnaround_business_days": D("1"),
        "payments": D("1204330.15"),
    }


def test_network_xlsx_with_title_rows_and_vendor_column(org):
    nw = vendor(org, "northwind-billing")
    summit = vendor(org, "summit-rcm")
    harbor = vendor(org, "harbor-coding", "Harbor Coding Partners")
    result = ingest(nw, sample("network_2026-10.xlsx"), "network_2026-10.xlsx", multi_vendor=True)
    stored = {r.vendor_id: {f: v[2] for f, v in values_of(r).items()} for r in result.reports}
    assert {r.period for r in result.reports} == {"2026-10"}
    assert stored[nw.pk] == {
        "first_pass_acceptance_rate": D("93.8"),
        "denial_rate": D("8.9"),
        "days_in_ar": D("41.2"),
        "net_collection_rate": D("95.6"),
        "coding_turnaround_hours": D("40"),
        "resubmission_turnaround_business_days": D("2"),
    }
    assert stored[summit.pk]["first_pass_acceptance_rate"] == D("96.4")
    assert stored[harbor.pk] == {
        "first_pass_acceptance_rate": D("88.7"),
        "denial_rate": D("13.4"),
        "days_in_ar": D("58"),
        "net_collection_rate": D("88.1"),
        "coding_turnaround_hours": D("80"),
        "resubmission_turnaround_business_days": D("6"),
    }
    assert ReportUpload.objects.get().source == "xlsx"


def test_denial_breakdown_attaches_to_the_period_and_checks_its_sum(org):
    summit = vendor(org, "summit-rcm")
    # The period's KPI report states 120 denied claims; the breakdown lines add up to 120.
    ingest(summit, "period,denial_rate,claims_submitted,claims_denied\n2026-10,5.1,2353,120\n")
    result = ingest(summit, sample("summit-rcm_2026-10_denials.csv"), "denials.csv")
    [report] = result.reports
    assert (report.version, report.is_current) == (2, True)
    lines = list(
        report.denials.values_list("payer", "denial_reason", "claims_denied", "amount_denied")
    )
    assert lines[0] == ("Medicare", "CO-16", 41, D("9180.50"))
    assert sum(line[2] for line in lines) == 120 and len(lines) == 6
    # The breakdown-only file carries the period's values forward into the new version.
    assert values_of(report)["claims_denied"][2] == D("120")
    assert values_of(report)["denial_rate"][1] == D("5.099873")
    assert not report.findings.filter(code="breakdown_sum").exists()
    # A re-sent KPI file keeps the breakdown and now disagrees with it: a finding, not a refusal.
    again = ingest(summit, "period,claims_submitted,claims_denied\n2026-10,2353,125\n").reports[0]
    assert again.version == 3 and again.denials.count() == 6
    finding = again.findings.get(code="breakdown_sum")
    assert (finding.stated, finding.expected) == (D("125"), D("120"))


def test_bad_report_is_refused_with_every_error_and_stores_nothing(org, settings):
    nw = vendor(org, "northwind-billing")
    with pytest.raises(FileRefused) as refused:
        ingest(nw, sample("bad_report.csv"), "bad_report.csv")
    assert [e.as_dict() for e in refused.value.errors] == [
        {
            "row": 2,
            "column": "first_pass_acceptance_rate",
            "message": "'ninety' is not a number",
        },
        {
            "row": 3,
            "column": "period",
            "message": "'2026-13' is not a period: there is no month 13",
        },
        {
            "row": 4,
            "column": "denial_rate",
            "message": "107 % is not a percentage between 0 and 100",
        },
        {
            "row": 5,
            "column": "days_in_ar",
            "message": "-4 is negative; a number of days cannot be negative",
        },
        # Accepted 4100 > submitted 4000 is an impossible number (domain.md section 2): an
        # error like the others, not a finding.
        {
            "row": 5,
            "column": "claims_accepted_first_pass",
            "message": "claims_accepted_first_pass (4100) is above claims_submitted (4000): a "
            "count cannot exceed the total it is part of",
        },
    ]
    # What would also be flagged: the stated rates against the recomputed ones (no finding
    # repeats the count above its denominator).
    assert [(f.row, f.column) for f in refused.value.findings] == [
        (4, "first_pass_acceptance_rate"),
        (5, "first_pass_acceptance_rate"),
    ]
    assert (Report.objects.count(), ReportUpload.objects.count(), ReportValue.objects.count()) == (
        0,
        0,
        0,
    )
    assert ReportFinding.objects.count() == 0 and DenialBreakdown.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
