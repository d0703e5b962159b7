"""Reading denial work logs: both layouts to the same frames, and every refusal by row and column.

files/per_touch.csv and files/per_denial.csv hold the same three denials (A, B, C of
test_measures.py), one row per touch with US dates and the vendor's own words, and one row per
denial with ISO dates and numbered touch columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vendors.ingest.errors import FileRefused
from worklogs.reading import read_log

FILES = Path(__file__).parent / "files"
PER_TOUCH = (FILES / "per_touch.csv").read_bytes()
PER_DENIAL = (FILES / "per_denial.csv").read_bytes()


def read(content: bytes | str, name: str = "log.csv", period: str = "2026-05"):
    data = content.encode() if isinstance(content, str) else content
    return read_log(data, file_name=name, period=period)


def refusal(content: bytes | str, period: str = "2026-05") -> list[str]:
    with pytest.raises(FileRefused) as caught:
        read(content, period=period)
    return [str(e) for e in caught.value.errors]


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def test_both_layouts_read_to_the_same_frames() -> None:
    touch, denial = read(PER_TOUCH), read(PER_DENIAL)
    assert (touch.layout, denial.layout) == ("per_touch", "per_denial")
    pd.testing.assert_frame_equal(
        _sorted(touch.frames.denials, ["denial_id"]), _sorted(denial.frames.denials, ["denial_id"])
    )
    pd.testing.assert_frame_equal(
        _sorted(touch.frames.touches, ["denial_id", "touched_on"]),
        _sorted(denial.frames.touches, ["denial_id", "touched_on"]),
    )


def test_the_values_read() -> None:
    log = read(PER_TOUCH)
    a = log.frames.denials.set_index("denial_id").loc["A"]
    assert (a["claim_id"], a["payer"], a["carc"], a["rarc"]) == ("CLM-A", "Aetna", "16", "")
    assert (a["amount_denied_cents"], a["recovered_cents"]) == (50000, 45000)
    assert a["received_on"] == pd.Timestamp("2026-05-22")
    assert (a["resolved_on"], a["outcome"]) == (
        pd.Timestamp("2026-05-29"),
        "paid_after_resubmission",
    )
    b = log.frames.denials.set_index("denial_id").loc["B"]
    assert (b["amount_denied_cents"], pd.isna(b["resolved_on"]), b["outcome"]) == (120000, True, "")
    touches = _sorted(log.frames.touches, ["denial_id", "touched_on"])
    assert list(zip(touches["denial_id"], touches["action"], touches["minutes"], strict=True)) == [
        ("A", "review", 10),
        ("A", "correct_resubmit", 20),
        ("C", "review", pd.NA),
        ("C", "appeal", pd.NA),
        ("C", "payer_call", pd.NA),
    ]
    assert list(touches["touched_on"].dt.date) == [
        dt.date(2026, 5, 26), dt.date(2026, 5, 29),
        dt.date(2026, 3, 3), dt.date(2026, 3, 20), dt.date(2026, 5, 15),
    ]  # fmt: skip


HEAD = "denial id,claim id,payer,carc,amount denied,date received,touch date,action\n"


def test_slash_dates_the_file_does_not_settle_are_refused() -> None:
    assert refusal(HEAD + "X,C1,Aetna,16,10.00,5/4/2026,5/6/2026,review\n") == [
        "The slash dates do not say whether they are month/day/year or day/month/year (no day "
        "over 12 in either place); write dates as YYYY-MM-DD."
    ]


def test_day_first_dates_are_read_when_the_file_settles_them() -> None:
    log = read(HEAD + "X,C1,Aetna,16,10.00,25/5/2026,4/6/2026,review\n", period="2026-05")
    assert log.frames.touches["touched_on"].iloc[0] == pd.Timestamp("2026-06-04")


def test_cell_errors_name_row_and_column() -> None:
    content = HEAD + (
        "X,C1,Aetna,16,10.005,2026-05-04,2026-05-06,review\n"
        'Y,C2,Aetna,16,"12,5",2026-05-04,2026-05-06,phoned a friend\n'
        "Z,C3,Aetna,16,10.00,2026-06-02,2026-05-06,review\n"
        "W,C4,Aetna,16,10.00,2026-05-10,2026-05-06,review\n"
    )
    assert refusal(content) == [
        "Row 2, column amount denied: not an amount in dollars and cents (e.g. 1,234.50; no "
        "decimal comma, at most two decimals)",
        "Row 3, column action: not a known action (one of appeal, correct_resubmit, payer_call, "
        "review, write_off)",
        "Row 3, column amount denied: not an amount in dollars and cents (e.g. 1,234.50; no "
        "decimal comma, at most two decimals)",
        "Row 4, column date received: received after 2026-05, the log's month",
        "Row 4, column touch date: a touch before the denial was received",
        "Row 5, column touch date: a touch before the denial was received",
    ]


def test_a_denial_whose_rows_disagree_is_refused() -> None:
    content = HEAD + (
        "X,C1,Aetna,16,10.00,2026-05-04,2026-05-06,review\n"
        "X,C1,Aetna,16,11.00,2026-05-04,2026-05-07,appeal\n"
    )
    assert refusal(content) == [
        "Row 3, column amount denied: denial X says '11.00' here and '10.00' on row 2; a "
        "denial's fields must agree"
    ]


def test_a_denial_twice_in_the_per_denial_layout_is_refused() -> None:
    content = (
        "denial id,claim id,payer,carc,amount denied,date received,touch 1 date,touch 1 action\n"
        "X,C1,Aetna,16,10.00,2026-05-04,2026-05-06,review\n"
        "X,C1,Aetna,16,10.00,2026-05-04,2026-05-07,appeal\n"
    )
    assert refusal(content) == [
        "Row 3, column denial id: this denial id is on an earlier row too (one row per denial: "
        "each id once; or use a 'touch date' column for one row per touch)"
    ]


def test_the_layout_must_be_one_or_the_other() -> None:
    assert refusal(
        "denial id,claim id,payer,carc,amount denied,date received\nX,C,A,1,1,2026-05-01\n"
    ) == [
        "No touch columns: give 'touch date' and 'action' (one row per touch), or 'touch 1 "
        "date', 'touch 1 action' ... (one row per denial)."
    ]
    both = HEAD.strip() + ",touch 1 date,touch 1 action\n"
    assert refusal(both + "X,C1,Aetna,16,10.00,2026-05-04,2026-05-06,review,,\n") == [
        "The file has both a 'touch date' column (one row per touch) and numbered touch "
        "columns (one row per denial); keep one layout."
    ]
    assert refusal("denial id,payer,touch date,action\nX,A,2026-05-01,review\n") == [
        "Missing columns: 'claim id', 'carc', 'amount denied', 'date received'."
    ]


def test_binary_and_oversized_files_are_refused_before_reading(settings) -> None:
    assert refusal(b"PK\x03\x04\x00\x00binary") == ["The file is binary, not a CSV text file."]
    settings.DENIAL_LOG_MAX_BYTES = 100
    assert refusal(PER_TOUCH) == [
        f"The file is {len(PER_TOUCH):,} bytes; the limit is 100 (DENIAL_LOG_MAX_BYTES)."
    ]


LINES = PER_TOUCH.decode().splitlines(keepends=True)


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(LINES[1:]))
def test_the_order_of_rows_never_changes_the_frames(order: list[str]) -> None:
    base, shuffled = read(PER_TOUCH).frames, read("".join([LINES[0], *order])).frames
    pd.testing.assert_frame_equal(
        _sorted(base.denials, ["denial_id"]), _sorted(shuffled.denials, ["denial_id"])
    )
    pd.testing.assert_frame_equal(
        _sorted(base.touches, ["denial_id", "touched_on"]),
        _sorted(shuffled.touches, ["denial_id", "touched_on"]),
    )


def test_an_xlsx_log_with_date_cells_reads_as_the_csv_does() -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in PER_DENIAL.decode().splitlines():
        cells: list[object] = []
        for cell in line.split(","):
            if len(cell) == 10 and cell[4] == "-":
                cells.append(dt.date.fromisoformat(cell))  # a real date cell
            elif cell.replace(".", "", 1).isdigit() and "." in cell:
                cells.append(float(cell))  # 500.00 as Excel keeps it: 500.0
            else:
                cells.append(cell or None)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = read_log(buffer.getvalue(), file_name="log.xlsx", period="2026-05")
    csv = read(PER_DENIAL)
    pd.testing.assert_frame_equal(
        _sorted(xlsx.frames.denials, ["denial_id"]), _sorted(csv.frames.denials, ["denial_id"])
    )
    pd.testing.assert_frame_equal(
        _sorted(xlsx.frames.touches, ["denial_id", "touched_on"]),
        _sorted(csv.frames.touches, ["denial_id", "touched_on"]),
    )


def test_numbers_too_long_for_a_number_are_refused_by_row_and_column() -> None:
    content = (
        "denial id,claim id,payer,carc,amount denied,date received,touch date,action,minutes\n"
        "X,C1,Aetna,16,1234567890123456,2026-05-04,2026-05-06,review,5\n"
        "Y,C2,Aetna,16,10.00,2026-05-04,2026-05-06,review,1234567890\n"
    )
    assert refusal(content) == [
        "Row 2, column amount denied: not an amount in dollars and cents (e.g. 1,234.50; no "
        "decimal comma, at most two decimals)",
        "Row 3, column minutes: not a whole number of minutes",
    ]
