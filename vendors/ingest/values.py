"""Reading one cell: numbers (with %, currency symbols, thousands separators) and periods.

A value is read exactly as written (``Decimal`` from the text, never through a float); the
scale of a percent column is declared by the caller, never guessed from the value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

CURRENCY_SYMBOLS = "$€£¥₹"
# Thousands separators: comma, space, no-break space, narrow no-break space, apostrophe.
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[, \u00a0\u202f'])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?")
_PLAIN = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_MINUS = "-\u2212"
PERIOD_FORMS = "2026-10, 2026-10-31, 10/2026 or Oct 2026"
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class Number:
    """A number read from a cell; ``percent_sign`` says the text carried a ``%``."""

    value: Decimal
    percent_sign: bool = False


class CellError(ValueError):
    """A cell that cannot be read; the message is written for a practice administrator."""


def _strip_sign(text: str) -> tuple[str, bool]:
    if text and text[0] in _MINUS:
        return text[1:].lstrip(), True
    if text and text[0] == "+":
        return text[1:].lstrip(), False
    return text, False


def parse_number(raw: object) -> Number | None:
    """Read a number from a cell; None when the cell is blank.

    Accepts ``1234.5``, ``1,234.5``, ``$1,234.50``, ``96.4%``, ``97.2 %``, ``-4``, ``(1,234)``.
    A float (from an XLSX cell) is read by its shortest text form, so 93.8 stays 93.8.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CellError(f"'{raw}' is not a number")
    if isinstance(raw, int):
        return Number(Decimal(raw))
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise CellError(f"'{raw}' is not a number")
        return Number(Decimal(repr(raw)))
    if isinstance(raw, Decimal):
        return Number(raw)
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        raise CellError(f"'{raw}' is a date or time, not a number")
    text = str(raw).strip()
    if not text:
        return None
    original = text
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting notation for a negative
        text, negative = text[1:-1].strip(), True
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip()
    text, minus = _strip_sign(text)
    if text[:1] and text[0] in CURRENCY_SYMBOLS:
        text = text[1:].lstrip()
        if not minus:
            text, minus = _strip_sign(text)
    elif text[-1:] and text[-1] in CURRENCY_SYMBOLS:
        text = text[:-1].rstrip()
    if _PLAIN.fullmatch(text):
        digits = text
    elif _GROUPED.fullmatch(text):
        digits = re.sub(r"[, \u00a0\u202f']", "", text)
    else:
        if re.fullmatch(r"\d+,\d{1,2}|\d+,\d{4,}", text):
            raise CellError(
                f"'{original}' is not a number: use a point for decimals (a comma only "
                "separates thousands)"
            )
        raise CellError(f"'{original}' is not a number")
    value = Decimal(digits)
    if negative and minus:
        raise CellError(f"'{original}' is not a number")
    if negative or minus:
        value = -value
    return Number(value, percent)


def parse_period(raw: object) -> str:
    """Read a period as ``YYYY-MM`` from any accepted form (or an XLSX date cell)."""
    if isinstance(raw, dt.datetime | dt.date):
        return f"{raw.year:04d}-{raw.month:02d}"
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise CellError(f"the period is missing; write it as {PERIOD_FORMS}")
    year = month = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            try:
                dt.date(year, month, int(m[3]))
            except ValueError:
                raise CellError(f"'{text}' is not a date: that day does not exist") from None
    elif m := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        month, year = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"([A-Za-z]+)\.?[ \-]+(\d{4})", text):
        month = MONTHS.get(m[1].lower())
        year = int(m[2])
        if month is None:
            raise CellError(f"'{text}' is not a period: '{m[1]}' is not a month")
    else:
        raise CellError(f"'{text}' is not a period; write it as {PERIOD_FORMS}")
    if not 1 <= month <= 12:
        raise CellError(f"'{text}' is not a period: there is no month {month}")
    if not 1900 <= year <= 2999:
        raise CellError(f"'{text}' is not a period: the year {year} is out of range")
    return f"{year:04d}-{month:02d}"
