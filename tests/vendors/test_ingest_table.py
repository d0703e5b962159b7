"""The wide layout read column by column (the fast path) against the cell-by-cell reading."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from vendors.ingest.headers import AliasSpec, HeaderMatcher, KPISpec
from vendors.ingest.reading import Limits, read_sheet
from vendors.ingest.table import parse_sheet
from vendors.models import KPIDefinition

HEADER = "vendor,period,first_pass_acceptance_rate,claims_submitted,claims_denied,fpar\n"
ROWS = [
    "acme,2026-09,95.25,4000,260,0.065",
    "acme,Oct 2026,94,4100,287,0.07",
    "beta,2026-09-30,93.125,900,,",
    "beta,10/2026,100,0,0,1",
]


def _parse(lines: list[str]) -> list[tuple]:
    kpis = [
        KPISpec(k.code, k.name, k.unit, k.formula, k.volume_field, tuple(k.aliases or ()))
        for k in KPIDefinition.objects.all()
    ]
    # "fpar" is an alias of the denial rate written as a fraction (0.065 = 6.5 %).
    matcher = HeaderMatcher(kpis, [AliasSpec("fpar", "denial_rate", "fraction")])
    content = (HEADER + "\n".join(lines) + "\n").encode()
    sheet = read_sheet(content, file_name="r.csv", limits=Limits(), sheet=None)
    parsed = parse_sheet(sheet, matcher)
    assert parsed.errors == []
    return [(r.vendor_key, r.period, r.row, r.values) for r in parsed.records]


@pytest.mark.django_db
def test_clean_wide_file_reads_the_same_column_wise_as_cell_by_cell():
    fast = _parse(ROWS)
    # "$4,000" is the same number but not a plain one: the whole file is read cell by cell.
    slow = _parse([ROWS[0].replace(",4000,", ',"$4,000",'), *ROWS[1:]])
    assert fast == slow
    assert fast[0] == (
        "acme",
        "2026-09",
        2,
        {
            "denial_rate": D("6.500"),
            "first_pass_acceptance_rate": D("95.25"),
            "claims_submitted": D("4000"),
            "claims_denied": D("260"),
        },
    )
    assert [r[1] for r in fast] == ["2026-09", "2026-10", "2026-09", "2026-10"]
    assert fast[2][3] == {"first_pass_acceptance_rate": D("93.125"), "claims_submitted": D("900")}
    assert fast[3][3]["denial_rate"] == D("100")


@pytest.mark.django_db
def test_an_empty_column_and_a_cell_with_a_line_break():
    empty = _parse([row.rsplit(",", 1)[0] + "," for row in ROWS])
    assert [("denial_rate" in r[3]) for r in empty] == [False, False, False, False]
    assert empty[0][3]["claims_submitted"] == D("4000")
    kpis = [
        KPISpec(k.code, k.name, k.unit, k.formula, k.volume_field, tuple(k.aliases or ()))
        for k in KPIDefinition.objects.all()
    ]
    content = b'period,claims_submitted\n2026-09,"12\n34"\n'
    sheet = read_sheet(content, file_name="r.csv", limits=Limits(), sheet=None)
    parsed = parse_sheet(sheet, HeaderMatcher(kpis, []))
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (3, "claims_submitted", "'12\n34' is not a number")  # the line the record ends on
    ]


@pytest.mark.django_db
def test_whole_counts_and_plain_numbers_read_column_wise_as_cell_by_cell():
    # "4000.00" claims is a whole number: the same on both readings.
    lines = [ROWS[0].replace(",4000,", ",4000.00,"), *ROWS[1:]]
    fast = _parse(lines)
    slow = _parse(
        [lines[0].replace(",260,", ',"260",').replace(",95.25,", ',"95.25 %",'), *lines[1:]]
    )
    assert fast == slow
    assert fast[0][3]["claims_submitted"] == D("4000.00")


@pytest.mark.parametrize(
    ("cell", "column", "message"),
    [
        ("4000.5", "claims_submitted", "4000.5 is not a whole number of claims"),
        ("12345678901234567", "claims_submitted", "12345678901234567 is too large to be a count"),
        ("100.5", "first_pass_acceptance_rate", "100.5 % is not a percentage between 0 and 100"),
    ],
)
@pytest.mark.django_db
def test_a_column_the_fast_reading_cannot_take_is_read_cell_by_cell_and_named(
    cell, column, message
):
    kpis = [
        KPISpec(k.code, k.name, k.unit, k.formula, k.volume_field, tuple(k.aliases or ()))
        for k in KPIDefinition.objects.all()
    ]
    content = (
        "period,first_pass_acceptance_rate,claims_submitted\n"
        "2026-09,95,4000\n"
        f"2026-10,{cell if column == 'first_pass_acceptance_rate' else '95'},"
        f"{cell if column == 'claims_submitted' else '4000'}\n"
    ).encode()
    sheet = read_sheet(content, file_name="r.csv", limits=Limits(), sheet=None)
    parsed = parse_sheet(sheet, HeaderMatcher(kpis, []))
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [(3, column, message)]


@pytest.mark.django_db
def test_a_short_row_reads_as_blank_cells_on_both_readings():
    short = [*ROWS[:2], "beta,2026-09-30,93.125,900", ROWS[3]]  # no trailing empty cells
    fast = _parse(short)
    slow = _parse([ROWS[0].replace(",4000,", ',"$4,000",'), *short[1:]])
    assert fast == slow == _parse(ROWS)
    assert fast[2][3] == {"first_pass_acceptance_rate": D("93.125"), "claims_submitted": D("900")}
