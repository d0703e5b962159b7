"""Reading a vendor's denial work log (CSV or XLSX) into the frames of ``worklogs.frames``.

Two layouts, told apart by the headers (never guessed):

- **one row per touch**: a ``touch date`` column (with ``action``, optionally ``minutes``); the
  denial's fields repeat on each of its rows and must agree;
- **one row per denial**: numbered touch columns ``touch 1 date``, ``touch 1 action``,
  ``touch 1 minutes``, ``touch 2 date`` ... (a denial id appears once).

Headers compare as report headers do (``vendors.ingest.headers.normalize``: no case, spaces or
punctuation), a vendor's own column aliases first. Dates: ``YYYY-MM-DD``, or ``M/D/YYYY`` as US
billing writes them; a slash date whose order the file does not settle (no value with a day
over 12 in either place) is refused, never guessed; XLSX date cells as they are. Money in
dollars and cents (``1,234.50``, ``$1234.5``), to integer cents; three decimals, a decimal
comma or a misplaced thousands separator are refused. Every error names its row (1 = the header
row) and its column as the file writes it; the whole file is refused on any error.

The whole file is parsed by pandas column-wise (no Python loop over rows), after the safety
checks: the size limit before anything is read, binary content, the row limit.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from vendors.ingest.errors import FileError, FileRefused
from vendors.ingest.headers import STRUCTURAL, normalize
from vendors.ingest.reading import Limits, read_sheet

from .frames import DENIAL_COLUMNS, TOUCH_COLUMNS, LogFrames
from .models import DenialOutcome, LogLayout, TouchAction

MAX_ERRORS = 50

# Canonical field -> the spellings vendors use (compared normalized).
FIELDS: dict[str, tuple[str, ...]] = {
    "denial_id": ("denial id", "denial", "denial number", "denial no", "denial #"),
    "claim_id": ("claim id", "claim", "claim number", "patient control number", "pcn"),
    "payer": STRUCTURAL["payer"],
    "carc": ("carc", "denial reason", "reason code", "reason", "denial code", "carc code"),
    "rarc": ("rarc", "remark code", "remark", "rarc code"),
    "amount_denied": STRUCTURAL["amount_denied"],
    "received_on": ("date received", "received", "received on", "received date", "denial date"),
    "resolved_on": ("resolution date", "resolved", "resolved on", "date resolved"),
    "outcome": ("outcome", "resolution", "result", "final outcome"),
    "amount_recovered": ("amount recovered", "recovered", "recovered amount", "recovery"),
    "touch_date": ("touch date", "date worked", "worked on", "activity date", "touched on"),
    "action": ("action", "activity", "touch action", "work action"),
    "minutes": ("minutes", "minutes worked", "work minutes", "time minutes"),
}
REQUIRED = ("denial_id", "claim_id", "payer", "carc", "amount_denied", "received_on")
DENIAL_FIELDS = (
    "claim_id", "payer", "carc", "rarc", "amount_denied", "received_on", "resolved_on",
    "outcome", "amount_recovered",
)  # fmt: skip
NUMBERED = re.compile(r"^touch(\d+)(date|action|minutes)$")

ACTIONS: dict[str, str] = {
    normalize(k): v.value for v in TouchAction for k in (v.value, v.label)
} | {
    normalize(k): v
    for k, v in {
        "correct & resubmit": "correct_resubmit",
        "corrected and resubmitted": "correct_resubmit",
        "resubmit": "correct_resubmit",
        "resubmitted": "correct_resubmit",
        "rebill": "correct_resubmit",
        "appealed": "appeal",
        "call": "payer_call",
        "called payer": "payer_call",
        "phone call": "payer_call",
        "writeoff": "write_off",
        "written off": "write_off",
        "reviewed": "review",
    }.items()
}
OUTCOMES: dict[str, str] = {
    normalize(k): v.value for v in DenialOutcome for k in (v.value, v.label)
} | {
    normalize(k): v
    for k, v in {
        "won": "overturned",
        "appeal won": "overturned",
        "paid": "paid_after_resubmission",
        "paid on resubmission": "paid_after_resubmission",
        "denial upheld": "upheld",
        "lost": "upheld",
        "write off": "written_off",
        "written-off": "written_off",
    }.items()
}

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
MONEY = re.compile(r"^(-?)\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
WHOLE = re.compile(r"^\d+$")
MAX_MINUTE_DIGITS = 9  # more is no touch's minutes (and would not fit a number)


@dataclass(frozen=True)
class Column:
    """A column of the file: its header as written and the frame column it feeds."""

    header: str
    letter: str


def refuse(message: str) -> FileRefused:
    return FileRefused([FileError(row=None, column=None, message=message)])


class _Errors:
    """Errors by row and column, capped (the count of the rest kept)."""

    def __init__(self) -> None:
        self.items: list[FileError] = []
        self.more = 0

    def add(self, rows: Iterable[Any], column: str | None, message: str) -> None:
        rows = list(rows)
        room = max(0, MAX_ERRORS - len(self.items))
        for row in rows[:room]:
            self.items.append(FileError(row=int(row), column=column, message=message))
        self.more += len(rows) - min(room, len(rows))

    def raise_any(self) -> None:
        if self.items:
            ordered = sorted(self.items, key=lambda e: (e.row or 0, e.column or ""))
            raise FileRefused(ordered, more_errors=self.more)


def limits() -> Limits:
    return Limits(
        max_bytes=settings.DENIAL_LOG_MAX_BYTES,
        max_rows=settings.DENIAL_LOG_MAX_ROWS,
    )


def _table(content: bytes, *, file_name: str, sheet: str | None) -> pd.DataFrame:
    """Every cell as text, the header row as column names, row numbers as the index."""
    lim = limits()
    if len(content) > lim.max_bytes:
        raise refuse(
            f"The file is {len(content):,} bytes; the limit is {lim.max_bytes:,} "
            "(DENIAL_LOG_MAX_BYTES)."
        )
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        parsed = read_sheet(content, file_name=file_name, limits=lim, sheet=sheet)
        if not parsed.rows:
            raise refuse("The sheet is empty.")
        header = [str(c).strip() if c is not None else "" for c in parsed.rows[0]]
        body = [[_cell_text(c) for c in row] for row in parsed.rows[1:]]
        width = len(header)
        body = [(row + [""] * width)[:width] for row in body]
        frame = pd.DataFrame(body, columns=header, dtype="string")
        frame.index = pd.Index(parsed.row_numbers[1:], dtype="int64")
        return frame
    if b"\x00" in content[:8192]:
        raise refuse("The file is binary, not a CSV text file.")
    try:
        frame = pd.read_csv(
            io.BytesIO(content),
            dtype="string",
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except UnicodeDecodeError:
        raise refuse("The file is not UTF-8 text; save it as CSV UTF-8.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise refuse(f"The file cannot be read as CSV ({str(exc).strip()}).") from None
    if len(frame) > lim.max_rows:
        raise refuse(
            f"The file has {len(frame):,} rows; the limit is {lim.max_rows:,} "
            "(DENIAL_LOG_MAX_ROWS)."
        )
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if hasattr(cell, "date") and hasattr(cell, "hour"):  # datetime
        return cell.date().isoformat()  # type: ignore[attr-defined]
    if hasattr(cell, "isoformat"):
        return cell.isoformat()  # type: ignore[attr-defined]
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _columns(frame: pd.DataFrame, aliases: Mapping[str, str]) -> dict[str, str]:
    """Canonical field (or touchN...) -> header as written; unknown headers are ignored."""
    lookup = {normalize(s): f for f, spellings in FIELDS.items() for s in (f, *spellings)}
    lookup |= {normalize(k): v for k, v in aliases.items()}
    found: dict[str, str] = {}
    errors = _Errors()
    for header in frame.columns:
        key = normalize(header)
        target = lookup.get(key) or (key if NUMBERED.match(key) else None)
        if target is None:
            continue
        if target in found:
            errors.add([1], str(header), f"Two columns mean {target}: {found[target]!r} too.")
        found[target] = str(header)
    errors.raise_any()
    return found


def _layout(found: Mapping[str, str]) -> str:
    numbered = any(NUMBERED.match(k) for k in found)
    if numbered and "touch_date" in found:
        raise refuse(
            f"The file has both a {found['touch_date']!r} column (one row per touch) and "
            "numbered touch columns (one row per denial); keep one layout."
        )
    if not numbered and "touch_date" not in found:
        raise refuse(
            "No touch columns: give 'touch date' and 'action' (one row per touch), or "
            "'touch 1 date', 'touch 1 action' ... (one row per denial)."
        )
    missing = [f for f in REQUIRED if f not in found]
    if "touch_date" in found and "action" not in found:
        missing.append("action")
    if missing:
        names = ", ".join(repr(FIELDS[f][0]) for f in missing)
        raise refuse(f"Missing column{'s' if len(missing) > 1 else ''}: {names}.")
    return LogLayout.PER_DENIAL if numbered else LogLayout.PER_TOUCH


@dataclass(frozen=True)
class _Coded:
    """A column as the code of each row into its distinct values, stripped (a column of a
    million dates holds a few hundred distinct values, parsed once each; ids and names are
    compared and copied as integer codes, never rebuilt as strings per row)."""

    codes: np.ndarray
    distinct: pd.Series

    @classmethod
    def of(cls, values: pd.Series) -> _Coded:
        if values.hasnans:
            values = values.fillna("")
        codes, uniques = pd.factorize(values)
        stripped = pd.Series(uniques, dtype="string").str.strip()
        again, distinct = pd.factorize(stripped)
        return cls(codes=again[codes], distinct=pd.Series(distinct, dtype="string"))

    @classmethod
    def blank(cls, size: int) -> _Coded:
        return cls(codes=np.zeros(size, dtype="intp"), distinct=pd.Series([""], dtype="string"))

    def take(self, positions: np.ndarray) -> _Coded:
        return _Coded(codes=self.codes[positions], distinct=self.distinct)

    def is_blank(self) -> np.ndarray:
        return (self.distinct == "").to_numpy()[self.codes]

    def values(self) -> pd.api.extensions.ExtensionArray:
        """The stripped text of each row (a string array)."""
        return self.distinct.array.take(self.codes)


class _Table:
    """The file's columns as :class:`_Coded`, each coded once, and its row numbers."""

    def __init__(self, frame: pd.DataFrame, found: Mapping[str, str]) -> None:
        self.frame = frame
        self.found = found
        self.rows = frame.index.to_numpy()
        self._coded: dict[str, _Coded] = {}

    def header(self, name: str) -> str:
        return self.found[name]

    def column(self, header: str) -> _Coded:
        if header not in self._coded:
            self._coded[header] = _Coded.of(self.frame[header])
        return self._coded[header]

    def field(self, name: str) -> _Coded:
        """A canonical field's column; blank cells when the file has none."""
        if name in self.found:
            return self.column(self.found[name])
        return _Coded.blank(len(self.rows))


def _slash_order(table: _Table, headers: list[str]) -> str | None:
    """ "mdy" or "dmy" as the file's slash dates settle it; None when it has none."""
    parts = []
    for header in headers:
        if header in table.frame.columns:
            distinct = table.column(header).distinct
            slashed = distinct[distinct.str.contains("/", regex=False)]
            parts.append(slashed.str.extract(SLASH).dropna())
    both = pd.concat(parts) if parts else pd.DataFrame()
    if both.empty:
        return None
    first, second = both[0].astype(int), both[1].astype(int)
    us, eu = bool((second > 12).any()), bool((first > 12).any())
    if us and eu:
        raise refuse(
            "The slash dates mix month/day/year and day/month/year (both have values over 12 "
            "in the first place and in the second); write dates as YYYY-MM-DD."
        )
    if not us and not eu:
        raise refuse(
            "The slash dates do not say whether they are month/day/year or day/month/year "
            "(no day over 12 in either place); write dates as YYYY-MM-DD."
        )
    return "mdy" if us else "dmy"


def _parse_dates(text: pd.Series, order: str | None) -> pd.Series:
    out = pd.to_datetime(text.where(text.str.match(ISO), None), format="%Y-%m-%d", errors="coerce")
    has_slash = text.str.contains("/", regex=False).to_numpy()
    if has_slash.any() and order is not None:
        slash = text.str.extract(SLASH)
        month, day = (slash[0], slash[1]) if order == "mdy" else (slash[1], slash[0])
        iso = slash[2] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
        built = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        out = out.where(~has_slash, built)
    return out


@dataclass(frozen=True)
class _Cells:
    """Some rows of one column: their codes, their row numbers and the column's header."""

    coded: _Coded
    rows: np.ndarray
    header: str


def _dates(cells: _Cells, order: str | None, errors: _Errors, *, required: bool) -> np.ndarray:
    text, codes = cells.coded.distinct, cells.coded.codes
    parsed = _parse_dates(text, order)
    empty = (text == "").to_numpy()
    bad = (parsed.isna().to_numpy() & ~empty)[codes]
    if bad.any():
        errors.add(cells.rows[bad], cells.header, "not a date (write YYYY-MM-DD or M/D/YYYY)")
    if required and (blank := empty[codes]).any():
        errors.add(cells.rows[blank], cells.header, "a date is required")
    return parsed.to_numpy().astype("datetime64[s]")[codes]


MONEY_PARTS = re.compile(
    r"^(?P<sign>-?)\$?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d{1,2}))?$"
)
MAX_DOLLAR_DIGITS = 15  # int64 cents hold 17; more is no amount a denial log gives


def _parse_cents(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cents of each distinct amount and whether it is one (Arrow's regex, no Python loop)."""
    parts = pc.extract_regex(pa.array(text.array), MONEY_PARTS.pattern)
    whole = pc.replace_substring(parts.field("whole"), ",", "")
    ok = parts.is_valid().to_numpy(zero_copy_only=False) & (
        pc.utf8_length(whole).to_numpy(zero_copy_only=False) <= MAX_DOLLAR_DIGITS
    )
    keep = pa.array(ok)
    dollars = pc.if_else(keep, whole, "0").cast(pa.int64()).to_numpy()
    fraction = pc.if_else(keep, pc.utf8_rpad(parts.field("fraction"), 2, "0"), "00")
    cents = fraction.cast(pa.int64()).to_numpy()
    sign = np.where(pc.equal(parts.field("sign"), "-").to_numpy(zero_copy_only=False), -1, 1)
    return np.where(ok, (dollars * 100 + cents) * sign, 0), ok


def _cents(cells: _Cells, errors: _Errors, *, required: bool) -> np.ndarray:
    text, codes = cells.coded.distinct, cells.coded.codes
    cents, ok = _parse_cents(text)
    empty = (text == "").to_numpy()
    blank, bad = empty[codes], (~ok & ~empty)[codes]
    if bad.any():
        errors.add(
            cells.rows[bad],
            cells.header,
            "not an amount in dollars and cents (e.g. 1,234.50; no decimal comma, at most "
            "two decimals)",
        )
    if required and blank.any():
        errors.add(cells.rows[blank], cells.header, "an amount is required")
    return cents.astype("int64")[codes]


def _vocabulary(
    cells: _Cells, words: Mapping[str, str], errors: _Errors, *, what: str
) -> pd.api.extensions.ExtensionArray:
    text, codes = cells.coded.distinct, cells.coded.codes
    keys = text.str.casefold().str.replace(r"[\W_]+", "", regex=True)
    mapped = keys.map(words)
    bad = (mapped.isna() & (keys != "")).to_numpy()[codes]
    if bad.any():
        allowed = ", ".join(sorted(set(words.values())))
        errors.add(cells.rows[bad], cells.header, f"not a known {what} (one of {allowed})")
    return pd.array(mapped.fillna("").to_numpy(dtype=object), dtype="string").take(codes)


@dataclass(frozen=True)
class ReadLog:
    """What a file read to: its layout and frames."""

    layout: str
    frames: LogFrames


@dataclass(frozen=True)
class _Touches:
    """The touches read, and the code of each one's denial id (in the id column's codes)."""

    frame: pd.DataFrame
    id_codes: np.ndarray


def read_log(
    content: bytes,
    *,
    file_name: str,
    period: str,
    sheet: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> ReadLog:
    """The file's denials and touches, or :class:`FileRefused` with every error found."""
    frame = _table(content, file_name=file_name, sheet=sheet)
    if frame.empty:
        raise refuse("The file has a header row but no denials.")
    found = _columns(frame, aliases or {})
    layout = _layout(found)
    table = _Table(frame, found)
    del frame
    date_headers = [h for f, h in found.items() if f.endswith(("_on", "touch_date", "date"))]
    order = _slash_order(table, date_headers)
    errors = _Errors()
    if layout == LogLayout.PER_TOUCH:
        denial_rows, touches = _per_touch(table, order, errors)
    else:
        denial_rows, touches = _per_denial(table, order, errors)
    denials = _denials(table, denial_rows, order, errors)
    _check(denials, touches, table, period, errors)
    _touched_before_received(denials, denial_rows, touches, table, errors)
    errors.raise_any()
    return ReadLog(layout=layout, frames=LogFrames(denials=denials, touches=touches.frame))


def _cells(table: _Table, name: str, positions: np.ndarray, default: str) -> _Cells:
    return _Cells(
        coded=table.field(name).take(positions),
        rows=table.rows[positions],
        header=table.found.get(name, default),
    )


def _denials(
    table: _Table, positions: np.ndarray, order: str | None, errors: _Errors
) -> pd.DataFrame:
    """One row per denial (index: its first row in the file), from the rows at positions."""
    rows = table.rows[positions]
    out: dict[str, Any] = {}
    for name in ("denial_id", "claim_id", "payer", "carc", "rarc"):
        coded = table.field(name).take(positions)
        out[name] = coded.values()
        if name in REQUIRED and (blank := coded.is_blank()).any():
            errors.add(rows[blank], table.header(name), "a value is required")
    out["amount_denied_cents"] = _cents(
        _cells(table, "amount_denied", positions, ""), errors, required=True
    )
    out["recovered_cents"] = _cents(
        _cells(table, "amount_recovered", positions, "amount recovered"), errors, required=False
    )
    out["received_on"] = _dates(
        _cells(table, "received_on", positions, ""), order, errors, required=True
    )
    out["resolved_on"] = _dates(
        _cells(table, "resolved_on", positions, "resolution date"), order, errors, required=False
    )
    out["outcome"] = _vocabulary(
        _cells(table, "outcome", positions, "outcome"), OUTCOMES, errors, what="outcome"
    )
    return pd.DataFrame(out, index=pd.Index(rows, dtype="int64")).astype(DENIAL_COLUMNS)


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """The position of each code's first row."""
    return np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())


def _disagreeing(ids: _Coded, values: _Coded) -> np.ndarray:
    """Whether each row's denial (id given) has more than one distinct value in the column."""
    pairs = pd.unique(ids.codes.astype("int64") * len(values.distinct) + values.codes)
    per_id = np.bincount(pairs // len(values.distinct), minlength=len(ids.distinct))
    clash = (per_id > 1) & (ids.distinct != "").to_numpy()
    return clash[ids.codes]


def _agreement(table: _Table, ids: _Coded, errors: _Errors) -> None:
    """A denial's fields must agree on each of its rows (the first two values named)."""
    for name in DENIAL_FIELDS:
        if name not in table.found:
            continue
        values = table.field(name)
        suspect = _disagreeing(ids, values)
        if not suspect.any():
            continue
        pairs = pd.DataFrame(
            {"id": ids.values()[suspect], "value": values.values()[suspect]},
            index=table.rows[suspect],
        )
        distinct = pairs.drop_duplicates()
        clash = distinct["id"].duplicated(keep=False)
        for denial, group in distinct[clash].groupby("id", sort=False):
            rows = list(group.index[:2])
            errors.add(
                [rows[1]],
                table.header(name),
                f"denial {denial} says {group['value'].iloc[1]!r} here and "
                f"{group['value'].iloc[0]!r} on row {rows[0]}; a denial's fields must agree",
            )
            if len(errors.items) >= MAX_ERRORS:
                break


def _per_touch(table: _Table, order: str | None, errors: _Errors) -> tuple[np.ndarray, _Touches]:
    ids = table.field("denial_id")
    _agreement(table, ids, errors)
    first = _first_positions(ids.codes)
    dated = ~table.field("touch_date").is_blank()
    at = np.flatnonzero(dated)
    touches = _touches(
        table,
        ids=ids.take(at),
        date=_cells(table, "touch_date", at, ""),
        action=_cells(table, "action", at, ""),
        minutes=_cells(table, "minutes", at, "") if "minutes" in table.found else None,
        order=order,
        errors=errors,
    )
    action_without_date = ~dated & ~table.field("action").is_blank()
    if action_without_date.any():
        errors.add(
            table.rows[action_without_date], table.header("touch_date"), "an action needs a date"
        )
    return first, _Touches(frame=touches, id_codes=ids.codes[at])


def _per_denial(table: _Table, order: str | None, errors: _Errors) -> tuple[np.ndarray, _Touches]:
    ids = table.field("denial_id")
    repeated = pd.Series(ids.codes).duplicated(keep="first").to_numpy() & ~ids.is_blank()
    if repeated.any():
        errors.add(
            table.rows[repeated],
            table.header("denial_id"),
            "this denial id is on an earlier row too (one row per denial: each id once; or "
            "use a 'touch date' column for one row per touch)",
        )
    found = table.found
    numbers = sorted({int(NUMBERED.match(k)[1]) for k in found if NUMBERED.match(k)})  # type: ignore[index]
    parts, codes = [], []
    for n in numbers:
        date_h, action_h = found.get(f"touch{n}date"), found.get(f"touch{n}action")
        minutes_h = found.get(f"touch{n}minutes")
        if date_h is None or action_h is None:
            raise refuse(f"Touch {n} needs both a date and an action column.")
        given = ~table.column(date_h).is_blank()
        if (undated := ~table.column(action_h).is_blank() & ~given).any():
            errors.add(table.rows[undated], date_h, "an action needs a date")
        at = np.flatnonzero(given)
        parts.append(
            _touches(
                table,
                ids=ids.take(at),
                date=_Cells(table.column(date_h).take(at), table.rows[at], date_h),
                action=_Cells(table.column(action_h).take(at), table.rows[at], action_h),
                minutes=(
                    _Cells(table.column(minutes_h).take(at), table.rows[at], minutes_h)
                    if minutes_h
                    else None
                ),
                order=order,
                errors=errors,
            )
        )
        codes.append(ids.codes[at])
    touches = pd.concat(parts) if parts else _empty_touches()
    id_codes = np.concatenate(codes) if codes else np.zeros(0, dtype="intp")
    return np.arange(len(table.rows)), _Touches(frame=touches, id_codes=id_codes)


def _empty_touches() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TOUCH_COLUMNS.items()})


def _touches(
    table: _Table,
    *,
    ids: _Coded,
    date: _Cells,
    action: _Cells,
    minutes: _Cells | None,
    order: str | None,
    errors: _Errors,
) -> pd.DataFrame:
    out: dict[str, Any] = {"denial_id": ids.values()}
    out["touched_on"] = _dates(date, order, errors, required=True)
    out["action"] = _vocabulary(action, ACTIONS, errors, what="action")
    if (blank := action.coded.is_blank()).any():
        errors.add(action.rows[blank], action.header, "a touch needs an action")
    if minutes is None:
        out["minutes"] = pd.array([pd.NA] * len(date.rows), dtype="Int64")
    else:
        text, codes = minutes.coded.distinct, minutes.coded.codes
        whole = text.str.fullmatch(WHOLE).fillna(False).astype(bool) & (
            text.str.len() <= MAX_MINUTE_DIGITS
        )
        bad = (~whole & (text != "")).to_numpy()
        if bad[codes].any():
            errors.add(minutes.rows[bad[codes]], minutes.header, "not a whole number of minutes")
        parsed = pd.to_numeric(text.where(whole, None)).astype("Int64").array
        out["minutes"] = parsed.take(codes)
    return pd.DataFrame(out, index=pd.Index(date.rows, dtype="int64")).astype(TOUCH_COLUMNS)


def _check(
    denials: pd.DataFrame,
    touches: _Touches,
    table: _Table,
    period: str,
    errors: _Errors,
) -> None:
    """Rules across fields: the log's month, touches after receipt, outcomes with dates."""
    found = table.found
    end = pd.Timestamp(period + "-01") + pd.offsets.MonthEnd(0)
    late = denials["received_on"] > end
    if late.any():
        errors.add(
            denials.index[late], found["received_on"], f"received after {period}, the log's month"
        )
    resolved = denials["resolved_on"].notna()
    early = resolved & (denials["resolved_on"] < denials["received_on"])
    if early.any():
        errors.add(
            denials.index[early], found.get("resolved_on"), "resolved before it was received"
        )
    no_outcome = resolved & (denials["outcome"] == "")
    if no_outcome.any():
        errors.add(
            denials.index[no_outcome],
            found.get("outcome", "outcome"),
            "resolved without an outcome",
        )
    no_date = ~resolved & (denials["outcome"] != "")
    if no_date.any():
        errors.add(
            denials.index[no_date],
            found.get("resolved_on", "resolution date"),
            "an outcome needs its resolution date",
        )


def _touched_before_received(
    denials: pd.DataFrame,
    positions: np.ndarray,
    touches: _Touches,
    table: _Table,
    errors: _Errors,
) -> None:
    """A touch before its denial (the first row of its id) was received."""
    ids = table.field("denial_id")
    denial_codes = ids.codes[positions]
    first = _first_positions(denial_codes)
    received = np.full(len(ids.distinct), np.datetime64("NaT", "s"))
    received[denial_codes[first]] = denials["received_on"].to_numpy()[first]
    touched = touches.frame["touched_on"].to_numpy()
    before = touched < received[touches.id_codes]
    if before.any():
        errors.add(
            touches.frame.index[before],
            table.found.get("touch_date") or "touch date",
            "a touch before the denial was received",
        )
