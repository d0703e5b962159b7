"""Rows below the data of a report: totals, averages and footnotes, skipped with a note.

Only the rows after the last data row are skipped (walking up from the end while each row is one
of these); a ``Total`` row between data rows stays data, and the table reader refuses it as no
period. A totals row is one with a cell that is a totals or averages label, possibly qualified
by a quarter, half, year or ``YTD`` (``Total``, ``Grand total``, ``Average``, ``Q3 total``,
``YTD average``), never a name that merely starts with one (``Total Billing LLC``). A footnote
starts with a note mark (``*``, a dagger, a superscript digit) or ``Source:``, ``Note:`` and the
like. Blank rows were already left out by the file reader.
"""

from __future__ import annotations

import re

from .errors import FileError
from .headers import normalize

# Below the data: a cell that is a totals or averages label (qualified by a quarter, a year...).
_QUALIFIER = r"(?:q[1-4]|h[12]|fy|ytd|\d{4}|all|months?|periods?)*"
_TOTALS = re.compile(
    rf"{_QUALIFIER}(?:grandtotal|subtotal|totals?|average|averages|avg|mean|ytd|yeartodate)"
    rf"{_QUALIFIER}"
)
# ... or a footnote: a line starting with a note mark or a word such as "Source:".
# (A word needs a colon or a spaced dash after it: "notes-billing" is a vendor's slug.)
_FOOTNOTE = re.compile(
    r"[*\u2020\u2021\u00b9\u00b2\u00b3]|(?:sources?|notes?|footnotes?)(?:\s*:|\s+[-\u2013\u2014]\s)",
    re.IGNORECASE,
)


def trailer_kind(row: list[object]) -> str | None:
    """``totals`` or ``footnote`` for a row that is one (below the data), else None."""
    cells = [c for c in row if c is not None and c != ""]
    if not cells:
        return "blank"
    first = cells[0]
    if isinstance(first, str) and _FOOTNOTE.match(first.strip()):
        return "footnote"
    for cell in cells:
        if isinstance(cell, str) and _TOTALS.fullmatch(normalize(cell)):
            return "totals"
    return None


def split_trailers(body: list) -> tuple[list, list[FileError]]:
    """The data rows, and a note for each totals or footnote row after the last of them."""
    end = len(body)
    kinds: list[tuple[int, str, list]] = []
    while end > 0:
        n, row = body[end - 1]
        kind = trailer_kind(row)
        if kind is None:
            break
        kinds.append((n, kind, row))
        end -= 1
    notes = []
    for n, kind, row in reversed(kinds):
        if kind == "blank":
            continue
        text = next(str(c).strip() for c in row if c is not None and c != "")
        shown = text if len(text) <= 60 else text[:57] + "..."
        what = "a totals or averages row" if kind == "totals" else "a footnote"
        notes.append(FileError(n, None, f"skipped {what} below the data ('{shown}'); not stored"))
    return body[:end], notes
