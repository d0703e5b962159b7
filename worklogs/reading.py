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


def _unique(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The codes of each cell and the distinct cells, stripped: a column of a million dates
    holds a few hundred distinct values, parsed once each."""
    codes, uniques = pd.factorize(values)
    return codes, pd.Series(uniques, dtype="string").str.strip()


def _slash_order(frame: pd.DataFrame, headers: list[str]) -> str | None:
    """ "mdy" or "dmy" as the file's slash dates settle it; None when it has none."""
    parts = []
    for header in headers:
        if header in frame.columns:
            _codes, distinct = _unique(frame[header])
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


def _dates(
    values: pd.Series, header: str, order: str | None, errors: _Errors, *, required: bool
) -> pd.Series:
    codes, text = _unique(values)
    parsed = _parse_dates(text, order)
    blank = (text == "").to_numpy()[codes]
    bad = (parsed.isna().to_numpy() & ~(text == "").to_numpy())[codes]
    if bad.any():
        errors.add(values.index[bad], header, "not a date (write YYYY-MM-DD or M/D/YYYY)")
    if required and blank.any():
        errors.add(values.index[blank], header, "a date is required")
    return pd.Series(parsed.to_numpy()[codes], index=values.index).astype("datetime64[s]")


def _parse_cents(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cents of each distinct amount and whether it is one."""
    parts = text.str.extract(MONEY)
    ok = text.str.fullmatch(MONEY).fillna(False).astype(bool).to_numpy()
    dollars = text.str.replace(r"[$,\-]", "", regex=True).str.split(".").str[0]
    cents = parts[1].fillna("").str.ljust(2, "0")
    whole = dollars.where(ok, "0").replace("", "0").astype("int64").to_numpy()
    fraction = cents.where(ok & (cents != "").to_numpy(), "0").astype("int64").to_numpy()
    sign = np.where(parts[0].fillna("").to_numpy() == "-", -1, 1)
    return np.where(ok, (whole * 100 + fraction) * sign, 0), ok


def _cents(values: pd.Series, header: str, errors: _Errors, *, required: bool) -> pd.Series:
    codes, text = _unique(values)
    cents, ok = _parse_cents(text)
    empty = (text == "").to_numpy()
    blank, bad = empty[codes], (~ok & ~empty)[codes]
    if bad.any():
        errors.add(
            values.index[bad],
            header,
            "not an amount in dollars and cents (e.g. 1,234.50; no decimal comma, at most "
            "two decimals)",
        )
    if required and blank.any():
        errors.add(values.index[blank], header, "an amount is required")
    return pd.Series(cents[codes], index=values.index, dtype="int64")


def _vocabulary(
    values: pd.Series, header: str, words: Mapping[str, str], errors: _Errors, *, what: str
) -> pd.Series:
    codes, text = _unique(values)
    keys = text.str.casefold().str.replace(r"[\W_]+", "", regex=True)
    mapped = keys.map(words)
    bad = (mapped.isna() & (keys != "")).to_numpy()[codes]
    if bad.any():
        allowed = ", ".join(sorted(set(words.values())))
        errors.add(values.index[bad], header, f"not a known {what} (one of {allowed})")
    return pd.Series(mapped.fillna("").to_numpy()[codes], index=values.index, dtype="string")


@dataclass(frozen=True)
class ReadLog:
    """What a file read to: its layout and frames."""

    layout: str
    frames: LogFrames


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
    date_headers = [h for f, h in found.items() if f.endswith(("_on", "touch_date", "date"))]
    order = _slash_order(frame, date_headers)
    errors = _Errors()
    if layout == LogLayout.PER_TOUCH:
        denial_rows, touches = _per_touch(frame, found, order, errors)
    else:
        denial_rows, touches = _per_denial(frame, found, order, errors)
    denials = _denials(denial_rows, found, order, errors)
    _check(denials, touches, found, period, errors)
    errors.raise_any()
    return ReadLog(layout=layout, frames=LogFrames(denials=denials, touches=touches))


def _text(frame: pd.DataFrame, found: Mapping[str, str], name: str) -> pd.Series:
    if name in found:
        return frame[found[name]].str.strip()
    return pd.Series("", index=frame.index, dtype="string")


def _denials(
    rows: pd.DataFrame, found: Mapping[str, str], order: str | None, errors: _Errors
) -> pd.DataFrame:
    """One row per denial (index: its first row in the file)."""
    out = pd.DataFrame(index=rows.index)
    for name in ("denial_id", "claim_id", "payer", "carc", "rarc"):
        out[name] = _text(rows, found, name)
        if name in REQUIRED and (blank := out[name] == "").any():
            errors.add(rows.index[blank], found[name], "a value is required")
    out["amount_denied_cents"] = _cents(
        rows[found["amount_denied"]], found["amount_denied"], errors, required=True
    )
    recovered = _text(rows, found, "amount_recovered")
    out["recovered_cents"] = _cents(
        recovered, found.get("amount_recovered", "amount recovered"), errors, required=False
    )
    out["received_on"] = _dates(
        rows[found["received_on"]], found["received_on"], order, errors, required=True
    )
    out["resolved_on"] = _dates(
        _text(rows, found, "resolved_on"),
        found.get("resolved_on", "resolution date"),
        order,
        errors,
        required=False,
    )
    out["outcome"] = _vocabulary(
        _text(rows, found, "outcome"),
        found.get("outcome", "outcome"),
        OUTCOMES,
        errors,
        what="outcome",
    )
    return out.astype(DENIAL_COLUMNS)


def _per_touch(
    frame: pd.DataFrame, found: Mapping[str, str], order: str | None, errors: _Errors
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = frame[found["denial_id"]].str.strip()
    for name in DENIAL_FIELDS:
        if name not in found:
            continue
        pairs = pd.DataFrame({"id": ids, "value": frame[found[name]].str.strip()})
        distinct = pairs.drop_duplicates()
        clash = distinct["id"].duplicated(keep=False) & (distinct["id"] != "")
        if clash.any():
            for denial, group in distinct[clash].groupby("id", sort=False):
                rows = list(group.index[:2])
                errors.add(
                    [rows[1]],
                    found[name],
                    f"denial {denial} says {group['value'].iloc[1]!r} here and "
                    f"{group['value'].iloc[0]!r} on row {rows[0]}; a denial's fields must agree",
                )
                if len(errors.items) >= MAX_ERRORS:
                    break
    first = frame[~ids.duplicated()]
    touch_rows = frame[frame[found["touch_date"]].str.strip() != ""]
    touches = _touches(
        touch_rows,
        ids=touch_rows[found["denial_id"]].str.strip(),
        date=(touch_rows[found["touch_date"]], found["touch_date"]),
        action=(touch_rows[found["action"]], found["action"]),
        minutes=(touch_rows[found["minutes"]], found["minutes"]) if "minutes" in found else None,
        order=order,
        errors=errors,
    )
    action_without_date = (frame[found["touch_date"]].str.strip() == "") & (
        frame[found["action"]].str.strip() != ""
    )
    if action_without_date.any():
        errors.add(frame.index[action_without_date], found["touch_date"], "an action needs a date")
    return first, touches


def _per_denial(
    frame: pd.DataFrame, found: Mapping[str, str], order: str | None, errors: _Errors
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = frame[found["denial_id"]].str.strip()
    repeated = ids.duplicated(keep="first") & (ids != "")
    if repeated.any():
        errors.add(
            frame.index[repeated],
            found["denial_id"],
            "this denial id is on an earlier row too (one row per denial: each id once; or "
            "use a 'touch date' column for one row per touch)",
        )
    numbers = sorted({int(NUMBERED.match(k)[1]) for k in found if NUMBERED.match(k)})  # type: ignore[index]
    parts = []
    for n in numbers:
        date_h, action_h = found.get(f"touch{n}date"), found.get(f"touch{n}action")
        minutes_h = found.get(f"touch{n}minutes")
        if date_h is None or action_h is None:
            raise refuse(f"Touch {n} needs both a date and an action column.")
        given = frame[date_h].str.strip() != ""
        if ((frame[action_h].str.strip() != "") & ~given).any():
            errors.add(frame.index[(frame[action_h].str.strip() != "") & ~given], date_h,
                       "an action needs a date")  # fmt: skip
        rows = frame[given]
        parts.append(
            _touches(
                rows,
                ids=ids[given],
                date=(rows[date_h], date_h),
                action=(rows[action_h], action_h),
                minutes=(rows[minutes_h], minutes_h) if minutes_h else None,
                order=order,
                errors=errors,
            )
        )
    touches = pd.concat(parts) if parts else _empty_touches()
    return frame, touches


def _empty_touches() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TOUCH_COLUMNS.items()})


def _touches(
    rows: pd.DataFrame,
    *,
    ids: pd.Series,
    date: tuple[pd.Series, str],
    action: tuple[pd.Series, str],
    minutes: tuple[pd.Series, str] | None,
    order: str | None,
    errors: _Errors,
) -> pd.DataFrame:
    out = pd.DataFrame(index=rows.index)
    out["denial_id"] = ids
    out["touched_on"] = _dates(date[0], date[1], order, errors, required=True)
    out["action"] = _vocabulary(action[0], action[1], ACTIONS, errors, what="action")
    if (blank := action[0].str.strip() == "").any():
        errors.add(rows.index[blank], action[1], "a touch needs an action")
    if minutes is None:
        out["minutes"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    else:
        codes, text = _unique(minutes[0])
        whole = text.str.fullmatch(WHOLE).fillna(False).astype(bool)
        bad = (~whole & (text != "")).to_numpy()
        if bad[codes].any():
            errors.add(rows.index[bad[codes]], minutes[1], "not a whole number of minutes")
        parsed = pd.to_numeric(text.where(whole, None)).astype("Int64").array
        out["minutes"] = parsed.take(codes)
    return out.astype(TOUCH_COLUMNS)


def _check(
    denials: pd.DataFrame,
    touches: pd.DataFrame,
    found: Mapping[str, str],
    period: str,
    errors: _Errors,
) -> None:
    """Rules across fields: the log's month, touches after receipt, outcomes with dates."""
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
    received = denials.set_axis(denials["denial_id"].to_numpy())["received_on"]
    received = received[~received.index.duplicated()]
    before = touches["touched_on"] < touches["denial_id"].map(received).to_numpy()
    if before.any():
        errors.add(
            touches.index[before],
            found.get("touch_date") or "touch date",
            "a touch before the denial was received",
        )
