"""Reading one cell: numbers (with %, currency symbols, thousands separators) and periods.

A value is read exactly as written (``Decimal`` from the text, never through a float); the
scale of a percent column is declared by the caller, never guessed from the value.

The decimal mark is declared per upload or per vendor (``.`` or ``,``), or left undeclared:

- declared ``.``: the point is the decimal mark; a comma, space, no-break space or apostrophe
  separates thousands (``1,234.5``);
- declared ``,``: the comma is the decimal mark; a point, space, no-break space or apostrophe
  separates thousands (``1.234,5`` -> 1234.5, ``94,6`` -> 94.6, ``1.234`` -> 1234);
- undeclared: the text is read as with ``.`` (domain.md section 6: files write ``.`` decimals
  unless they declare otherwise, so a point is always a decimal point), and a comma that could
  be a decimal comma is refused with a message saying how to declare the mark. A comma is
  taken as a thousands
  separator only where it cannot be a decimal comma: the text read with a decimal comma would
  be no number (``1,234,567``, ``1,234.5``), or the column holds counts (claims), which are
  written without decimals (``4,297`` or ``4,000`` claims). So ``41,300`` days or ``$41,300``
  is refused, and so is a decimal comma (``1,5``, ``1.234,5``). The delimiter of a CSV file
  tells nothing here: the same rule holds in comma- and semicolon-separated files (a quoted
  ``"4,297"`` included).

A thousands group never starts a number with 0 (``0,952`` is no thousands form).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

CURRENCY_SYMBOLS = "$€£¥₹"
POINT, COMMA = ".", ","
DECIMAL_MARKS = (POINT, COMMA)
_OTHER_SEPARATORS = " \u00a0\u202f'"  # space, no-break space, narrow no-break space, apostrophe
# By decimal mark: (plain form, grouped form, characters removed from a grouped form).
_FORMS = {
    POINT: (
        re.compile(r"\d+(?:\.\d*)?|\.\d+"),
        re.compile(r"[1-9]\d{0,2}(?P<sep>[, \u00a0\u202f'])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?"),
        "," + _OTHER_SEPARATORS,
    ),
    COMMA: (
        re.compile(r"\d+(?:,\d*)?|,\d+"),
        re.compile(r"[1-9]\d{0,2}(?P<sep>[. \u00a0\u202f'])\d{3}(?:(?P=sep)\d{3})*(?:,\d+)?"),
        "." + _OTHER_SEPARATORS,
    ),
}
_MINUS = "-\u2212"
WHERE_TO_DECLARE = "for this upload (decimal_mark) or in the vendor's column mapping"
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


def _read_digits(text: str, mark: str) -> str | None:
    """The number ``text`` (no sign, symbol or %) written with decimal ``mark``, as digits with
    a point for ``Decimal``; None when it is no number written that way."""
    plain, grouped, separators = _FORMS[mark]
    if plain.fullmatch(text):
        return text.replace(COMMA, POINT) if mark == COMMA else text
    if grouped.fullmatch(text):
        digits = text.translate({ord(c): None for c in separators})
        return digits.replace(COMMA, POINT) if mark == COMMA else digits
    return None


def _shown(digits: str) -> str:
    return f"{Decimal(digits).normalize():f}"


def _core(text: str, original: str, decimal_mark: str | None, whole: bool) -> Decimal:
    """The unsigned number ``text`` read by the declared decimal mark (None: undeclared)."""
    if decimal_mark is not None:
        digits = _read_digits(text, decimal_mark)
        if digits is not None:
            return Decimal(digits)
        if decimal_mark == POINT and COMMA in text:
            raise CellError(
                f"'{original}' is not a number: the declared decimal mark is '.', and a comma "
                "only separates thousands (1,234.5)"
            )
        if decimal_mark == COMMA and (POINT in text or COMMA in text):
            raise CellError(
                f"'{original}' is not a number: the declared decimal mark is ',', and a point "
                "only separates thousands (1.234,5)"
            )
        raise CellError(f"'{original}' is not a number")
    digits = _read_digits(text, POINT)
    if COMMA not in text:
        if digits is None:
            raise CellError(f"'{original}' is not a number")
        return Decimal(digits)
    # A count is written without decimals: where the text reads as a number with a point, a
    # comma in a count separates thousands.
    as_comma = None if whole and digits is not None else _read_digits(text, COMMA)
    if digits is not None and as_comma is not None and Decimal(digits) != Decimal(as_comma):
        raise CellError(
            f"'{original}' could be {_shown(digits)} (a comma separating thousands) or "
            f"{_shown(as_comma)} (a decimal comma); declare the decimal mark, '.' or ',', "
            f"{WHERE_TO_DECLARE}"
        )
    if digits is None and as_comma is not None:
        raise CellError(
            f"'{original}' has a decimal comma, which is read only once declared; declare the "
            f"decimal mark ',' {WHERE_TO_DECLARE}"
        )
    if digits is None:
        raise CellError(f"'{original}' is not a number")
    return Decimal(digits)


def parse_number(
    raw: object, *, decimal_mark: str | None = None, whole: bool = False
) -> Number | None:
    """Read a number from a cell; None when the cell is blank.

    Accepts ``1234.5``, ``1,234.5``, ``$1,234.50``, ``96.4%``, ``97.2 %``, ``-4``, ``(1,234)``;
    with ``decimal_mark=","`` also ``94,6`` and ``1.234,5``. ``decimal_mark`` None is undeclared
    (see the module docstring); ``whole`` says the column holds whole numbers (counts), which
    settles ``4,297`` as 4297. A float (from an XLSX cell) is read by its shortest text form, so
    93.8 stays 93.8; no decimal mark applies to it.
    """
    if raw is None:
        return None
    if not isinstance(raw, str) and (typed := _typed_number(raw)) is not None:
        return typed
    text = str(raw).strip()
    if not text:
        return None
    return _text_number(text, decimal_mark, whole)


def _typed_number(raw: object) -> Number | None:
    """A number from a cell that is not text (an XLSX cell's int, float, Decimal, date...); None
    for any other object, which is read by its text."""
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
    return None


def _text_number(text: str, decimal_mark: str | None, whole: bool) -> Number:
    """parse_number of a cell's stripped, non-blank text."""
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
    value = _core(text, original, decimal_mark, whole)
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
    year, month = _year_month(text)
    if not 1 <= month <= 12:
        raise CellError(f"'{text}' is not a period: there is no month {month}")
    if not 1900 <= year <= 2999:
        raise CellError(f"'{text}' is not a period: the year {year} is out of range")
    return f"{year:04d}-{month:02d}"


def _year_month(text: str) -> tuple[int, int]:
    """The year and month numbers a period's text writes (not yet checked for range)."""
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
        named = MONTHS.get(m[1].lower())
        if named is None:
            raise CellError(f"'{text}' is not a period: '{m[1]}' is not a month")
        month, year = named, int(m[2])
    else:
        raise CellError(f"'{text}' is not a period; write it as {PERIOD_FORMS}")
    return year, month
