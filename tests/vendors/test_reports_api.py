"""The reports API (upload, list, retrieve), the column-aliases API, the import_report command."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import client_for
from tests.factories import member
from tests.vendors.ingest_helpers import SAMPLES, ingest, sample, vendor
from vendors.models import ColumnAlias, Report, ReportUpload, Role

pytestmark = pytest.mark.django_db


def upload(client, v, name, content, **extra):
    data = {"vendor": v.pk, "file": SimpleUploadedFile(name, content), **extra}
    return client.post("/api/v1/reports/", data, format="multipart")


def test_upload_creates_reports_and_answers_values_and_findings(api, org, admin_user):
    nw = vendor(org, "northwind-billing")
    response = upload(api, nw, "nw_2026-09.csv", sample("northwind-billing_2026-09_wide.csv"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["duplicate"] is False
    [report] = body["reports"]
    assert (report["vendor"], report["vendor_slug"], report["period"], report["version"]) == (
        nw.pk,
        "northwind-billing",
        "2026-09",
        1,
    )
    assert report["is_current"] is True and report["file_name"] == "nw_2026-09.csv"
    assert len(report["sha256"]) == 64 and report["findings"] == []
    fpar = next(v for v in report["values"] if v["field"] == "first_pass_acceptance_rate")
    assert fpar == {
        "field": "first_pass_acceptance_rate",
        "kpi": "first_pass_acceptance_rate",
        "stated_value": "93.830000",
        "recomputed_value": "93.832907",
        "value": "93.832907",
        "insufficient_data": False,
        "volume": "4297.000000",
    }
    stored = Report.objects.get(pk=report["id"])
    assert stored.upload.uploaded_by == admin_user
    assert stored.values.get(field="payments").value == D("776100")
    # A byte-identical upload changes nothing and says so.
    again = upload(api, nw, "copy.csv", sample("northwind-billing_2026-09_wide.csv"))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert "nothing changed" in again.json()["message"]
    assert Report.objects.count() == 1 and ReportUpload.objects.count() == 1


def test_upload_with_period_field_and_discrepancy_finding(api, org):
    nw = vendor(org, "nw")
    content = (
        b"first_pass_acceptance_rate,claims_submitted,claims_accepted_first_pass\n97,4000,3800\n"
    )
    response = upload(api, nw, "r.csv", content, period="Oct 2026")
    assert response.status_code == 201, response.json()
    [report] = response.json()["reports"]
    assert report["period"] == "2026-10"
    [finding] = report["findings"]
    assert (finding["code"], finding["field"], finding["stated"], finding["expected"]) == (
        "discrepancy",
        "first_pass_acceptance_rate",
        "97.000000",
        "95.000000",
    )


def test_refused_upload_is_a_400_with_every_error(api, org):
    nw = vendor(org, "nw")
    response = upload(api, nw, "bad_report.csv", sample("bad_report.csv"))
    assert response.status_code == 400
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (2, "first_pass_acceptance_rate"),
        (3, "period"),
        (4, "denial_rate"),
        (5, "days_in_ar"),
        (5, "claims_accepted_first_pass"),  # an impossible number is an error, not a finding
    ]
    assert body["errors"][0]["message"] == "'ninety' is not a number"
    assert body["errors"][4]["message"] == (
        "claims_accepted_first_pass (4100) is above claims_submitted (4000): a count cannot "
        "exceed the total it is part of"
    )
    assert Report.objects.count() == 0 and ReportUpload.objects.count() == 0


def test_missing_fields_and_unknown_vendor_use_the_same_error_shape(api, org, other_org):
    response = api.post("/api/v1/reports/", {}, format="multipart")
    assert response.status_code == 400
    assert {e["column"] for e in response.json()["errors"]} == {"vendor", "file"}
    theirs = vendor(other_org, "theirs")
    response = upload(api, theirs, "r.csv", b"period,denial_rate\n2026-10,5\n")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"row": None, "column": "vendor", "message": f"No vendor with id {theirs.pk}."}]
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 201), (Role.FINANCE, 201), (Role.COMPLIANCE, 201), (Role.VIEWER, 403)],
)
def test_who_may_upload(org, role, status):
    nw = vendor(org, "nw")
    client = client_for(member(org, role))
    response = upload(client, nw, "r.csv", b"period,denial_rate\n2026-10,5\n")
    assert response.status_code == status
    assert Report.objects.count() == (1 if status == 201 else 0)


def test_list_filters_and_retrieve_with_versions(api, org):
    nw = vendor(org, "nw")
    summit = vendor(org, "summit")
    first = ingest(nw, "period,denial_rate\n2026-09,5\n2026-10,6\n").reports
    second = ingest(nw, "period,denial_rate\n2026-10,6.5\n").reports[0]
    ingest(summit, "period,denial_rate\n2026-10,4\n")
    listed = api.get("/api/v1/reports/", {"vendor": nw.pk}).json()
    assert [(r["period"], r["version"], r["is_current"]) for r in listed["results"]] == [
        ("2026-10", 2, True),
        ("2026-10", 1, False),
        ("2026-09", 1, True),
    ]
    current = api.get(
        "/api/v1/reports/", {"vendor": nw.pk, "period": "2026-10", "is_current": "true"}
    )
    assert [r["id"] for r in current.json()["results"]] == [second.pk]
    old = api.get(f"/api/v1/reports/{first[1].pk}/").json()
    assert old["superseded_at"] is not None and old["values"][0]["value"] == "6.000000"
    assert api.get("/api/v1/reports/", {"period": "2026-10"}).json()["count"] == 3


def test_another_organizations_report_is_404(api, org, other_org):
    theirs = vendor(other_org, "theirs")
    report = ingest(theirs, "period,denial_rate\n2026-10,5\n").reports[0]
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert api.get("/api/v1/reports/").json()["count"] == 0


def test_list_query_count_does_not_grow_with_rows(api, org, django_assert_num_queries):
    nw = vendor(org, "nw")
    ingest(nw, sample("northwind-billing_2026-q3_long.csv"))
    # token, count, page, then one prefetch each of values, their KPIs, findings and denials
    with django_assert_num_queries(7):
        assert api.get("/api/v1/reports/").json()["count"] == 3
    summit = vendor(org, "summit-rcm")
    ingest(summit, sample("summit-rcm_2026-10_messy.csv"))
    ingest(summit, sample("summit-rcm_2026-10_denials.csv"))
    ingest(nw, sample("northwind-billing_2026-09_wide.csv"))
    with django_assert_num_queries(7):
        assert api.get("/api/v1/reports/").json()["count"] == 6


# --- Column aliases --------------------------------------------------------------------------
def test_column_alias_api(api, org, other_org):
    nw = vendor(org, "nw")
    created = api.post(
        "/api/v1/column-aliases/",
        {
            "vendor": nw.pk,
            "header": "FP %",
            "target": "first_pass_acceptance_rate",
            "scale": "fraction",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["normalized"] == "fp"
    bad = api.post(
        "/api/v1/column-aliases/",
        {"vendor": nw.pk, "header": "fp", "target": "nonsense"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "header": ["This vendor already has an alias written like 'fp'."],
        "target": ["'nonsense' is neither a KPI code of the catalog nor a raw count."],
    }
    alias = ColumnAlias.objects.get()
    changed = api.patch(f"/api/v1/column-aliases/{alias.pk}/", {"scale": "percent"}, format="json")
    assert changed.status_code == 200 and ColumnAlias.objects.get().scale == "percent"
    [report] = ingest(nw, "period,FP %\n2026-10,95.5\n").reports
    assert report.values.get().value == D("95.5")
    theirs = vendor(other_org, "theirs")
    other = api.post(
        "/api/v1/column-aliases/",
        {"vendor": theirs.pk, "header": "x", "target": "denial_rate"},
        format="json",
    )
    assert other.status_code == 400  # another organization's vendor does not exist for us
    assert api.delete(f"/api/v1/column-aliases/{alias.pk}/").status_code == 204
    viewer = client_for(member(org, Role.VIEWER))
    assert viewer.get("/api/v1/column-aliases/").status_code == 200
    assert (
        viewer.post(
            "/api/v1/column-aliases/",
            {"vendor": nw.pk, "header": "y", "target": "denial_rate"},
            format="json",
        ).status_code
        == 403
    )


# --- Command line ----------------------------------------------------------------------------
def test_import_report_command_success_and_summary(org, capsys):
    vendor(org, "northwind-billing")
    call_command(
        "import_report",
        str(SAMPLES / "northwind-billing_2026-q3_long.csv"),
        "--vendor",
        "northwind-billing",
    )
    out = capsys.readouterr().out
    assert "stored 3 report(s) for northwind-billing (2026-07 to 2026-09)" in out
    assert (
        "northwind-billing 2026-07 version 1: 19 values, 0 finding(s), 0 with insufficient data"
        in out
    )


def test_import_report_command_counts_values_findings_and_insufficient_data_per_report(
    org, capsys, tmp_path, django_assert_max_num_queries
):
    vendor(org, "northwind-billing")
    path = tmp_path / "q3.csv"
    path.write_text(
        "period,denial_rate,claims_submitted,claims_denied\n"
        "2026-07,6.5,4000,260\n"
        "2026-08,6.5,0,0\n"  # no claims: the denial rate is insufficient data
        "2026-09,6.5,100,30\n"  # 30 % denied, stated 6.5 %: a discrepancy
    )
    # Queries do not grow with the reports listed (one for all their counts).
    with django_assert_max_num_queries(40):
        call_command("import_report", str(path), "--vendor", "northwind-billing")
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()[1:]]
    assert lines == [
        "northwind-billing 2026-07 version 1: 3 values, 0 finding(s), 0 with insufficient data",
        "northwind-billing 2026-08 version 1: 3 values, 0 finding(s), 1 with insufficient data",
        "northwind-billing 2026-09 version 1: 3 values, 1 finding(s), 0 with insufficient data",
    ]


def test_import_report_command_lists_every_error_and_fails(org, capsys):
    vendor(org, "northwind-billing")
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_report", str(SAMPLES / "bad_report.csv"), "--vendor", "northwind-billing"
        )
    assert str(exc.value) == "5 error(s) in bad_report.csv."
    err = capsys.readouterr().err
    assert "Row 2, column first_pass_acceptance_rate: 'ninety' is not a number" in err
    assert "Row 3, column period: '2026-13' is not a period: there is no month 13" in err
    assert "Row 4, column denial_rate: 107 % is not a percentage between 0 and 100" in err
    assert "Row 5, column days_in_ar: -4 is negative; a number of days cannot be negative" in err
    assert (
        "Row 5, column claims_accepted_first_pass: claims_accepted_first_pass (4100) is above "
        "claims_submitted (4000): a count cannot exceed the total it is part of" in err
    )
    assert Report.objects.count() == 0


def test_import_report_command_network_file_and_period(org, other_org, capsys, tmp_path):
    for slug in ("northwind-billing", "summit-rcm", "harbor-coding"):
        vendor(org, slug)
    call_command(
        "import_report",
        str(SAMPLES / "network_2026-10.xlsx"),
        "--organization",
        "practice-a",
        "--multi-vendor",
    )
    assert Report.objects.filter(period="2026-10").count() == 3
    vendor(other_org, "summit-rcm")
    path = tmp_path / "no_period.csv"
    path.write_text("denial_rate\n4.5\n")
    with pytest.raises(CommandError, match="several organizations; pass --organization"):
        call_command("import_report", str(path), "--vendor", "summit-rcm", "--period", "2026-11")
    call_command(
        "import_report",
        str(path),
        "--vendor",
        "summit-rcm",
        "--organization",
        "practice-b",
        "--period",
        "2026-11",
    )
    assert Report.objects.get(organization=other_org).period == "2026-11"
