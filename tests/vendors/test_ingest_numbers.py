"""Numbers a practice can trust (issue 11): never misread a number silently.

The decimal mark (declared per upload or per vendor, or refused where a comma could be either),
fraction-looking percent columns, totals and footnotes below the data, a vendor's own period
header, and impossible numbers (domain.md sections 2 and 6).
"""

from __future__ import annotations

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from scorecard.models import RemediationItem, Scorecard
from scorecard.services.evaluation import evaluate
from tests.factories import member
from tests.vendors.ingest_helpers import ingest, sample, values_of, vendor
from vendors import services
from vendors.ingest.errors import FileRefused
from vendors.ingest.headers import HeaderMatcher, KPISpec
from vendors.ingest.reading import Limits, read_sheet
from vendors.ingest.table import parse_sheet
from vendors.ingest.trailers import trailer_kind
from vendors.ingest.values import CellError, parse_number
from vendors.models import Report, ReportUpload, ReportValue, Role
from vendors.services.aliases import column_alias_create

pytestmark = pytest.mark.django_db

DECLARE_EITHER = (
    "declare the decimal mark, '.' or ',', for this upload (decimal_mark) or in the vendor's "
    "column mapping"
)
DECLARE_COMMA = (
    "declare the decimal mark ',' for this upload (decimal_mark) or in the vendor's column mapping"
)


def refused(v, content, name="report.csv", **kw):
    """The errors of a refused file as (row, column, message); nothing may be stored."""
    with pytest.raises(FileRefused) as exc:
        ingest(v, content, name, **kw)
    assert (Report.objects.count(), ReportUpload.objects.count()) == (0, 0)
    assert ReportValue.objects.count() == 0
    return [(e.row, e.column, e.message) for e in exc.value.errors]


def forget_reports():
    """Remove what earlier steps of a test stored, so that ``refused`` can check nothing is."""
    Report.objects.all().delete()
    ReportUpload.objects.all().delete()


def fraction_refusal(label, raw, row):
    return (
        f"every value of {label} lies between 0 and 1 ({raw} in row {row}): it may be written "
        "as fractions (0.952 for 95.2 %) or as percentages below 1 %; declare the column's "
        f"scale with a column alias for '{label}': scale fraction (0.952 means 95.2 %) or "
        "percent (0.952 means 0.952 %), or write the values with a % sign"
    )


def scored(v, period):
    """(status, points) of each KPI of the vendor's current scorecard for ``period``."""
    evaluate(vendor_ids=[v.pk])
    card = Scorecard.objects.get(contract__vendor=v, period=period, is_current=True)
    return {k.kpi_code: (k.status, k.points) for k in card.kpis.all()}


# --- The decimal mark: cells -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "mark", "whole", "expected"),
    [
        # Undeclared: unambiguous forms keep working.
        ("94.6", None, False, D("94.6")),
        ("1,234.5", None, False, D("1234.5")),
        ("1,234,567", None, False, D("1234567")),
        ("$1,204,330.15", None, False, D("1204330.15")),
        ("4,297", None, True, D("4297")),  # claims are whole: the comma separates thousands
        ("4,000", None, True, D("4000")),
        ("0.952", None, False, D("0.952")),
        # Declared ",": the comma is the decimal mark, the point separates thousands.
        ("94,6", ",", False, D("94.6")),
        ("1.234,5", ",", False, D("1234.5")),
        ("1.234", ",", False, D("1234")),
        ("41,300", ",", False, D("41.3")),
        ("1 234,5", ",", False, D("1234.5")),
        ("€1.204.330,15", ",", False, D("1204330.15")),
        ("(1.234,50)", ",", False, D("-1234.50")),
        ("96,4 %", ",", False, D("96.4")),
        # Declared ".": today's reading, a comma separates thousands.
        ("41,300", ".", False, D("41300")),
        ("1,234.5", ".", False, D("1234.5")),
    ],
)
def test_numbers_read_by_the_declared_decimal_mark(text, mark, whole, expected):
    assert parse_number(text, decimal_mark=mark, whole=whole).value == expected


@pytest.mark.parametrize(
    ("text", "mark", "whole", "message"),
    [
        (
            "41,300",
            None,
            False,
            f"'41,300' could be 41300 (a comma separating thousands) or 41.3 (a decimal comma); "
            f"{DECLARE_EITHER}",
        ),
        (
            "$41,300",
            None,
            False,
            f"'$41,300' could be 41300 (a comma separating thousands) or 41.3 (a decimal comma); "
            f"{DECLARE_EITHER}",
        ),
        (
            "0,952",
            None,
            False,
            f"'0,952' has a decimal comma, which is read only once declared; {DECLARE_COMMA}",
        ),
        (
            "1,5",
            None,
            False,
            f"'1,5' has a decimal comma, which is read only once declared; {DECLARE_COMMA}",
        ),
        (
            "1.234,5",
            None,
            False,
            f"'1.234,5' has a decimal comma, which is read only once declared; {DECLARE_COMMA}",
        ),
        (
            "1,5",
            None,
            True,
            f"'1,5' has a decimal comma, which is read only once declared; {DECLARE_COMMA}",
        ),
        (
            "94.6",
            ",",
            False,
            "'94.6' is not a number: the declared decimal mark is ',', and a point only separates "
            "thousands (1.234,5)",
        ),
        (
            "1,234.5",
            ",",
            False,
            "'1,234.5' is not a number: the declared decimal mark is ',', and a point only "
            "separates thousands (1.234,5)",
        ),
        (
            "1,5",
            ".",
            False,
            "'1,5' is not a number: the declared decimal mark is '.', and a comma only separates "
            "thousands (1,234.5)",
        ),
        ("1.2.3", None, False, "'1.2.3' is not a number"),
        ("1.234.567", None, False, "'1.234.567' is not a number"),
    ],
)
def test_a_comma_that_could_be_either_is_refused_and_says_how_to_declare(
    text, mark, whole, message
):
    with pytest.raises(CellError) as exc:
        parse_number(text, decimal_mark=mark, whole=whole)
    assert str(exc.value) == message


# --- The decimal mark: files -----------------------------------------------------------------
SEMICOLON_AR = "Period;Days in A/R;Net collection rate\n2026-10;41,300;96,4\n"


def test_41_300_days_in_a_semicolon_file_is_refused_not_stored_as_41300_days(org, mailoutbox):
    summit = vendor(org, "summit-rcm")
    member(org, Role.ADMIN, user__email="boss@example.test")
    assert refused(summit, SEMICOLON_AR) == [
        (
            2,
            "Days in A/R",
            "'41,300' could be 41300 (a comma separating thousands) or 41.3 (a decimal comma); "
            f"{DECLARE_EITHER}",
        ),
        (
            2,
            "Net collection rate",
            f"'96,4' has a decimal comma, which is read only once declared; {DECLARE_COMMA}",
        ),
    ]
    # Nothing stored: no breach, no remediation item, no mail.
    evaluate(vendor_ids=[summit.pk])
    assert RemediationItem.objects.count() == 0 and mailoutbox == []


def test_a_decimal_comma_declared_for_the_upload_reads_41_3_days(org):
    summit = vendor(org, "summit-rcm")
    [report] = ingest(summit, SEMICOLON_AR, decimal_mark=",").reports
    got = {f: v[2] for f, v in values_of(report).items()}
    assert got == {"days_in_ar": D("41.3"), "net_collection_rate": D("96.4")}
    # Points (55 - 41.3) / (55 - 40) x 100.
    assert scored(summit, "2026-10")["days_in_ar"] == ("watch", D("91.33"))


def test_the_vendors_decimal_mark_applies_and_the_uploads_wins(org):
    summit = vendor(org, "summit-rcm")
    services.vendor_update(vendor=summit, decimal_mark=",")
    content = "Period;Days in A/R;Payments\n2026-10;41,3;1.234,5\n"
    [report] = ingest(summit, content).reports
    assert values_of(report)["payments"][2] == D("1234.5")
    assert values_of(report)["days_in_ar"][2] == D("41.3")
    # The upload declares '.': 41,300 is forty-one thousand three hundred days, as declared.
    [again] = ingest(summit, SEMICOLON_AR.replace("96,4", "96.4"), decimal_mark=".").reports
    assert values_of(again)["days_in_ar"][2] == D("41300")


def test_a_quoted_comma_in_a_comma_separated_file_follows_the_same_rule(org):
    nw = vendor(org, "nw")
    # Claims are whole numbers: "4,297" can only be four thousand two hundred ninety-seven.
    content = 'period,claims_submitted,claims_accepted_first_pass\n2026-09,"4,297","4,032"\n'
    [report] = ingest(nw, content).reports
    assert values_of(report)["claims_submitted"][2] == D("4297")
    assert values_of(report)["first_pass_acceptance_rate"][1] == D("93.832907")
    # Days are not: the delimiter says nothing about the decimal mark.
    forget_reports()
    assert refused(nw, 'period,days_in_ar\n2026-09,"41,300"\n') == [
        (
            2,
            "days_in_ar",
            "'41,300' could be 41300 (a comma separating thousands) or 41.3 (a decimal comma); "
            f"{DECLARE_EITHER}",
        )
    ]


def test_a_declared_decimal_comma_reads_the_same_column_wise_and_cell_by_cell(org):
    nw = vendor(org, "nw")
    header = "period;denial_rate;days_in_ar;payments\n"
    fast = ingest(nw, header + "2026-08;6,5;38,25;1234,5\n2026-09;7;40;99\n", decimal_mark=",")
    # "1.234,5" has a point: that file is read cell by cell, to the same numbers.
    slow = ingest(nw, header + "2026-08;6,5;38,25;1.234,5\n2026-09;7;40;99\n", decimal_mark=",")
    read = [{f: v[2] for f, v in values_of(r).items()} for r in (*fast.reports, *slow.reports)]
    assert (
        read[0]
        == read[2]
        == {
            "denial_rate": D("6.5"),
            "days_in_ar": D("38.25"),
            "payments": D("1234.5"),
        }
    )
    assert read[1] == read[3] == {"denial_rate": D("7"), "days_in_ar": D("40"), "payments": D("99")}
    # A point under a declared decimal comma is no decimal point.
    forget_reports()
    assert refused(nw, header + "2026-10;6.5;38;1\n", decimal_mark=",") == [
        (
            2,
            "denial_rate",
            "'6.5' is not a number: the declared decimal mark is ',', and a point only separates "
            "thousands (1.234,5)",
        )
    ]


def test_an_unknown_decimal_mark_is_refused_by_name(org):
    nw = vendor(org, "nw")
    assert refused(nw, "period,denial_rate\n2026-10,6.5\n", decimal_mark=";") == [
        (None, "decimal_mark", "The decimal mark must be '.' or ','; got ';'.")
    ]
    with pytest.raises(ValidationError) as exc:
        services.vendor_update(vendor=nw, decimal_mark="x")
    assert exc.value.message_dict == {
        "decimal_mark": ["The decimal mark must be '.', ',' or '' (not declared); got 'x'."]
    }


def test_decimal_mark_through_the_api_the_command_the_upload_page_and_the_aliases_page(
    org, api, tmp_path, capsys
):
    summit = vendor(org, "summit-rcm")
    # API, per upload.
    response = api.post(
        "/api/v1/reports/",
        {
            "vendor": summit.pk,
            "file": SimpleUploadedFile("r.csv", SEMICOLON_AR.encode()),
            "decimal_mark": ",",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    [stored] = response.json()["reports"]
    ar = next(v for v in stored["values"] if v["field"] == "days_in_ar")
    assert ar["value"] == "41.300000"
    bad = api.post(
        "/api/v1/reports/",
        {"vendor": summit.pk, "file": SimpleUploadedFile("r.csv", b"x"), "decimal_mark": "x"},
        format="multipart",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": [{"row": None, "column": "decimal_mark", "message": '"x" is not a valid choice.'}]
    }
    # API, per vendor (the vendors resource).
    patched = api.patch(f"/api/v1/vendors/{summit.pk}/", {"decimal_mark": ","}, format="json")
    assert patched.status_code == 200 and patched.json()["decimal_mark"] == ","
    summit.refresh_from_db()
    assert summit.decimal_mark == ","
    # The command, per upload (over the vendor's ',').
    path = tmp_path / "nov.csv"
    path.write_text("Period;Days in A/R\n2026-11;41,300\n")
    call_command("import_report", str(path), "--vendor", "summit-rcm", "--decimal-mark", ".")
    assert Report.objects.get(period="2026-11").values.get(field="days_in_ar").value == D("41300")
    with pytest.raises(CommandError):
        call_command("import_report", str(path), "--vendor", "summit-rcm", "--decimal-mark", ";")
    # The aliases page sets the vendor's mark; the upload page declares one per file.
    admin = member(org, Role.ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("aliases", args=[summit.pk]))
    assert page.status_code == 200 and 'name="decimal_mark"' in page.content.decode()
    saved = client.post(reverse("aliases", args=[summit.pk]), {"decimal_mark": ""})
    assert saved.status_code == 302
    summit.refresh_from_db()
    assert summit.decimal_mark == ""
    wrong = client.post(reverse("aliases", args=[summit.pk]), {"decimal_mark": ";"})
    assert wrong.status_code == 400
    upload = SimpleUploadedFile("dec.csv", b"Period;Days in A/R\n2026-09;39,5\n")
    preview = client.post(
        reverse("upload"), {"vendor": summit.pk, "file": upload, "decimal_mark": ","}
    )
    assert preview.status_code == 200, preview.context["refused"]
    [row] = preview.context["preview"].rows
    assert [v.value for v in row.values if v.field == "days_in_ar"] == [D("39.5")]
    client.post(reverse("upload-confirm"), {"token": preview.context["token"]})
    stored_sep = Report.objects.get(vendor=summit, period="2026-09")
    assert stored_sep.values.get(field="days_in_ar").value == D("39.5")


# --- Fraction-looking percent columns --------------------------------------------------------
def test_a_percent_column_of_fractions_is_refused_never_scored_as_a_breach(org):
    nw = vendor(org, "nw")
    content = "period,first_pass_acceptance_rate,denial_rate\n2026-09,0.952,6.1\n2026-10,0.96,5\n"
    assert refused(nw, content) == [
        (
            None,
            "first_pass_acceptance_rate",
            fraction_refusal("first_pass_acceptance_rate", "0.952", 2),
        )
    ]
    assert Scorecard.objects.count() == 0


def test_a_declared_fraction_scale_reads_95_2_percent_and_scores_meets(org):
    nw = vendor(org, "nw")
    column_alias_create(
        vendor=nw,
        header="first_pass_acceptance_rate",
        target="first_pass_acceptance_rate",
        scale="fraction",
    )
    [report] = ingest(nw, "period,first_pass_acceptance_rate\n2026-10,0.952\n").reports
    assert values_of(report)["first_pass_acceptance_rate"][2] == D("95.200")
    assert scored(nw, "2026-10")["first_pass_acceptance_rate"] == ("meets", D("100.00"))


def test_what_declares_a_percent_columns_scale(org):
    nw = vendor(org, "nw")
    # A declared percent scale: 0.5 % is a denial rate of one claim in two hundred.
    column_alias_create(vendor=nw, header="Denials", target="denial_rate", scale="percent")
    [r] = ingest(nw, "period,Denials\n2026-10,0.5\n").reports
    assert values_of(r)["denial_rate"][2] == D("0.5")
    # A % sign on a value declares the column.
    [r] = ingest(nw, "period,denial_rate\n2026-10,0.5%\n").reports
    assert values_of(r)["denial_rate"][2] == D("0.5")
    # Zeros read the same either way; a value above 1 shows the column is in percent.
    [r] = ingest(nw, "period,denial_rate\n2026-10,0\n").reports
    assert values_of(r)["denial_rate"][2] == D("0")
    a, b = ingest(nw, "period,denial_rate\n2026-10,0.5\n2026-11,1.01\n").reports
    assert (values_of(a)["denial_rate"][2], values_of(b)["denial_rate"][2]) == (
        D("0.5"),
        D("1.01"),
    )


def test_an_alias_without_a_scale_declares_none(org, api):
    # An alias names a column; only a scale given with it declares how its values are written,
    # so 0.952 under an alias made without one is refused, never stored as 0.952 %.
    nw = vendor(org, "nw")
    made = api.post(
        "/api/v1/column-aliases/", {"vendor": nw.pk, "header": "FPAR", "target": "denial_rate"}
    )
    assert (made.status_code, made.json()["scale"]) == (201, "")
    assert refused(nw, "period,FPAR\n2026-10,0.061\n") == [
        (None, "FPAR", fraction_refusal("FPAR", "0.061", 2))
    ]


def test_the_bounds_are_inclusive_and_a_long_file_names_the_metric(org):
    nw = vendor(org, "nw")
    assert refused(nw, "period,denial_rate\n2026-10,1\n2026-11,0\n") == [
        (None, "denial_rate", fraction_refusal("denial_rate", "1", 2))
    ]
    long = "period,metric,value\n2026-10,Denial rate,0.061\n2026-10,days_in_ar,38\n"
    assert refused(nw, long) == [(None, "Denial rate", fraction_refusal("Denial rate", "0.061", 2))]


def xlsx(rows, formats=None):
    book = openpyxl.Workbook()
    sheet = book.active
    for r in rows:
        sheet.append(r)
    for (r, c), fmt in (formats or {}).items():
        sheet.cell(row=r, column=c).number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_fractions_need_the_percent_number_format(org):
    nw = vendor(org, "nw")
    rows = [["Period", "Denial rate", "Days in A/R"], ["2026-10", 0.061, 38]]
    [r] = ingest(nw, xlsx(rows, {(2, 2): "0.0%"}), "r.xlsx").reports
    assert values_of(r)["denial_rate"][2] == D("6.100")
    forget_reports()
    assert refused(nw, xlsx(rows), "r.xlsx") == [
        (None, "Denial rate", fraction_refusal("Denial rate", "0.061", 2))
    ]


# --- Totals and footnotes below the data -----------------------------------------------------
TRAILED = (
    "period,claims_submitted,claims_denied,payments\n"
    '2026-08,4000,300,"$700,000.00"\n'
    '2026-09,4100,320,"$710,000.00"\n'
    "\n"
    'Total,8100,620,"$1,410,000.00"\n'
    'Average,4050,310,"$705,000.00"\n'
    "* Denials counted on first submission\n"
    "Source: Summit practice-management system\n"
)

NOTES = [
    (5, None, "skipped a totals or averages row below the data ('Total'); not stored"),
    (6, None, "skipped a totals or averages row below the data ('Average'); not stored"),
    (
        7,
        None,
        "skipped a footnote below the data ('* Denials counted on first submission'); not stored",
    ),
    (
        8,
        None,
        "skipped a footnote below the data ('Source: Summit practice-management system'); "
        "not stored",
    ),
]


def test_totals_averages_and_footnotes_below_the_data_are_skipped_with_a_note(org):
    nw = vendor(org, "nw")
    result = ingest(nw, TRAILED)
    assert [(n.row, n.column, n.message) for n in result.notes] == NOTES
    assert [r.period for r in result.reports] == ["2026-08", "2026-09"]
    assert values_of(result.reports[1])["payments"][2] == D("710000.00")
    assert ReportValue.objects.filter(field="claims_submitted").count() == 2


def test_the_notes_are_shown_by_the_api_the_command_and_the_preview(org, api, tmp_path, capsys):
    nw = vendor(org, "nw")
    response = api.post(
        "/api/v1/reports/",
        {"vendor": nw.pk, "file": SimpleUploadedFile("r.csv", TRAILED.encode())},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["notes"] == [
        {"row": row, "column": column, "message": message} for row, column, message in NOTES
    ]
    path = tmp_path / "r.csv"
    path.write_text(TRAILED.replace("2026-09", "2026-07"))
    call_command("import_report", str(path), "--vendor", "nw")
    out = capsys.readouterr().out
    assert (
        "  note: Row 5: skipped a totals or averages row below the data ('Total'); not stored"
        in out
    )
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    upload = SimpleUploadedFile("p.csv", TRAILED.replace("2026-09", "2026-06").encode())
    page = client.post(reverse("upload"), {"vendor": nw.pk, "file": upload})
    assert page.status_code == 200
    assert (
        "Row 6: skipped a totals or averages row below the data (&#x27;Average&#x27;); not stored"
        in page.content.decode()
    )
    # Stored: the confirmation says it too.
    stored = client.post(reverse("upload-confirm"), {"token": page.context["token"]}, follow=True)
    shown = [str(m) for m in stored.context["messages"]]
    assert shown[1:] == [f"Row {row}: {message}" for row, _, message in NOTES], shown


@pytest.mark.parametrize(
    ("row", "kind"),
    [
        (["Total", "8100", ""], "totals"),
        (["", "Grand Total", "8100"], "totals"),
        (["Q3 2026 total", "12"], "totals"),
        (["YTD average", "12"], "totals"),
        (["Averages", 4.5], "totals"),
        (["* preliminary figures"], "footnote"),
        (["\u2020 restated"], "footnote"),
        (["Source: PM system", ""], "footnote"),
        (["Notes - Q3 restated"], "footnote"),
        (["total-billing", "2026-10", "5"], None),
        (["Total Billing LLC", "2026-10", "5"], None),
        (["notes-billing", "2026-10", "5"], None),
        (["2026-10", "Totals are below", "5"], None),
        (["2026-10", 95.5], None),
    ],
)
def test_what_is_a_totals_or_footnote_row(row, kind):
    assert trailer_kind(row) == kind


def test_a_totals_row_between_data_rows_is_data_and_refused(org):
    nw = vendor(org, "nw")
    content = "period,claims_submitted\n2026-08,4000\nTotal,4000\n2026-09,4100\n"
    assert refused(nw, content) == [
        (
            3,
            "period",
            "'Total' is not a period; write it as 2026-10, 2026-10-31, 10/2026 or Oct 2026",
        )
    ]


def test_a_breakdowns_total_line_is_skipped_and_not_summed(org):
    summit = vendor(org, "summit-rcm")
    ingest(summit, "period,claims_submitted,claims_denied\n2026-10,2353,120\n")
    content = sample("summit-rcm_2026-10_denials.csv").decode() + "Grand total,,,120,27750.65\n"
    result = ingest(summit, content)
    assert [(n.row, n.message) for n in result.notes] == [
        (8, "skipped a totals or averages row below the data ('Grand total'); not stored")
    ]
    [report] = result.reports
    assert report.denials.count() == 6
    assert not report.findings.filter(code="breakdown_sum").exists()


# --- A vendor's own period header ------------------------------------------------------------
def test_a_vendors_own_period_header_maps_to_period_by_alias(org, api):
    nw = vendor(org, "nw")
    content = "Statement cycle,Denial rate\nOct 2026,6.1\n"
    assert refused(nw, content)[0] == (
        1,
        "Statement cycle",
        "'Statement cycle' is not a KPI code, KPI name, raw count or alias of this vendor; rename "
        "the column or add an alias for it",
    )
    response = api.post(
        "/api/v1/column-aliases/",
        {"vendor": nw.pk, "header": "Statement cycle", "target": "period"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    [report] = ingest(nw, content).reports
    assert report.period == "2026-10"
    # Common spellings need no alias.
    [again] = ingest(nw, "Reporting Month,Denial rate\n2026-09,6.3\n").reports
    assert again.period == "2026-09"
    [ending] = ingest(nw, "Period ending,Denial rate\n2026-08-31,6.4\n").reports
    assert ending.period == "2026-08"


# --- Impossible numbers ----------------------------------------------------------------------
def test_4100_accepted_of_4000_submitted_is_refused_not_scored_meets(org):
    nw = vendor(org, "nw")
    content = 'period,claims_submitted,claims_accepted_first_pass\n2026-10,"4,000","4,100"\n'
    assert refused(nw, content) == [
        (
            2,
            "claims_accepted_first_pass",
            "claims_accepted_first_pass (4100) is above claims_submitted (4000): a count cannot "
            "exceed the total it is part of",
        )
    ]
    assert Scorecard.objects.count() == 0


def test_denied_above_submitted_and_recomputed_percents_outside_0_to_100(org):
    nw = vendor(org, "nw")
    content = (
        "period,Claims in,claims_denied,payments,gross_charges,contractual_adjustments,"
        "net_collection_rate\n"
        "2026-09,100,130,,,,\n"
        "2026-10,4000,200,1100,1200,200,98\n"
        "2026-11,4000,200,100,100,200,\n"
    )
    column_alias_create(vendor=nw, header="Claims in", target="claims_submitted")
    assert refused(nw, content) == [
        (
            2,
            "claims_denied",
            "claims_denied (130) is above claims_submitted (100): a count cannot exceed the total "
            "it is part of",
        ),
        (
            3,
            "net_collection_rate",
            "Net collection rate recomputed from the raw counts (contractual_adjustments 200, "
            "gross_charges 1200, payments 1100) is 110.0 %, outside 0 to 100; the vendor states 98",
        ),
        (
            4,
            "net_collection_rate",
            "Net collection rate recomputed from the raw counts (contractual_adjustments 200, "
            "gross_charges 100, payments 100) is -100 %, outside 0 to 100",
        ),
    ]


@pytest.mark.parametrize(
    ("column", "raw", "message"),
    [
        ("claims_submitted", "-5", "-5 is negative; a count cannot be negative"),
        ("payments", "-$100", "-$100 is negative; an amount cannot be negative"),
        ("payments", "(1,200.00)", "(1,200.00) is negative; an amount cannot be negative"),
        ("coding_turnaround_hours", "-2", "-2 is negative; a number of hours cannot be negative"),
        (
            "resubmission_turnaround_business_days",
            "-0.5",
            "-0.5 is negative; a number of business days cannot be negative",
        ),
        ("denial_rate", "-1%", "-1% is negative; a percentage cannot be negative"),
        ("denial_rate", "100.5", "100.5 % is not a percentage between 0 and 100"),
    ],
)
def test_negative_counts_amounts_durations_and_stated_percents_are_refused(
    org, column, raw, message
):
    nw = vendor(org, "nw")
    content = f'period,{column}\n2026-10,"{raw}"\n'
    assert refused(nw, content) == [(2, column, message)]


# --- Property: what is written with a declared mark reads back exactly -----------------------
KPIS = [
    KPISpec("denial_rate", "Denial rate", "percent"),
    KPISpec("days_in_ar", "Days in accounts receivable", "days"),
]
GROUPING = {".": [",", " ", "\u00a0", "'", ""], ",": [".", " ", "\u00a0", "'", ""]}


def written(value: D, mark: str, sep: str) -> str:
    """``value`` written with decimal ``mark`` and thousands separator ``sep``."""
    whole, _, frac = f"{value:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sep.join(groups) + (f"{mark}{frac}" if frac else "")


amounts = st.decimals(min_value=0, max_value=D("999999999.99"), places=2)
rates = st.decimals(min_value=D("1.01"), max_value=100, places=2)
days = st.decimals(min_value=0, max_value=D("99999.9"), places=1)
claims = st.integers(min_value=0, max_value=10**9)


@st.composite
def tables(draw):
    """A mark and rows of (amount, rate, days, claims) with the cells written for that mark."""
    mark = draw(st.sampled_from([".", ","]))
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        amount, rate, day, count = draw(amounts), draw(rates), draw(days), draw(claims)
        sep = draw(st.sampled_from(GROUPING[mark]))
        symbol = draw(st.sampled_from(["${}", "{} €", "£ {}", "{}"]))
        cells = [
            symbol.format(written(amount, mark, sep)),
            draw(st.sampled_from(["{}%", "{} %"])).format(written(rate, mark, sep)),
            written(day, mark, sep),
            written(D(count), mark, sep),
        ]
        rows.append(((amount, rate, day, D(count)), cells))
    return mark, rows


@settings(max_examples=150, deadline=None)
@given(tables())
def test_a_table_written_with_a_declared_mark_reads_back_exactly(table):
    mark, rows = table
    lines = ["period;payments;denial_rate;days_in_ar;claims_submitted"]
    for i, (_, cells) in enumerate(rows):
        lines.append(";".join([f"2026-{i + 1:02d}", *(f'"{c}"' for c in cells)]))
    sheet = read_sheet(
        ("\n".join(lines) + "\n").encode(), file_name="t.csv", limits=Limits(), sheet=None
    )
    parsed = parse_sheet(sheet, HeaderMatcher(KPIS), decimal_mark=mark)
    assert parsed.errors == []
    names = ["payments", "denial_rate", "days_in_ar", "claims_submitted"]
    assert [tuple(r.values[n] for n in names) for r in parsed.records] == [
        expected for expected, _ in rows
    ]


forms = st.builds(
    lambda value, mark, sep: written(value, mark, sep),
    st.decimals(min_value=0, max_value=D("9999999.999"), places=3)
    | st.decimals(min_value=0, max_value=D("9999999"), places=0),
    st.sampled_from([".", ","]),
    st.sampled_from([",", ".", " ", "'", ""]),
)


def read_or_none(text, **kw):
    try:
        return parse_number(text, **kw).value
    except CellError:
        return None


@settings(max_examples=300, deadline=None)
@given(forms, st.booleans())
def test_an_undeclared_reading_is_never_one_a_declared_mark_would_contradict(text, whole):
    undeclared = read_or_none(text, whole=whole)
    if undeclared is None:
        return
    # Accepted undeclared: the same number as declared '.' (domain.md section 6: '.' decimals),
    # and where a comma is written, declared ',' means no other number (for a count, a comma is
    # never a decimal comma).
    assert read_or_none(text, decimal_mark=".") == undeclared
    if "," in text and not whole:
        assert read_or_none(text, decimal_mark=",") in (None, undeclared)
