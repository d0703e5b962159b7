"""Table exports to CSV and XLSX, safe against formula injection (pure: rows in, bytes out).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula; a vendor name or a finding message is text we did not write, so such a text cell is
prefixed with a single quote (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | Decimal | dt.date | None

# Number formats of the XLSX exports, by kind of column (percent columns hold 6 for 6 %).
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = '0.00" %"'
COUNT_FORMAT = "#,##0"


def safe_text(value: str) -> str:
    """The text with a leading quote when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(DANGEROUS_FIRST) else value


def safe_cell(value: Cell) -> Cell:
    """A cell value fit for a spreadsheet: text guarded, numbers and dates kept as they are."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return safe_text(value)
    return value


def iter_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, chunk_rows: int = 1000
) -> Iterator[bytes]:
    """The bytes of ``to_csv``, ``chunk_rows`` rows at a time (to stream a large export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_text(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV (with a BOM so spreadsheet programs read the accents) of guarded cells."""
    return b"".join(iter_csv(header, rows))


def _xlsx_values(row: Sequence[Cell]) -> list[Cell]:
    # openpyxl stores Decimal as a number; keep it exact to the cent.
    return [float(c) if isinstance(c, Decimal) else c for c in map(safe_cell, row)]


def to_xlsx(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    formats: Mapping[str, str] | None = None,
    footer: Iterable[Sequence[Cell]] = (),
) -> bytes:
    """An XLSX workbook with one sheet of guarded cells; text cells are stored as text.

    The header row is frozen (it stays on screen while scrolling); ``formats`` gives a column's
    number format by its header name; ``footer`` rows (totals) follow the rows in bold.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_text(h) for h in header])
    for row in rows:
        sheet.append(_xlsx_values(row))
    first_footer = sheet.max_row + 1
    for row in footer:
        sheet.append(_xlsx_values(row))
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wanted = formats or {}
    for index, name in enumerate(header, start=1):
        for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell = cells[0]
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif name in wanted:
                cell.number_format = wanted[name]
            if cell.row >= first_footer:
                cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
