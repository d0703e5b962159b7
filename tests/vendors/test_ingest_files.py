"""Reading files: refusals with clear messages, XLSX safety, scales, versions and the queue hook."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest
from celery import shared_task
from django.db import connection

from tests.vendors.ingest_helpers import ingest, sample, values_of, vendor
from vendors.ingest.errors import FileRefused
from vendors.models import ColumnAlias, PendingRescore, Report, ReportUpload, SLATerm
from vendors.services.aliases import column_alias_create

pytestmark = pytest.mark.django_db

WIDE = "period,first_pass_acceptance_rate,denial_rate\n2026-10,96.5,6.1\n"


def refusal(v, content, name="report.csv", **kw):
    """The errors of a refused file, as the API shows them."""
    allow_reports = kw.pop("allow_reports", False)
    with pytest.raises(FileRefused) as refused:
        ingest(v, content, name, **kw)
    assert Report.objects.count() == 0 or allow_reports
    return [e.as_dict() for e in refused.value.errors]


def one(message, row=None, column=None):
    return [{"row": row, "column": column, "message": message}]


def xlsx_bytes(rows, *, title=None, formats=None, sheets=None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (formats: {(row, col): number_format})."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title or "Report"
    for r in rows:
        sheet.append(r)
    for (r, c), fmt in (formats or {}).items():
        sheet.cell(row=r, column=c).number_format = fmt
    for name, extra in (sheets or {}).items():
        other = book.create_sheet(name)
        for r in extra:
            other.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replace_part(content: bytes, name: str, data: bytes, extra: dict | None = None) -> bytes:
    """The workbook with one part replaced (and extra parts added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = data if item.filename == name else src.read(item.filename)
            dst.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        for extra_name, body in (extra or {}).items():
            dst.writestr(extra_name, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


# --- Refusals before and during parsing ------------------------------------------------------
def test_empty_file(org):
    nw = vendor(org, "nw")
    assert refusal(nw, b"") == one("The file is empty.")
    assert refusal(nw, b"\r\n  \n") == one("The file is empty.")


def test_binary_junk(org):
    junk = bytes(range(256)) * 8
    assert refusal(vendor(org, "nw"), junk) == one(
        "This is not a CSV or XLSX file: it holds binary data."
    )


def test_undecodable_text_names_its_row(org):
    content = b"period,denial_rate\n2026-10,5\n2026-11,6 \xe9\n"
    assert refusal(vendor(org, "nw"), content) == one(
        "the text is not UTF-8 (byte 0xe9); save the file as 'CSV UTF-8' and send again", row=3
    )


def test_utf16_and_old_excel_and_fake_xlsx(org):
    nw = vendor(org, "nw")
    assert refusal(nw, WIDE.encode("utf-16")) == one(
        "The file is UTF-16 text; save it as 'CSV UTF-8' and send again."
    )
    assert refusal(nw, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls") == one(
        "This is an old Excel (.xls) workbook; save it as .xlsx or as CSV UTF-8 and send again."
    )
    assert refusal(nw, WIDE, "report.xlsx") == one(
        "The file is named .xlsx but is not an Excel workbook (it may be damaged)."
    )


def test_size_limit_is_checked_before_parsing(org, settings):
    settings.REPORT_MAX_UPLOAD_BYTES = 40
    assert refusal(vendor(org, "nw"), WIDE + "2026-11,ninety,x\n") == one(
        "The file is 80 bytes; the limit is 40 bytes."
    )


def test_row_limit(org, settings):
    settings.REPORT_MAX_ROWS = 2
    rows = "".join(f"2026-0{m},96,6\n" for m in range(1, 6))
    assert refusal(vendor(org, "nw"), "period,denial_rate,days_in_ar\n" + rows) == one(
        "The file has more than 2 rows, the limit."
    )


def test_unknown_column_and_missing_period_and_no_rows(org):
    nw = vendor(org, "nw")
    assert refusal(nw, "period,denial_rate,Fax number\n2026-10,5,555\n") == one(
        "'Fax number' is not a KPI code, KPI name, raw count or alias of this vendor; rename the "
        "column or add an alias for it",
        row=1,
        column="Fax number",
    )
    assert refusal(nw, "denial_rate,days_in_ar\n5,40\n") == one(
        "there is no period column; add one or give the period", row=1
    )
    assert refusal(nw, "period,denial_rate\n") == one("The file has a header row but no data rows.")
    assert refusal(nw, "hello world\n1,2\n") == one(
        "No header row found: none of the first rows names a period, vendor or KPI column (e.g. "
        "period, first_pass_acceptance_rate, Denial rate)."
    )


def test_counts_must_be_whole_and_percent_signs_only_on_percents(org):
    errors = refusal(vendor(org, "nw"), "period,claims_submitted,days_in_ar\n2026-10,40.5,30%\n")
    assert errors == [
        {"row": 2, "column": "claims_submitted", "message": "40.5 is not a whole number of claims"},
        {
            "row": 2,
            "column": "days_in_ar",
            "message": "'30%' carries a % sign but the column holds a number of days",
        },
    ]


def test_duplicate_period_rows_and_unknown_vendor(org):
    nw = vendor(org, "nw")
    assert refusal(nw, "period,denial_rate\n2026-10,5\nOct 2026,6\n") == one(
        "2026-10 appears again (first in row 2)", row=3
    )
    content = "vendor,period,denial_rate\nnw,2026-10,5\nacme,2026-10,6\n"
    assert refusal(nw, content, multi_vendor=True) == one(
        "'acme' is not a vendor of Practice A (use its slug or name)", row=3, column="vendor"
    )


def test_a_vendor_of_another_organization_is_not_found_by_name(org, other_org):
    vendor(other_org, "theirs")
    content = "vendor,period,denial_rate\ntheirs,2026-10,5\n"
    errors = refusal(None, content, organization=org, multi_vendor=True)
    assert errors[0]["message"] == "'theirs' is not a vendor of Practice A (use its slug or name)"


def test_period_argument_for_a_file_without_period_and_conflicts(org):
    nw = vendor(org, "nw")
    [report] = ingest(nw, "denial_rate,days_in_ar\n5.5,38\n", period="10/2026").reports
    assert report.period == "2026-10"
    assert refusal(
        nw, "period,denial_rate\n2026-09,5\n", period="2026-10", allow_reports=True
    ) == one("the period 2026-09 differs from the period given (2026-10)", row=2, column="period")


# --- XLSX safety -----------------------------------------------------------------------------
def test_zip_bomb_is_refused_from_the_directory_in_well_under_a_second(org):
    good = xlsx_bytes([["period", "denial_rate"], ["2026-10", 5]])
    zeros = b"\x00" * (150 * 1024 * 1024)  # 150 MB of zeros packs into ~150 KB
    bomb = replace_part(good, "", b"", {"xl/media/padding.bin": zeros})
    del zeros
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    errors = refusal(vendor(org, "nw"), bomb, "bomb.xlsx")
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, elapsed
    assert errors == one(
        "The workbook would expand to 150 MB (limit 100 MB): it looks like a zip bomb and was "
        "not opened."
    )


def test_a_highly_compressed_part_is_refused_by_ratio(org):
    good = xlsx_bytes([["period", "denial_rate"], ["2026-10", 5]])
    bomb = replace_part(good, "", b"", {"xl/media/padding.bin": b"\x00" * (20 * 1024 * 1024)})
    started = time.perf_counter()
    [error] = refusal(vendor(org, "nw"), bomb, "bomb.xlsx")
    assert time.perf_counter() - started < 0.5
    assert error["message"].startswith("The workbook part xl/media/padding.bin is compressed ")
    assert error["message"].endswith(
        " to 1 (limit 100 to 1): it looks like a zip bomb and was not opened."
    )


def test_too_many_parts_is_refused(org):
    good = xlsx_bytes([["period", "denial_rate"], ["2026-10", 5]])
    many = replace_part(good, "", b"", {f"xl/media/{i}.bin": b"x" for i in range(600)})
    assert refusal(vendor(org, "nw"), many, "many.xlsx") == one(
        f"The workbook holds {len(zipfile.ZipFile(io.BytesIO(many)).infolist())} parts; a report "
        "workbook holds far fewer (limit 500). It was not opened."
    )


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>period</t></is></c>
<c r="B1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_billion_laughs_is_refused_before_calamine_sees_it(org):
    good = xlsx_bytes([["period", "denial_rate"], ["2026-10", 5]])
    evil = replace_part(good, "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    started = time.perf_counter()
    errors = refusal(vendor(org, "nw"), evil, "laughs.xlsx")
    assert time.perf_counter() - started < 0.5
    assert errors == one(
        "The workbook part xl/worksheets/sheet1.xml declares a DOCTYPE or XML entities, which a "
        "spreadsheet never needs (it may be an attack); the file was not opened."
    )


def test_a_damaged_workbook_is_refused(org):
    good = xlsx_bytes([["period", "denial_rate"], ["2026-10", 5]])
    [error] = refusal(vendor(org, "nw"), good[: len(good) // 2], "cut.xlsx")
    assert error["message"].startswith("The workbook is damaged")


# --- XLSX reading ----------------------------------------------------------------------------
def test_xlsx_percent_number_format_declares_a_fraction(org):
    rows = [
        ["Monthly report"],
        [],
        ["Period", "First pass rate", "Denial rate", "Days in A/R"],
        ["2026-10", 0.952, 6.5, 38],
    ]
    content = xlsx_bytes(rows, formats={(4, 2): "0.0%"})
    [report] = ingest(vendor(org, "nw"), content, "r.xlsx").reports
    got = {f: v[2] for f, v in values_of(report).items()}
    assert got == {
        "first_pass_acceptance_rate": D("95.2"),
        "denial_rate": D("6.5"),
        "days_in_ar": D("38"),
    }


def test_xlsx_named_sheet_and_date_cells(org):
    import datetime as dt

    content = xlsx_bytes(
        [["notes only"]],
        sheets={"KPIs": [["period", "denial_rate"], [dt.date(2026, 10, 31), 7.25]]},
    )
    nw = vendor(org, "nw")
    assert refusal(nw, content, "r2.xlsx", sheet="Nope") == one(
        "The workbook has no sheet named 'Nope'; it has 'Report', 'KPIs'."
    )
    [report] = ingest(nw, content, "r.xlsx", sheet="KPIs").reports
    assert (report.period, values_of(report)["denial_rate"][2]) == ("2026-10", D("7.25"))


# --- Aliases and scales ----------------------------------------------------------------------
def test_vendor_alias_with_fraction_scale(org):
    nw = vendor(org, "nw")
    column_alias_create(
        vendor=nw, header="FP Ratio", target="first_pass_acceptance_rate", scale="fraction"
    )
    column_alias_create(vendor=nw, header="Claims in", target="claims_submitted")
    assert ColumnAlias.objects.get(header="FP Ratio").normalized == "fpratio"
    content = "Period;fp-ratio;CLAIMS IN;Denial %\n2026-10;0.952;1,000;6.5%\n2026-11;95.3%;900;7\n"
    first, second = ingest(nw, content).reports
    assert values_of(first)["first_pass_acceptance_rate"][2] == D("95.2")
    assert values_of(first)["claims_submitted"][2] == D("1000")
    # An explicit % sign is a percent even in a fraction column: never multiplied again.
    assert values_of(second)["first_pass_acceptance_rate"][2] == D("95.3")
    assert values_of(second)["denial_rate"][2] == D("7")


def test_percent_column_without_declared_scale_refuses_fraction_looking_values(org):
    # 0.952 in a percent column is neither read as 0.952 % (a breach) nor guessed as 95.2 %.
    assert refusal(vendor(org, "nw"), "period,first_pass_acceptance_rate\n2026-10,0.952\n") == one(
        "every value of first_pass_acceptance_rate lies between 0 and 1 (0.952 in row 2): it may "
        "be written as fractions (0.952 for 95.2 %) or as percentages below 1 %; declare the "
        "column's scale with a column alias for 'first_pass_acceptance_rate': scale fraction "
        "(0.952 means 95.2 %) or percent (0.952 means 0.952 %), or write the values with a % sign",
        column="first_pass_acceptance_rate",
    )


# --- Volume and contracts --------------------------------------------------------------------
def test_minimum_volume_comes_from_the_contract_in_force(org):
    nw = vendor(org, "nw")
    content = "period,claims_submitted,claims_accepted_first_pass,claims_denied\n2026-03,12,11,1\n"
    fpar = values_of(ingest(nw, content).reports[0])["first_pass_acceptance_rate"]
    assert fpar == (None, None, None, True)
    SLATerm.objects.filter(contract__vendor=nw).update(minimum_volume=10)
    content = content.replace("11,1", "11,1 ")
    fpar = values_of(ingest(nw, content).reports[0])["first_pass_acceptance_rate"]
    assert fpar == (None, D("91.666667"), D("91.666667"), False)


# --- Versions --------------------------------------------------------------------------------
def test_a_new_file_supersedes_and_an_identical_one_changes_nothing(org):
    import datetime as dt

    nw = vendor(org, "nw")
    t1 = dt.datetime(2026, 11, 6, 9, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 11, 9, 9, tzinfo=dt.UTC)
    first = ingest(nw, WIDE, received_at=t1).reports[0]
    second = ingest(nw, WIDE.replace("96.5", "97.5"), received_at=t2).reports[0]
    first.refresh_from_db()
    assert (first.version, first.is_current, first.superseded_at) == (1, False, t2)
    assert (second.version, second.is_current, second.superseded_at) == (2, True, None)
    assert values_of(first)["first_pass_acceptance_rate"][2] == D("96.5")  # kept and visible
    again = ingest(nw, WIDE.replace("96.5", "97.5"), "same-bytes-other-name.csv")
    assert again.duplicate and [r.pk for r in again.reports] == [second.pk]
    assert "already received on 2026-11-09" in again.summary()
    assert (Report.objects.count(), ReportUpload.objects.count()) == (2, 2)


STORED: list[list[int]] = []


@shared_task(name="tests.ingest.report_stored")
def report_stored(pending_ids: list[int]) -> None:
    """Stands in for the re-scoring task: records the id lists it was queued with."""
    STORED.append(list(pending_ids))


def test_one_task_carrying_the_files_pending_rescoring_is_queued_after_commit(
    org, settings, django_capture_on_commit_callbacks
):
    settings.RESCORE_TASK = "tests.vendors.test_ingest_files.report_stored"
    STORED.clear()
    nw = vendor(org, "northwind-billing")
    PendingRescore.objects.all().delete()  # the contract's own request
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = ingest(nw, sample("northwind-billing_2026-q3_long.csv"))
    assert STORED == [] and len(callbacks) == 1  # nothing runs before the commit
    # Written in the file's transaction: one row for the vendor, from its first period.
    rows = list(PendingRescore.objects.values_list("id", "vendor_id", "from_period", "reason"))
    assert [r[1:] for r in rows] == [(nw.pk, "2026-07", "report stored")]
    callbacks[0]()
    assert len(result.reports) > 1 and [[rows[0][0]]] == STORED  # one task
    STORED.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ingest(nw, sample("northwind-billing_2026-q3_long.csv"))  # byte-identical: nothing queued
    assert STORED == [] and PendingRescore.objects.count() == 1


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_the_same_period_at_once_leave_one_current_version(org):
    nw = vendor(org, "nw")
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def upload(rate: str) -> None:
        try:
            barrier.wait()
            ingest(nw, f"period,first_pass_acceptance_rate\n2026-10,{rate}\n", f"{rate}.csv")
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(r,)) for r in ("96.1", "96.2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    reports = list(Report.objects.filter(vendor=nw, period="2026-10").order_by("version"))
    assert [(r.version, r.is_current) for r in reports] == [(1, False), (2, True)]
    assert reports[0].superseded_at is not None
