"""Which vendor and which period an upload may store (domain.md section 6): a vendor column never
switches the upload to another vendor, the same bytes are per vendor, period and sheet, and only
finished months under a contract are stored."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from tests.factories import ContractFactory
from tests.vendors.ingest_helpers import ingest, sample, vendor
from vendors.ingest.errors import FileRefused
from vendors.models import Report, ReportUpload

pytestmark = pytest.mark.django_db

NOV_15 = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)


def errors_of(v, content, name="report.csv", **kw):
    with pytest.raises(FileRefused) as caught:
        ingest(v, content, name, **kw)
    return [e.as_dict() for e in caught.value.errors]


def current(v):
    return {r.period: r.version for r in Report.objects.filter(vendor=v, is_current=True)}


def not_for(key, rows, v):
    return (
        f"the file names the vendor '{key}' ({rows}) but this upload is for {v.name} "
        f"({v.slug}); nothing is stored for another vendor. Send a file covering several vendors "
        "as a multi-vendor upload"
    )


# --- 1. One vendor per upload unless it is a multi-vendor upload ------------------------------
def test_a_vendor_column_naming_another_vendor_is_an_error_and_leaves_its_report_alone(org):
    nw = vendor(org, "northwind-billing")
    summit = vendor(org, "summit-rcm")
    ingest(summit, "period,denial_rate\n2026-10,5\n")
    content = "vendor,period,denial_rate\nsummit-rcm,2026-10,9\nsummit-rcm,2026-09,9\n"
    assert errors_of(nw, content) == [
        {
            "row": 2,
            "column": "vendor",
            "message": not_for("summit-rcm", "row 2 and 1 more row", nw),
        }
    ]
    assert current(summit) == {"2026-10": 1} and current(nw) == {}
    assert Report.objects.get(vendor=summit).values.get(field="denial_rate").value == 5


def test_a_multi_vendor_workbook_sent_for_one_vendor_replaces_nobody(org):
    nw = vendor(org, "northwind-billing")
    summit = vendor(org, "summit-rcm")
    harbor = vendor(org, "harbor-coding", "Harbor Coding Partners")
    for v in (nw, summit, harbor):
        ingest(v, "period,denial_rate\n2026-10,5\n")
    assert errors_of(nw, sample("network_2026-10.xlsx"), "network_2026-10.xlsx") == [
        {"row": 6, "column": "Vendor", "message": not_for("summit-rcm", "row 6", nw)},
        {"row": 7, "column": "Vendor", "message": not_for("harbor-coding", "row 7", nw)},
    ]
    assert [current(v) for v in (nw, summit, harbor)] == [{"2026-10": 1}] * 3
    # Sent as a multi-vendor upload, it is each vendor's new version.
    result = ingest(nw, sample("network_2026-10.xlsx"), "network.xlsx", multi_vendor=True)
    assert sorted(r.vendor.slug for r in result.reports) == [
        "harbor-coding",
        "northwind-billing",
        "summit-rcm",
    ]
    assert [current(v) for v in (nw, summit, harbor)] == [{"2026-10": 2}] * 3
    assert (result.upload.vendor, result.upload.multi_vendor) == (None, True)


def test_a_vendor_column_may_name_the_uploads_own_vendor_by_slug_or_name(org):
    harbor = vendor(org, "harbor-coding", "Harbor Coding Partners")
    content = (
        "vendor,period,denial_rate\nHarbor Coding Partners,2026-09,5\nharbor-coding,2026-10,6\n"
    )
    result = ingest(harbor, content)
    assert sorted(r.period for r in result.reports) == ["2026-09", "2026-10"]
    assert result.upload.vendor == harbor


def test_a_multi_vendor_upload_stores_only_the_organizations_vendors(org, other_org):
    vendor(org, "nw")
    vendor(other_org, "theirs")
    content = "vendor,period,denial_rate\nnw,2026-10,5\ntheirs,2026-10,6\nnobody,2026-10,7\n"
    assert errors_of(None, content, organization=org, multi_vendor=True) == [
        {
            "row": 3,
            "column": "vendor",
            "message": "'theirs' is not a vendor of Practice A (use its slug or name)",
        },
        {
            "row": 4,
            "column": "vendor",
            "message": "'nobody' is not a vendor of Practice A (use its slug or name)",
        },
    ]
    assert Report.objects.count() == 0


def test_a_name_that_could_be_two_vendors_is_an_error(org):
    vendor(org, "acme", "Acme Billing")
    vendor(org, "acme-billing", "Acme Two")
    content = "vendor,period,denial_rate\nAcme Billing,2026-10,5\n"
    assert errors_of(None, content, organization=org, multi_vendor=True) == [
        {
            "row": 2,
            "column": "vendor",
            "message": "'Acme Billing' could be any of the vendors acme, acme-billing; write "
            "the vendor's slug",
        }
    ]


def test_an_upload_without_a_vendor_must_say_multi_vendor(org):
    content = "vendor,period,denial_rate\nnw,2026-10,5\n"
    assert errors_of(None, content, organization=org) == [
        {
            "row": None,
            "column": "vendor",
            "message": "name the vendor this upload is for, or send the file as a multi-vendor "
            "upload (its vendor column then names each row's vendor)",
        }
    ]
    assert errors_of(
        None, "period,denial_rate\n2026-10,5\n", organization=org, multi_vendor=True
    ) == [
        {
            "row": None,
            "column": "vendor",
            "message": "the file has no vendor column; name the vendor this upload is for",
        }
    ]


def test_a_period_in_the_file_that_differs_from_the_declared_one_is_an_error(org):
    nw = vendor(org, "nw")
    content = "Period,denial_rate\n2026-10,5\n2026-09,6\n"
    assert errors_of(nw, content, period="2026-10") == [
        {
            "row": 3,
            "column": "Period",
            "message": "the period 2026-09 differs from the period given (2026-10)",
        }
    ]
    assert Report.objects.count() == 0


# --- 2. The same bytes are per organization, vendor, period and sheet --------------------------
def test_the_same_bytes_for_a_second_vendor_are_that_vendors_report(org):
    nw, summit = vendor(org, "nw"), vendor(org, "summit")
    content = "period,denial_rate\n2026-10,5\n"
    first = ingest(nw, content)
    second = ingest(summit, content)
    assert not second.duplicate
    assert [r.vendor for r in second.reports] == [summit]
    again = ingest(summit, content, "again.csv")
    assert again.duplicate and [r.pk for r in again.reports] == [second.report_ids[0]]
    assert (current(nw), current(summit)) == ({"2026-10": 1}, {"2026-10": 1})
    assert ReportUpload.objects.count() == 2 and first.upload.vendor == nw


def test_the_same_bytes_for_another_declared_period_are_that_periods_report(org):
    nw = vendor(org, "nw")
    content = "denial_rate\n5\n"
    ingest(nw, content, period="2026-09")
    ingest(nw, content, period="2026-10")
    assert current(nw) == {"2026-09": 1, "2026-10": 1}
    assert ingest(nw, content, period="10/2026").duplicate
    assert current(nw) == {"2026-09": 1, "2026-10": 1}


def test_a_file_with_its_own_period_is_already_received_whether_or_not_a_period_is_given(org):
    nw = vendor(org, "nw")
    content = "period,denial_rate\n2026-10,5\n"
    ingest(nw, content)
    assert ingest(nw, content, period="2026-10").duplicate
    assert ReportUpload.objects.get().period == "2026-10"
    assert current(nw) == {"2026-10": 1}


def test_the_same_workbook_for_another_sheet_is_that_sheets_report(org):
    from tests.vendors.test_ingest_files import xlsx_bytes

    nw = vendor(org, "nw")
    content = xlsx_bytes(
        [["period", "denial_rate"], ["2026-10", 5]],
        sheets={"September": [["period", "denial_rate"], ["2026-09", 6]]},
    )
    ingest(nw, content, "book.xlsx")
    assert not ingest(nw, content, "book.xlsx", sheet="September").duplicate
    assert ingest(nw, content, "book.xlsx", sheet="September").duplicate
    assert current(nw) == {"2026-09": 1, "2026-10": 1}


def test_the_upload_scope_is_a_unique_constraint(org):
    nw, summit = vendor(org, "nw"), vendor(org, "summit")
    first = ingest(nw, "period,denial_rate\n2026-10,5\n").upload
    fields = {
        "organization": org,
        "file_name": "copy.csv",
        "sha256": first.sha256,
        "size_bytes": 1,
        "source": "csv",
        "received_at": first.received_at,
        "period": "2026-10",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportUpload.objects.create(vendor=nw, **fields)
    ReportUpload.objects.create(vendor=summit, **fields)  # another vendor: allowed
    ReportUpload.objects.create(multi_vendor=True, **fields)  # a multi-vendor upload: once
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportUpload.objects.create(multi_vendor=True, **fields)


def test_deleting_a_vendor_still_works_and_keeps_its_uploads_as_received_files(org):
    nw, summit = vendor(org, "nw"), vendor(org, "summit")
    ingest(nw, "period,denial_rate\n2026-10,5\n")
    ingest(summit, "period,denial_rate\n2026-10,5\n")
    nw.delete()
    assert [r.vendor for r in Report.objects.all()] == [summit]
    assert sorted((u.vendor_id is None) for u in ReportUpload.objects.all()) == [False, True]
    summit.delete()  # the same bytes for both: their kept uploads do not collide
    assert Report.objects.count() == 0
    assert [(u.vendor, u.multi_vendor) for u in ReportUpload.objects.all()] == [(None, False)] * 2


# --- 3. Only finished months under a contract -------------------------------------------------
@time_machine.travel(NOV_15, tick=False)
def test_the_current_month_and_future_months_are_refused(org):
    nw = vendor(org, "nw")
    content = "period,denial_rate\n2026-10,5\n2026-11,5\n2027-01,5\n"
    assert errors_of(nw, content) == [
        {
            "row": 3,
            "column": "period",
            "message": "the period 2026-11 is the current month (today is 2026-11-15); a report "
            "is accepted once its month has ended",
        },
        {
            "row": 4,
            "column": "period",
            "message": "the period 2027-01 is in the future (today is 2026-11-15); a report is "
            "accepted once its month has ended",
        },
    ]
    assert [r.period for r in ingest(nw, "period,denial_rate\n2026-10,5\n").reports] == ["2026-10"]


@time_machine.travel(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), tick=False)
def test_whether_a_month_has_ended_is_read_in_the_configured_time_zone(org, settings):
    nw = vendor(org, "nw")
    content = "denial_rate\n5\n"
    assert errors_of(nw, content, period="2026-11")[0]["message"].startswith(
        "the period 2026-11 is the current month (today is 2026-11-30)"
    )
    settings.TIME_ZONE = "Pacific/Auckland"  # already 1 December there
    assert [r.period for r in ingest(nw, content, period="2026-11").reports] == ["2026-11"]


@time_machine.travel(NOV_15, tick=False)
def test_a_declared_period_that_has_not_ended_is_refused_too(org):
    nw = vendor(org, "nw")
    assert errors_of(nw, "denial_rate\n5\n", period="2026-11") == [
        {
            "row": 2,
            "column": "period",
            "message": "the period 2026-11 is the current month (today is 2026-11-15); a report "
            "is accepted once its month has ended",
        }
    ]


def test_a_period_no_contract_covers_is_refused(org):
    nw = vendor(org, "nw", contract=False)
    ContractFactory(vendor=nw, start_date=dt.date(2025, 3, 15), end_date=dt.date(2025, 6, 30))
    ContractFactory(vendor=nw, start_date=dt.date(2026, 1, 1))
    content = "period,denial_rate\n2025-02,5\n2025-03,5\n2025-07,5\n2025-12,5\n2026-01,5\n"
    runs = "its contracts run 2025-03-15 to 2025-06-30, 2026-01-01 to open-ended"
    message = "no contract of Nw covers the period {} (" + runs + "); nothing is stored for a "
    message += "month outside a contract"
    assert errors_of(nw, content) == [
        {"row": 2, "column": "period", "message": message.format("2025-02")},
        {"row": 4, "column": "period", "message": message.format("2025-07")},
        {"row": 5, "column": "period", "message": message.format("2025-12")},
    ]
    # 2025-03 is covered from its 15th on; 2026-01 from its first day.
    stored = ingest(nw, "period,denial_rate\n2025-03,5\n2026-01,5\n").reports
    assert sorted(r.period for r in stored) == ["2025-03", "2026-01"]


def test_a_vendor_without_a_contract_stores_nothing(org):
    nw = vendor(org, "nw", contract=False)
    assert errors_of(nw, "period,denial_rate\n2026-10,5\n") == [
        {
            "row": 2,
            "column": "period",
            "message": "no contract of Nw covers the period 2026-10 (it has no contract); "
            "nothing is stored for a month outside a contract",
        }
    ]


@time_machine.travel(NOV_15, tick=False)
def test_1200_months_from_1901_are_refused_with_the_first_200_errors(org):
    nw = vendor(org, "nw")
    months = [f"{1901 + i // 12}-{i % 12 + 1:02d}" for i in range(1200)]
    content = "period,denial_rate\n" + "".join(f"{m},5\n" for m in months)
    with pytest.raises(FileRefused) as caught:
        ingest(nw, content)
    refused = caught.value
    assert refused.error_count == 1200 and len(refused.errors) == 200
    assert refused.errors[0].as_dict() == {
        "row": 2,
        "column": "period",
        "message": "no contract of Nw covers the period 1901-01 (its contracts run 2025-01-01 "
        "to open-ended); nothing is stored for a month outside a contract",
    }
    assert refused.more_errors_text() == "and 1,000 more errors"
    assert Report.objects.count() == 0


def test_a_denial_breakdown_for_an_uncovered_period_is_refused(org):
    nw = vendor(org, "nw")
    content = (
        "period,payer,denial_reason,claims_denied,amount_denied\n2024-12,Medicare,CO-16,4,10\n"
    )
    assert errors_of(nw, content)[0]["message"].startswith(
        "no contract of Nw covers the period 2024-12"
    )


# --- The interfaces: API, command line, page ---------------------------------------------------
def post(client, **data):
    return client.post("/api/v1/reports/", data, format="multipart")


def test_the_api_takes_multi_vendor_and_refuses_a_switch_of_vendor(api, org):
    nw = vendor(org, "northwind-billing")
    vendor(org, "summit-rcm")
    vendor(org, "harbor-coding", "Harbor Coding Partners")
    book = sample("network_2026-10.xlsx")
    refused = post(api, vendor=nw.pk, file=SimpleUploadedFile("n.xlsx", book))
    assert refused.status_code == 400
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [
        (6, "Vendor"),
        (7, "Vendor"),
    ]
    stored = post(api, multi_vendor="true", file=SimpleUploadedFile("n.xlsx", book))
    assert stored.status_code == 201, stored.json()
    assert sorted(r["vendor_slug"] for r in stored.json()["reports"]) == [
        "harbor-coding",
        "northwind-billing",
        "summit-rcm",
    ]


def test_the_api_asks_for_a_vendor_unless_multi_vendor(api, org):
    response = post(api, file=SimpleUploadedFile("r.csv", b"period,denial_rate\n2026-10,5\n"))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "row": None,
                "column": "vendor",
                "message": "Name the vendor this upload is for, or set multi_vendor for a file "
                "whose vendor column names each row's vendor.",
            }
        ]
    }


def test_the_api_multi_vendor_upload_needs_the_organization_when_there_are_several(org, other_org):
    from tests.conftest import client_for
    from tests.factories import member

    user = member(org, "admin", user__username="both")
    member(other_org, "admin", user=user)
    vendor(other_org, "theirs")
    client = client_for(user)
    content = b"vendor,period,denial_rate\ntheirs,2026-10,5\n"
    ambiguous = post(client, multi_vendor="true", file=SimpleUploadedFile("r.csv", content))
    assert ambiguous.status_code == 400
    # refused in the upload's own shape (errors by row and column), as the schema says
    assert ambiguous.json() == {
        "errors": [
            {
                "row": None,
                "column": "organization",
                "message": "You belong to several organizations; name one (its slug).",
            }
        ]
    }
    unknown = post(
        client, multi_vendor="true", organization="nope", file=SimpleUploadedFile("r.csv", content)
    )
    assert (unknown.status_code, unknown.json()) == (
        400,
        {
            "errors": [
                {"row": None, "column": "organization", "message": "Unknown organization 'nope'."}
            ]
        },
    )
    named = post(
        client,
        multi_vendor="true",
        organization="practice-b",
        file=SimpleUploadedFile("r.csv", content),
    )
    assert named.status_code == 201 and Report.objects.get().organization == other_org


def test_the_command_needs_multi_vendor_for_a_file_of_several_vendors(org, capsys):
    from tests.vendors.ingest_helpers import SAMPLES

    for slug in ("northwind-billing", "summit-rcm", "harbor-coding"):
        vendor(org, slug)
    path = str(SAMPLES / "network_2026-10.xlsx")
    with pytest.raises(CommandError, match="Give --vendor SLUG"):
        call_command("import_report", path, "--organization", "practice-a")
    with pytest.raises(CommandError, match=r"^2 error\(s\) in network_2026-10.xlsx.$"):
        call_command("import_report", path, "--vendor", "northwind-billing")
    assert "Row 6, column Vendor: the file names the vendor 'summit-rcm'" in capsys.readouterr().err
    call_command("import_report", path, "--organization", "practice-a", "--multi-vendor")
    assert Report.objects.count() == 3


def test_the_upload_page_has_a_multi_vendor_box(org, admin_user, client):
    vendor(org, "northwind-billing")
    vendor(org, "summit-rcm")
    vendor(org, "harbor-coding", "Harbor Coding Partners")
    client.force_login(admin_user)
    book = sample("network_2026-10.xlsx")
    missing = client.post("/upload/", {"file": SimpleUploadedFile("n.xlsx", book)})
    assert missing.status_code == 400
    assert "Choose the vendor this file is for, or tick Covers several vendors." in (
        missing.content.decode()
    )
    preview = client.post(
        "/upload/", {"multi_vendor": "on", "file": SimpleUploadedFile("n.xlsx", book)}
    )
    assert preview.status_code == 200
    token = preview.context["token"]
    assert [r.vendor.slug for r in preview.context["preview"].rows] == [
        "northwind-billing",
        "summit-rcm",
        "harbor-coding",
    ]
    stored = client.post("/upload/confirm/", {"token": token})
    assert stored.status_code == 302 and Report.objects.count() == 3


# --- The uploads received before scopes ------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_backfill_gives_earlier_uploads_the_scope_their_reports_show():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("vendors", "0011_scope_upload_scope")]
    after = [("vendors", "0012_scope_upload_scope_backfill")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        org = old.get_model("vendors", "Organization").objects.create(name="P", slug="p")
        make_vendor = old.get_model("vendors", "Vendor").objects.create
        nw, summit = (make_vendor(organization=org, name=s, slug=s) for s in ("nw", "summit"))
        at = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
        make_upload = old.get_model("vendors", "ReportUpload").objects.create
        single, network, quarter = (
            make_upload(
                organization=org,
                file=f"reports/{n}.csv",
                file_name=f"{n}.csv",
                sha256=n * 64,
                size_bytes=1,
                source="csv",
                received_at=at,
            )
            for n in "abc"
        )
        make_report = old.get_model("vendors", "Report").objects.create
        for upload, v, period in [
            (single, nw, "2026-10"),
            (network, nw, "2026-10"),
            (network, summit, "2026-10"),
            (quarter, summit, "2026-08"),
            (quarter, summit, "2026-09"),
        ]:
            make_report(
                organization=org,
                vendor=v,
                period=period,
                version=Report.objects.filter(vendor_id=v.pk, period=period).count() + 1,
                is_current=False,
                upload=upload,
                received_at=at,
            )
        MigrationExecutor(connection).migrate(after)
        scopes = {
            u.file_name: (u.vendor_id, u.multi_vendor, u.period, u.sheet)
            for u in ReportUpload.objects.all()
        }
        assert scopes == {
            "a.csv": (nw.pk, False, "2026-10", ""),
            "b.csv": (None, True, "2026-10", ""),
            "c.csv": (summit.pk, False, "", ""),
        }
    finally:
        MigrationExecutor(connection).migrate(leaves)
