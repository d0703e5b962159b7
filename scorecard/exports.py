"""Table exports to CSV and XLSX, safe against formula injection (pure: rows in, bytes out).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula; a vendor name or a finding message is text we did not write, so such a text cell is
prefixed with a single quote (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from openpyxl import Workbook

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | Decimal | dt.date | None


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


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """An XLSX workbook with one sheet of guarded cells; text cells are stored as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_text(h) for h in header])
    for row in rows:
        values = []
        for value in row:
            cell = safe_cell(value)
            # openpyxl stores Decimal as a number; keep it exact to the cent.
            values.append(float(cell) if isinstance(cell, Decimal) else cell)
        sheet.append(values)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
