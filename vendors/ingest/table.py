"""From rows of cells to vendor-period records: header row, layout (wide, long, breakdown), values.

Every unreadable cell becomes an error naming its row and column; nothing is guessed:

- numbers are read by the declared decimal mark (``values.parse_number``);
- a percent column whose every value lies between 0 and 1 inclusive (at least one above 0: a
  column of zeros reads the same either way), with no declared scale (a vendor alias's
  ``percent`` or ``fraction``, a ``%`` sign on a value, or an XLSX percent number format) is
  refused, naming the column and the ``fraction`` scale: 0.952 may be 95.2 % or 0.952 %;
- totals, averages and footnotes below the data (``Total``, ``Grand total``, ``Average``, a
  line starting with ``*`` or ``Source:``...) are skipped with a note, never read as data.
  Blank rows were already left out by the reader. Only the rows after the last data row are
  skipped: a ``Total`` row between data rows is read as data (and refused as no period).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import FileError
from .headers import FRACTION, PERCENT, Column, HeaderMatcher
from .reading import Sheet
from .trailers import split_trailers
from .values import COMMA, CellError, parse_number, parse_period

HEADER_SEARCH_ROWS = 30
HUNDRED = Decimal(100)
MAXIMUM = Decimal(10) ** 16  # stored with 6 decimals in 24 digits
_SIMPLE = re.compile(r"\d{1,18}(?:\.\d{1,12})?")
# Whole columns of plain numbers (one per line), read at once: below MAXIMUM by their digits.
_PLAIN_LINES = re.compile(r"(?:\d{1,16}(?:\.\d{1,12})?\n)+")
_WHOLE_LINES = re.compile(r"(?:\d{1,16}(?:\.0{1,12})?\n)+")
NON_NEGATIVE_UNITS = {"percent", "days", "hours", "business_days", "count", "currency"}
WHOLE_UNITS = {"count"}
UNIT_WORDS = {
    "percent": "a percentage",
    "days": "a number of days",
    "hours": "a number of hours",
    "business_days": "a number of business days",
    "count": "a count",
    "currency": "an amount",
}


@dataclass
class Record:
    """One vendor-period of a file: its stated values and where each came from."""

    vendor_key: str | None
    period: str
    row: int
    values: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Denial:
    """One line of a denial breakdown."""

    vendor_key: str | None
    period: str
    payer: str
    denial_reason: str
    claims_denied: int
    amount_denied: Decimal | None
    row: int


@dataclass
class ParsedFile:
    """What a file says, or every error found in it."""

    layout: str = ""
    records: list[Record] = field(default_factory=list)
    denials: list[Denial] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[FileError] = field(default_factory=list)  # rows skipped (totals, footnotes)
    headers: dict[str, str] = field(
        default_factory=dict
    )  # target (period, vendor, a field...) -> its header


def _find_header(sheet: Sheet, matcher: HeaderMatcher) -> int | None:
    """The first row naming two known columns (title rows above it are skipped), else one."""
    single = None
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        matched = sum(1 for cell in row if cell not in (None, "") and matcher.match(cell))
        if matched >= 2:
            return i
        if matched == 1 and single is None:
            single = i
    return single


@dataclass(slots=True)
class _PercentColumn:
    """What the values of one percent column say about its scale, read cell by cell."""

    first_row: int
    first_raw: object
    unit_interval: bool = True  # every value lies in 0..1
    above_zero: bool = False  # one value is above 0 (zeros read the same on either scale)
    declared: bool = False  # an alias, a % sign or an XLSX percent format declares the scale


class _Reader:
    """Reads the cells of one file against one header matcher."""

    def __init__(
        self,
        sheet: Sheet,
        matcher: HeaderMatcher,
        period: str | None,
        decimal_mark: str | None = None,
    ) -> None:
        self.sheet = sheet
        self.matcher = matcher
        self.period = period
        self.decimal_mark = decimal_mark
        self.out = ParsedFile()
        # Percent columns read cell by cell, by (label, field).
        self.percents: dict[tuple[str, str], _PercentColumn] = {}

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.out.errors.append(FileError(row, column, message))

    def read_period(self, raw: object, row: int, column: str) -> str | None:
        try:
            found = parse_period(raw)
        except CellError as exc:
            self.error(row, column, str(exc))
            return None
        if self.period and found != self.period:
            self.error(
                row, column, f"the period {found} differs from the period given ({self.period})"
            )
            return None
        return found

    def read_value(
        self,
        raw: object,
        target: Column,
        row: int,
        column: str,
        col_index: int,
        label: str | None = None,
    ) -> Decimal | None:
        """Read one value for a field, applying the column's declared scale; ``label`` names
        the column in a refusal of fraction-looking values (a long file's metric)."""
        unit = self.matcher.units.get(target.target, "")
        number = self._number(raw, unit, row, column)
        if number is None:
            return None
        value, percent_sign = number
        if unit == "percent":
            value = self._percent(raw, value, percent_sign, target, row, col_index, label or column)
        elif percent_sign:
            self.error(
                row,
                column,
                f"'{raw}' carries a % sign but the column holds {UNIT_WORDS.get(unit, 'a number')}",
            )
            return None
        if problem := _value_problem(raw, value, unit):
            self.error(row, column, problem)
            return None
        return value

    def _number(self, raw: object, unit: str, row: int, column: str) -> tuple[Decimal, bool] | None:
        """The cell's number and whether it carried a % sign; None for an empty or bad cell."""
        # The common case, kept fast (a decimal comma declared: "94.6" is no plain number).
        if type(raw) is str and self.decimal_mark != COMMA and _SIMPLE.fullmatch(raw):
            return Decimal(raw), False
        try:
            number = parse_number(raw, decimal_mark=self.decimal_mark, whole=unit in WHOLE_UNITS)
        except CellError as exc:
            self.error(row, column, str(exc))
            return None
        if number is None:
            return None
        return number.value, number.percent_sign

    def _percent(
        self,
        raw: object,
        value: Decimal,
        percent_sign: bool,
        target: Column,
        row: int,
        col_index: int,
        label: str,
    ) -> Decimal:
        """A percent value on the 0-100 scale; notes what the column shows of its scale."""
        formatted = (row, col_index) in self.sheet.percent_cells
        key = (label, target.target)
        seen = self.percents.get(key)
        if seen is None:
            seen = self.percents[key] = _PercentColumn(row, raw)
        seen.unit_interval = seen.unit_interval and 0 <= value <= 1
        seen.above_zero = seen.above_zero or value > 0
        seen.declared = (
            seen.declared or percent_sign or formatted or target.scale in (PERCENT, FRACTION)
        )
        if (target.scale == FRACTION or formatted) and not percent_sign:
            return value * HUNDRED
        return value

    def check_fractions(self) -> None:
        """Refuse each percent column whose values all look like fractions, scale undeclared."""
        for (label, _), seen in self.percents.items():
            if seen.unit_interval and seen.above_zero and not seen.declared:
                self.error(None, label, fraction_message(label, seen.first_raw, seen.first_row))


def _value_problem(raw: object, value: Decimal, unit: str) -> str | None:
    """Why a number read is no value of its unit (too large, negative, over 100 %, fractional)."""
    if abs(value) >= MAXIMUM:
        return f"{raw} is too large to be {UNIT_WORDS.get(unit, 'a value')}"
    if unit in NON_NEGATIVE_UNITS and value < 0:
        return f"{raw} is negative; {UNIT_WORDS[unit]} cannot be negative"
    if unit == "percent" and value > HUNDRED:
        return f"{value.normalize():f} % is not a percentage between 0 and 100"
    if unit in WHOLE_UNITS and value != value.to_integral_value():
        return f"{raw} is not a whole number of claims"
    return None


def fraction_message(label: str, raw: object, row: int) -> str:
    """Why a percent column of values between 0 and 1 is refused, and how to declare it."""
    return (
        f"every value of {label} lies between 0 and 1 ({raw} in row {row}): it may be written "
        "as fractions (0.952 for 95.2 %) or as percentages below 1 %; declare the column's "
        f"scale with a column alias for '{label}': scale fraction (0.952 means 95.2 %) or "
        "percent (0.952 means 0.952 %), or write the values with a % sign"
    )


def parse_sheet(
    sheet: Sheet,
    matcher: HeaderMatcher,
    *,
    period: str | None = None,
    decimal_mark: str | None = None,
) -> ParsedFile:
    """Find the header row and layout, then read every row; errors are collected, not raised.

    ``decimal_mark`` is the declared one (``.`` or ``,``), None when undeclared.
    """
    reader = _Reader(sheet, matcher, period, decimal_mark)
    out = reader.out
    header_at = _find_header(sheet, matcher)
    if header_at is None:
        out.errors.append(
            FileError(
                None,
                None,
                "No header row found: none of the first rows names a period, vendor or KPI "
                "column (e.g. period, first_pass_acceptance_rate, Denial rate).",
            )
        )
        return out
    header = sheet.rows[header_at]
    header_row = sheet.row_numbers[header_at]
    body = list(zip(sheet.row_numbers[header_at + 1 :], sheet.rows[header_at + 1 :], strict=True))
    body, out.notes = split_trailers(body)
    by_target = _header_columns(reader, header, header_row, body)
    out.headers = {target: name for target, (_, name, _) in by_target.items()}
    out.layout = _layout(by_target)
    if "period" not in by_target and not period:
        reader.error(header_row, None, "there is no period column; add one or give the period")
    if out.errors:
        return out
    {"wide": _wide, "long": _long, "breakdown": _breakdown}[out.layout](reader, body, by_target)
    reader.check_fractions()
    return out


def _header_columns(
    reader: _Reader, header: list[object], header_row: int, body: list
) -> dict[str, tuple[int, str, Column]]:
    """The header's columns by the field each gives, as (index, header, column); a blank header
    over values, an unknown header or a second header for one field is an error."""
    by_target: dict[str, tuple[int, str, Column]] = {}
    for j, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
        if not name:
            if any(j < len(r) and r[j] not in (None, "") for _, r in body):
                reader.error(header_row, f"#{j + 1}", "this column has values but no header")
            continue
        target = reader.matcher.match(name)
        if target is None:
            reader.error(
                header_row,
                name,
                f"'{name}' is not a KPI code, KPI name, raw count or alias of this vendor; "
                "rename the column or add an alias for it",
            )
        elif target.target in by_target:
            first = by_target[target.target][1]
            reader.error(header_row, name, f"'{name}' and '{first}' both give {target.target}")
        else:
            by_target[target.target] = (j, name, target)
    return by_target


def _layout(by_target: Mapping[str, object]) -> str:
    """long (metric and value columns), breakdown (payer or denial reason) or wide."""
    if "metric" in by_target and "value" in by_target:
        return "long"
    if "payer" in by_target or "denial_reason" in by_target:
        return "breakdown"
    return "wide"


def _cell(row: list[object], j: int) -> object:
    return row[j] if j < len(row) else None


def _key(
    reader: _Reader, row: list[object], n: int, by_target: dict
) -> tuple[str | None, str | None, bool]:
    """The vendor key and period of a row; ok is False when either is unreadable."""
    ok = True
    vendor_key = None
    if "vendor" in by_target:
        j, name, _ = by_target["vendor"]
        text = _cell(row, j)
        vendor_key = "" if text is None else str(text).strip()
        if not vendor_key:
            reader.error(n, name, "the vendor is missing")
            ok = False
    if "period" in by_target:
        j, name, _ = by_target["period"]
        found = reader.read_period(_cell(row, j), n, name)
        ok = ok and found is not None
    else:
        found = reader.period
    return vendor_key, found, ok


def _wide(reader: _Reader, body: list, by_target: dict) -> None:
    structural = {"period", "vendor"}
    value_columns = [
        (j, name, t) for t_name, (j, name, t) in by_target.items() if t_name not in structural
    ]
    bad = [
        name
        for t_name, (_, name, _) in by_target.items()
        if t_name in {"metric", "value", "amount_denied"}
    ]
    for name in bad:
        reader.error(None, name, "this column belongs to a long or breakdown file, not a wide one")
    if not bad and _wide_clean(reader, body, by_target, value_columns):
        return
    first_row: dict[tuple[str | None, str], int] = {}
    records = reader.out.records
    for n, row in body:
        vendor_key, period, ok = _key(reader, row, n, by_target)
        values: dict[str, Decimal] = {}
        for j, name, target in value_columns:
            raw = row[j] if j < len(row) else None
            if raw is None or raw == "":
                continue
            value = reader.read_value(raw, target, n, name, j)
            if value is not None:
                values[target.target] = value
        if not ok or period is None:
            continue
        key = (vendor_key, period)
        if key in first_row:
            who = f"{vendor_key} " if vendor_key else ""
            reader.error(n, None, f"{who}{period} appears again (first in row {first_row[key]})")
            continue
        first_row[key] = n
        records.append(Record(vendor_key, period, n, values))


def _long(reader: _Reader, body: list, by_target: dict) -> None:
    extra = [
        name
        for t, (_, name, _) in by_target.items()
        if t not in {"period", "vendor", "metric", "value"}
    ]
    for name in extra:
        reader.error(None, name, "a long file holds period, metric and value (and vendor) only")
    mj, mname, _ = by_target["metric"]
    vj, vname, _ = by_target["value"]
    groups: dict[tuple[str | None, str], Record] = {}
    where: dict[tuple[str | None, str, str], int] = {}
    for n, row in body:
        vendor_key, period, ok = _key(reader, row, n, by_target)
        metric = _cell(row, mj)
        target = reader.matcher.match(metric) if metric not in (None, "") else None
        if target is None or target.target not in reader.matcher.units:
            what = "missing" if metric in (None, "") else f"'{metric}' is not a KPI or raw count"
            reader.error(n, mname, f"the metric {what}" if metric in (None, "") else what)
            continue
        raw = _cell(row, vj)
        if raw is None or raw == "":
            reader.error(n, vname, f"the value of {metric} is missing")
            continue
        value = reader.read_value(raw, target, n, vname, vj, label=str(metric).strip())
        if not ok or period is None or value is None:
            continue
        spot = (vendor_key, period, target.target)
        if spot in where:
            reader.error(
                n, mname, f"{target.target} for {period} appears again (first in row {where[spot]})"
            )
            continue
        where[spot] = n
        record = groups.get((vendor_key, period))
        if record is None:
            record = groups[(vendor_key, period)] = Record(vendor_key, period, n)
            reader.out.records.append(record)
        record.values[target.target] = value


def _breakdown_columns_errors(reader: _Reader, by_target: dict) -> None:
    """A breakdown's columns: only its own, and payer, denial_reason and claims_denied given."""
    allowed = {"period", "vendor", "payer", "denial_reason", "claims_denied", "amount_denied"}
    for t, (_, name, _) in by_target.items():
        if t not in allowed:
            reader.error(
                None,
                name,
                "a denial breakdown holds period, payer, denial_reason, claims_denied "
                "and amount_denied only; send KPIs in a separate file",
            )
    for needed in ("payer", "denial_reason", "claims_denied"):
        if needed not in by_target:
            reader.error(None, needed, f"a denial breakdown needs a {needed} column")


def _denied_amount(
    reader: _Reader, row: list[object], n: int, amount: tuple[int, str, Column] | None
) -> tuple[Decimal | None, bool]:
    """A breakdown row's amount denied (None when no column or blank), and whether readable."""
    if amount is None:
        return None, True
    aj, aname, _ = amount
    raw_amount = _cell(row, aj)
    if raw_amount in (None, ""):
        return None, True
    try:
        number = parse_number(raw_amount, decimal_mark=reader.decimal_mark)
    except CellError as exc:
        reader.error(n, aname, str(exc))
        return None, False
    if number is None:
        return None, True
    if number.value < 0:
        reader.error(n, aname, f"{raw_amount} is negative; an amount cannot be negative")
        return number.value, False
    return number.value, True


def _required_text(reader: _Reader, row: list[object], n: int, column: tuple, what: str) -> bool:
    """Whether the row has a value in ``column``; an error naming ``what`` when it has none."""
    j, name, _ = column
    if _cell(row, j) in (None, ""):
        reader.error(n, name, f"the {what} is missing")
        return False
    return True


def _breakdown(reader: _Reader, body: list, by_target: dict) -> None:
    _breakdown_columns_errors(reader, by_target)
    if reader.out.errors:
        return
    pj = by_target["payer"][0]
    rj = by_target["denial_reason"][0]
    cj, cname, ctarget = by_target["claims_denied"]
    for n, row in body:
        vendor_key, period, ok = _key(reader, row, n, by_target)
        has_payer = _required_text(reader, row, n, by_target["payer"], "payer")
        has_reason = _required_text(reader, row, n, by_target["denial_reason"], "denial reason")
        raw = _cell(row, cj)
        count = reader.read_value(raw, ctarget, n, cname, cj) if raw not in (None, "") else None
        if raw in (None, ""):
            reader.error(n, cname, "the number of denied claims is missing")
        denied_amount, amount_ok = _denied_amount(reader, row, n, by_target.get("amount_denied"))
        ok = ok and has_payer and has_reason and amount_ok
        if ok and period is not None and count is not None:
            reader.out.denials.append(
                Denial(
                    vendor_key,
                    period,
                    str(_cell(row, pj)).strip(),
                    str(_cell(row, rj)).strip(),
                    int(count),
                    denied_amount,
                    n,
                )
            )


def _clean_column(
    reader: _Reader, body: list, cells: Sequence[object], j: int, target: Column
) -> tuple[list, bool] | None:
    """A column's values (and whether none is blank), read column-wise, when every cell is
    blank or a plain number within its unit's range; None when any cell needs the cell-by-cell
    reading (which names it)."""
    unit = reader.matcher.units.get(target.target, "")
    complete = None not in cells and "" not in cells
    given = cells if complete else [c for c in cells if c is not None and c != ""]
    if not given:
        return [None] * len(cells), False
    lines = _column_lines(reader, given)
    if lines is None:
        return None
    text, given = lines
    # One match over the column's text. The pattern itself keeps values below MAXIMUM (16
    # digits before the point), never negative, and, for counts, whole.
    pattern = _WHOLE_LINES if unit in WHOLE_UNITS else _PLAIN_LINES
    if not pattern.fullmatch(text):
        return None
    out: list[Decimal | None] = list(map(Decimal, given))  # type: ignore[arg-type]
    if not complete:
        numbers = iter(out)
        out = [None if c is None or c == "" else next(numbers) for c in cells]
    if unit == "percent":
        percents = _percent_column(reader, body, out, j, target)
        if percents is None:
            return None
        out = percents
    return out, complete


def _column_lines(reader: _Reader, given: Sequence[object]) -> tuple[str, list[str]] | None:
    """The column's non-blank cells as one text of lines with a point for decimal mark, and the
    lines; None when a cell is no text, holds a line break, or (decimal comma) a point."""
    try:
        text = "\n".join(given) + "\n"  # type: ignore[arg-type]  # TypeError: not text
    except TypeError:  # a cell that is not text (an XLSX number)
        return None
    if text.count("\n") != len(given):  # a cell holding a newline
        return None
    if reader.decimal_mark != COMMA:
        return text, given  # type: ignore[return-value]  # all text: the join succeeded
    # Declared decimal comma: plain numbers are "94,6"; a point (thousands) needs the
    # cell-by-cell reading.
    if "." in text:
        return None
    text = text.replace(",", ".")
    return text, text.split("\n")[:-1]


def _percent_column(
    reader: _Reader, body: list, out: list[Decimal | None], j: int, target: Column
) -> list[Decimal | None] | None:
    """A percent column's values on the 0-100 scale; None when one needs the cell-by-cell
    reading (above 100, or all fraction-looking with the scale undeclared)."""
    percent_cells = reader.sheet.percent_cells
    if target.scale == FRACTION:
        out = [None if v is None else v * HUNDRED for v in out]
    elif percent_cells:
        out = [
            v if v is None or (n, j) not in percent_cells else v * HUNDRED
            for (n, _), v in zip(body, out, strict=True)
        ]
    highest = max(v for v in out if v is not None)
    if highest > HUNDRED:
        return None
    if 0 < highest <= 1 and target.scale not in (PERCENT, FRACTION):
        return None  # fraction-looking, scale undeclared: the cell-by-cell reading refuses
    return out


def _wide_clean(reader: _Reader, body: list, by_target: dict, value_columns: list) -> bool:
    """The common case of a wide file, read column by column: every value cell a plain number
    within range, every vendor and period readable, no vendor-period twice. Gives the same
    records as the row-by-row reading; returns False (having stored nothing) for any file that
    needs that reading to name what is wrong."""
    if not body:
        return False
    used = [at for at, _, _ in by_target.values()]
    width = max(max(len(row) for _, row in body), max(used, default=0) + 1)
    # The body turned into columns at once (short rows padded with blanks).
    padded = (row if len(row) == width else [*row, *[None] * (width - len(row))] for _, row in body)
    table = list(zip(*padded, strict=True))
    full: list[tuple[str, list]] = []  # columns without a blank cell
    gaps: list[tuple[str, list]] = []
    for j, _name, target in value_columns:
        read = _clean_column(reader, body, table[j], j, target)
        if read is None:
            return False
        values, complete = read
        (full if complete else gaps).append((target.target, values))
    keys = _wide_keys(reader, table, by_target, len(body))
    if keys is None or len(set(keys)) != len(keys):
        return False
    # Each row's values: a column with a blank cell is left out of that row's values.
    names = [name for name, _ in full]
    by_row = list(zip(*(values for _, values in full), strict=True)) or [()] * len(keys)
    records = [
        Record(vendor_key, period, n, dict(zip(names, values, strict=True)))
        for (n, _), (vendor_key, period), values in zip(body, keys, by_row, strict=True)
    ]
    for name, values in gaps:
        for record, value in zip(records, values, strict=True):
            if value is not None:
                record.values[name] = value
    reader.out.records.extend(records)
    return True


def _wide_keys(
    reader: _Reader, table: list, by_target: dict, count: int
) -> list[tuple[str | None, str]] | None:
    """Each row's (vendor, period), column-wise; None if a vendor is blank or a period
    unreadable (or not the period given)."""
    if "vendor" in by_target:
        names = [None if t is None else str(t).strip() for t in table[by_target["vendor"][0]]]
        if not all(names):
            return None
    else:
        names = [None] * count
    if "period" not in by_target:
        if reader.period is None:
            return None
        return [(name, reader.period) for name in names]
    periods: dict[object, str] = {}  # a file holds a few distinct periods: each read once
    for raw in set(table[by_target["period"][0]]):
        try:
            periods[raw] = parse_period(raw)
        except CellError:
            return None
        if reader.period and periods[raw] != reader.period:
            return None
    return list(zip(names, map(periods.__getitem__, table[by_target["period"][0]]), strict=True))
