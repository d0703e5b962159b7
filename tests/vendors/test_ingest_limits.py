"""Hostile files refused cheaply: XLSX used-range limits before calamine, lying zip sizes, one
huge line, control characters in cells, and error lists capped at the first 200."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.vendors import hostile_files as h
from tests.vendors.ingest_helpers import ingest, vendor
from vendors.ingest.errors import FileRefused
from vendors.ingest.values import CellError, parse_period
from vendors.models import DenialBreakdown, Report, ReportUpload

pytestmark = pytest.mark.django_db

HOW = (
    "Delete the rows and columns beyond the report's data (or copy the data to a new sheet) and "
    "send it again; it was not read."
)


def refused(v, content, name="report.xlsx", **kw):
    with pytest.raises(FileRefused) as caught:
        ingest(v, content, name, **kw)
    assert Report.objects.count() == 0 and ReportUpload.objects.count() == 0
    return caught.value


def messages(exc):
    return [e.as_dict() for e in exc.errors]


# --- XLSX: the used range is measured while the XML streams, before calamine -----------------
def test_a_sparse_workbook_with_one_cell_at_xfd50000_is_refused_naming_sheet_range_and_setting(
    org,
):
    content = h.sparse_workbook(50_000)
    assert len(content) < 2048
    assert messages(refused(vendor(org, "nw"), content)) == [
        {
            "row": None,
            "column": None,
            "message": "The sheet 'Report' has values as far as A1:XFD50000 (50,000 rows x "
            "16,384 columns); the limit is 20,000 rows (REPORT_XLSX_MAX_ROWS). " + HOW,
        }
    ]


def test_one_cell_at_xfd5000_is_refused_by_the_column_limit(org):
    assert messages(refused(vendor(org, "nw"), h.sparse_workbook(5_000))) == [
        {
            "row": None,
            "column": None,
            "message": "The sheet 'Report' has values as far as A1:XFD5000 (5,000 rows x "
            "16,384 columns); the limit is 200 columns (REPORT_MAX_COLUMNS). " + HOW,
        }
    ]


def test_a_declared_dimension_past_the_limits_is_refused_before_any_cell(org):
    xml = h.sheet([(1, h.text_cell("A1", "period"))], dimension="A1:C25000")
    assert messages(refused(vendor(org, "nw"), h.workbook(xml)))[0]["message"] == (
        "The sheet 'Report' declares its used range as A1:C25000 (25,000 rows x 3 columns); "
        "the limit is 20,000 rows (REPORT_XLSX_MAX_ROWS). " + HOW
    )


def test_a_dimension_that_lies_small_does_not_hide_the_real_extent(org):
    xml = h.sheet([(1, h.text_cell("A1", "period")), (9, h.number_cell("HZ9", 1))], dimension="A1")
    assert messages(refused(vendor(org, "nw"), h.workbook(xml)))[0]["message"] == (
        "The sheet 'Report' has values as far as A1:HZ9 (9 rows x 234 columns); the limit is "
        "200 columns (REPORT_MAX_COLUMNS). " + HOW
    )


def test_cells_without_references_are_placed_and_counted(org, settings):
    settings.REPORT_MAX_COLUMNS = 3
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(4))  # A to D, no r attributes
    xml = h.sheet([(1, h.text_cell("A1", "period")), (2, cells)])
    assert messages(refused(vendor(org, "nw"), h.workbook(xml)))[0]["message"] == (
        "The sheet 'Report' has values as far as A1:D2 (2 rows x 4 columns); the limit is "
        "3 columns (REPORT_MAX_COLUMNS). " + HOW
    )


def test_the_cell_limits_are_settings(org, settings):
    nw = vendor(org, "nw")
    settings.REPORT_XLSX_MAX_CELLS = 5
    rows = [(1, h.text_cell("A1", "period") + h.text_cell("B1", "denial_rate"))]
    rows += [(n, h.text_cell(f"A{n}", "2026-10") + h.number_cell(f"B{n}", 5)) for n in (2, 3)]
    # 3 rows x 2 columns = 6 cells in the used range.
    assert messages(refused(nw, h.workbook(h.sheet(rows))))[0]["message"] == (
        "The sheet 'Report' has values as far as A1:B3 (3 rows x 2 columns); the limit is 5 "
        "cells (REPORT_XLSX_MAX_CELLS). " + HOW
    )
    settings.REPORT_XLSX_MAX_CELLS = 7
    empty = "".join(f'<c r="Z{n}" s="0"/>' for n in range(1, 9))  # cells without values count
    xml = h.sheet([*rows, (4, empty)])
    assert messages(refused(nw, h.workbook(xml)))[0]["message"] == (
        "The sheet 'Report' holds more than 7 cells; the limit is 7 cells "
        "(REPORT_XLSX_MAX_CELLS). It was not read."
    )


def test_empty_space_above_and_left_costs_nothing_and_rows_keep_their_numbers(org):
    nw = vendor(org, "nw")
    rows = [
        (30_001, h.text_cell("GP30001", "period") + h.text_cell("GQ30001", "denial_rate")),
        (30_002, h.text_cell("GP30002", "2026-10") + h.text_cell("GQ30002", "6_x0000_")),
    ]
    exc = refused(nw, h.workbook(h.sheet(rows)))
    assert messages(exc) == [
        {
            "row": 30002,
            "column": "GQ",
            "message": "the cell holds the control character U+0000, which a report never "
            "needs; remove it and send the file again",
        }
    ]
    rows[1] = (30_002, h.text_cell("GP30002", "2026-10") + h.number_cell("GQ30002", "6.5"))
    [report] = ingest(nw, h.workbook(h.sheet(rows)), "far.xlsx").reports
    assert report.values.get(field="denial_rate").value == 6.5


def test_a_zip_whose_directory_lies_about_the_sheet_size_is_refused_unread(org):
    bomb = h.lying_zip_bomb(50 * 1024 * 1024)
    assert len(bomb) < 400 * 1024
    assert messages(refused(vendor(org, "nw"), bomb)) == [
        {
            "row": None,
            "column": None,
            "message": "The workbook is damaged (xl/worksheets/sheet1.xml: Bad CRC-32 for file "
            "'xl/worksheets/sheet1.xml').",
        }
    ]


def test_a_sheet_whose_part_is_not_xml_is_refused_rather_than_read_unchecked(org):
    content = h.workbook(h.sheet([(1, h.text_cell("A1", "period"))]))
    content = content.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.bin")
    assert messages(refused(vendor(org, "nw"), content))[0]["message"] == (
        "The workbook is damaged: the sheet 'Report' has no worksheet part."
    )


# --- CSV: one huge line -----------------------------------------------------------------------
def test_a_line_of_millions_of_columns_is_refused_before_it_is_split(org):
    content = h.huge_single_line(4)
    assert messages(refused(vendor(org, "nw"), content, "wide.csv")) == [
        {
            "row": 1,
            "column": None,
            "message": "the line has 2,097,154 columns; the limit is 200 columns "
            "(REPORT_MAX_COLUMNS). It was not read.",
        }
    ]


def test_quoted_delimiters_do_not_count_as_columns(org):
    nw = vendor(org, "nw")
    payer = "Medicare" + "," * 190
    content = (
        f'period,payer,denial_reason,claims_denied,amount_denied\n2026-10,"{payer}",CO-16,4,10\n'
    )
    [report] = ingest(nw, content, "quoted.csv").reports
    assert report.denials.get().payer == payer


def test_a_breakdown_text_longer_than_its_column_is_an_error_not_a_database_failure(org):
    nw = vendor(org, "nw")
    content = (
        "period,payer,denial_reason,claims_denied,amount_denied\n"
        f'2026-10,Medicare,CO-16,4,10\n2026-10,"{"," * 201}",CO-16,4,10\n'
    )
    assert messages(refused(nw, content, "long.csv")) == [
        {
            "row": 3,
            "column": "payer",
            "message": "the text is 201 characters long; at most 200 are kept, so shorten it",
        }
    ]


# --- Control characters -----------------------------------------------------------------------
def test_a_nul_in_a_csv_cell_is_refused_with_row_and_column(org):
    assert messages(refused(vendor(org, "nw"), h.nul_cell_csv(), "denials.csv")) == [
        {
            "row": 2,
            "column": "B",
            "message": "the cell holds the control character U+0000, which a report never "
            "needs; remove it and send the file again",
        }
    ]
    assert DenialBreakdown.objects.count() == 0


def test_control_characters_in_xlsx_cells_escaped_in_the_xml_are_refused(org):
    rows = [
        (1, h.text_cell("A1", "period") + h.text_cell("B1", "denial_rate")),
        (2, h.text_cell("A2", "2026-10") + h.text_cell("B2", "5_x0007_")),
        (3, h.text_cell("C3", "note_x001B_")),
    ]
    assert messages(refused(vendor(org, "nw"), h.workbook(h.sheet(rows)))) == [
        {
            "row": 2,
            "column": "B",
            "message": "the cell holds the control character U+0007, which a report never "
            "needs; remove it and send the file again",
        },
        {
            "row": 3,
            "column": "C",
            "message": "the cell holds the control character U+001B, which a report never "
            "needs; remove it and send the file again",
        },
    ]


def test_tabs_and_line_breaks_in_cells_are_not_control_characters_here(org):
    nw = vendor(org, "nw")
    content = (
        "period,payer,denial_reason,claims_denied,amount_denied\n"
        '2026-10,"Medi\tcare\r\nB",CO-16,4,10\n'
    )
    [report] = ingest(nw, content, "denials.csv").reports
    assert report.denials.get().payer == "Medi\tcare\r\nB"


def test_a_nul_in_the_file_name_is_dropped_not_stored(org):
    nw = vendor(org, "nw")
    result = ingest(nw, "period,denial_rate\n2026-10,5\n", "nw\x00_2026-10.csv")
    assert result.upload.file_name == "nw_2026-10.csv"


@pytest.mark.postgres
def test_a_nul_cell_is_a_400_not_a_500_on_postgresql(api, org):
    nw = vendor(org, "nw")
    response = api.post(
        "/api/v1/reports/",
        {"vendor": nw.pk, "file": SimpleUploadedFile("denials.csv", h.nul_cell_csv())},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "B",
            "message": "the cell holds the control character U+0000, which a report never "
            "needs; remove it and send the file again",
        }
    ]
    assert DenialBreakdown.objects.count() == 0


# --- The error list is capped -----------------------------------------------------------------
def _period_message(text: str) -> str:
    """The reading's own message for an unreadable period (its wording is the values module's)."""
    try:
        parse_period(text)
    except CellError as exc:
        return str(exc)
    raise AssertionError(f"{text} was read as a period")


BAD_PERIOD = _period_message("2026-13")


def test_190000_bad_rows_answer_the_first_200_errors_and_a_count(org):
    exc = refused(vendor(org, "nw"), h.bad_rows_csv(190_000), "bad.csv")
    assert len(exc.errors) == 200 and exc.error_count == 190_000
    assert exc.errors[0].as_dict() == {"row": 2, "column": "period", "message": BAD_PERIOD}
    assert exc.errors[-1].row == 201
    assert exc.more_errors_text() == "and 189,800 more errors"
    assert str(exc).endswith("; and 189,800 more errors")


def test_the_api_answers_200_errors_a_count_and_a_small_body(api, org):
    nw = vendor(org, "nw")
    response = api.post(
        "/api/v1/reports/",
        {"vendor": nw.pk, "file": SimpleUploadedFile("bad.csv", h.bad_rows_csv(190_000))},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert len(body["errors"]) == 200 and body["errors"][199]["row"] == 201
    assert (body["error_count"], body["more_errors"]) == (190_000, "and 189,800 more errors")
    assert len(json.dumps(body)) < 40_000
    assert Report.objects.count() == 0


def test_the_api_counts_nothing_more_when_everything_is_listed(api, org):
    nw = vendor(org, "nw")
    response = api.post(
        "/api/v1/reports/",
        {"vendor": nw.pk, "file": SimpleUploadedFile("bad.csv", h.bad_rows_csv(2))},
        format="multipart",
    )
    assert response.json() == {
        "errors": [
            {"row": 2, "column": "period", "message": BAD_PERIOD},
            {"row": 3, "column": "period", "message": BAD_PERIOD},
        ],
        "error_count": 2,
        "more_errors": "",
    }


def test_the_command_prints_200_errors_and_the_count(org, tmp_path, capsys):
    vendor(org, "nw")
    path = tmp_path / "bad.csv"
    path.write_bytes(h.bad_rows_csv(190_000))
    with pytest.raises(CommandError) as caught:
        call_command("import_report", str(path), "--vendor", "nw")
    assert str(caught.value) == "190,000 error(s) in bad.csv."
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "bad.csv was refused; nothing was stored. Errors:"
    assert lines[1] == f"  Row 2, column period: {BAD_PERIOD}"
    assert len(lines) == 202 and lines[-1] == "  ... and 189,800 more errors"


def test_the_upload_page_lists_200_errors_and_the_count(org, admin_user, client):
    nw = vendor(org, "nw")
    client.force_login(admin_user)
    response = client.post(
        "/upload/",
        {"vendor": nw.pk, "file": SimpleUploadedFile("bad.csv", h.bad_rows_csv(190_000))},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file cannot be stored: 190,000 errors" in page
    assert "The first 200 are listed." in page
    assert '<p class="more-errors">And 189,800 more errors.</p>' in page
    assert page.count('<tr><td class="num">') == 200


def test_a_part_calamine_would_read_is_checked_whatever_its_name(org):
    # The shared strings renamed .dat (the relationships say where they are), with a zip entry
    # that says 2,000 bytes for 50 MB of XML: refused before calamine inflates it.
    shared = b'<?xml version="1.0"?><sst xmlns="' + h.NS.encode() + b'">'
    shared += b"<si><t>x</t></si>" * (50 * 1024 * 1024 // 17) + b"</sst>"
    content = h.workbook(h.sheet([(1, '<c r="A1" t="s"><v>0</v></c>')]))
    content = h.replace_rels_and_add(
        content,
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="strings.dat"/>',
        "xl/strings.dat",
        shared,
    )
    content = h.patch_sizes(content, "xl/strings.dat", 2_000)
    assert messages(refused(vendor(org, "nw"), content)) == [
        {
            "row": None,
            "column": None,
            "message": "The workbook is damaged (xl/strings.dat: Bad CRC-32 for file "
            "'xl/strings.dat').",
        }
    ]
