"""The export module alone: every formula-leading character is guarded, numbers are not."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from scorecard.exports import safe_cell, to_csv, to_xlsx


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Northwind", "Northwind"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells_are_guarded(raw: str, expected: str) -> None:
    assert safe_cell(raw) == expected


def test_numbers_dates_and_none_are_kept() -> None:
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(dt.date(2026, 9, 1)) == dt.date(2026, 9, 1)
    assert safe_cell(None) is None
    assert safe_cell(True) == "yes"


def test_csv_bytes_exact() -> None:
    body = to_csv(["name", "fee"], [["=cmd|' /C calc'!A0", Decimal("-1.50")], ["ok", None]])
    assert body == "\ufeffname,fee\r\n'=cmd|' /C calc'!A0,-1.50\r\nok,\r\n".encode()


def test_xlsx_cells_exact() -> None:
    body = to_xlsx("t", ["name", "fee"], [["@SUM(1)", Decimal("2.25")], ["-x", 3]])
    sheet = load_workbook(io.BytesIO(body)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["name", "fee"],
        ["'@SUM(1)", 2.25],
        ["'-x", 3],
    ]
    assert sheet["A2"].data_type == "s"
