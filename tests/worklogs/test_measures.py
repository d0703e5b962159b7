"""Denial-work measures on a small hand-written log, every value worked out by hand below.

May 2026: Friday 1 to Sunday 31; Monday 25 is Memorial Day (the organization's holiday).
elapsed(a, b) = business days in [a, b).

  id  received    touches (date action minutes)                 resolved   outcome   cents
  A   Fri 05-22   05-29 resubmit 20, 05-26 review 10 (file order) 05-29  paid-after  50000 (45000)
  B   Mon 05-04   none                                            open                120000
  C   Mon 03-02   03-03 review, 03-20 appeal, 05-15 payer call    open                 80000
  D   Fri 05-29   none                                            open                 10000
  E   Mon 05-11   05-11 review 15, 05-12 appeal, 05-20 call 5     05-27      upheld    30000
  F   Tue 05-05   05-07 review                                    05-08   written off  20000
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worklogs.frames import DENIAL_COLUMNS, TOUCH_COLUMNS, LogFrames
from worklogs.measures import Milestones, compute, first_touch_days

HOLIDAYS = [dt.date(2026, 5, 25)]
D = dt.date


def frames(denials: list[tuple], touches: list[tuple]) -> LogFrames:
    denial_frame = pd.DataFrame(
        denials,
        columns=[
            "denial_id", "claim_id", "payer", "carc", "rarc", "amount_denied_cents",
            "recovered_cents", "received_on", "resolved_on", "outcome",
        ],
    )  # fmt: skip
    touch_frame = pd.DataFrame(touches, columns=["denial_id", "touched_on", "action", "minutes"])
    for frame, columns in ((denial_frame, DENIAL_COLUMNS), (touch_frame, TOUCH_COLUMNS)):
        for column, dtype in columns.items():
            frame[column] = (
                pd.to_datetime(frame[column]).astype(dtype)
                if dtype.startswith("datetime")
                else frame[column].astype(dtype)
            )
    return LogFrames(denials=denial_frame, touches=touch_frame)


DENIALS = [
    ("A", "CLM-A", "Aetna", "16", "", 50000, 45000, D(2026, 5, 22), D(2026, 5, 29),
     "paid_after_resubmission"),
    ("B", "CLM-B", "Aetna", "16", "", 120000, 0, D(2026, 5, 4), None, ""),
    ("C", "CLM-C", "Cigna", "197", "N30", 80000, 0, D(2026, 3, 2), None, ""),
    ("D", "CLM-D", "Aetna", "16", "", 10000, 0, D(2026, 5, 29), None, ""),
    ("E", "CLM-E", "Humana", "50", "", 30000, 0, D(2026, 5, 11), D(2026, 5, 27), "upheld"),
    ("F", "CLM-F", "Humana", "29", "", 20000, 0, D(2026, 5, 5), D(2026, 5, 8), "written_off"),
]  # fmt: skip
TOUCHES = [
    ("A", D(2026, 5, 29), "correct_resubmit", 20),  # out of order: A's first touch is below
    ("A", D(2026, 5, 26), "review", 10),
    ("C", D(2026, 3, 3), "review", None),
    ("C", D(2026, 3, 20), "appeal", None),
    ("C", D(2026, 5, 15), "payer_call", None),
    ("E", D(2026, 5, 11), "review", 15),
    ("E", D(2026, 5, 12), "appeal", None),
    ("E", D(2026, 5, 20), "payer_call", 5),
    ("F", D(2026, 5, 7), "review", None),
]


@pytest.fixture(scope="module")
def measured():
    return compute(frames(DENIALS, TOUCHES), period="2026-05", holidays=HOLIDAYS)


def test_counts(measured) -> None:
    # received in May: A, B, D, E, F (C came in March); open at 05-31: B, C, D; resolved in
    # May: A, E, F
    assert (measured.denials_received, measured.denials_open_at_end) == (5, 3)
    assert measured.denials_resolved == 3


def test_first_touch_on_business_days_with_the_holiday(measured) -> None:
    # A: Fri 05-22 -> Tue 05-26 = [22, 26) minus Sat, Sun and the Monday holiday = 1: on time.
    # B: never touched, milestone long past: counted, late. D: never touched, received Fri
    # 05-29, elapsed to June 1 = 1 <= 1: not yet due, left out. E: same day = 0, on time.
    # F: Tue 05-05 -> Thu 05-07 = 2: late.  On time 2 of 4 = 50 %.
    assert measured.first_touch_within_sla_rate == Decimal("50.0000")
    # touched and received in May: A 1, E 0, F 2 -> median 1, p90 (ceil(2.7) = 3rd) 2
    assert measured.first_touch_median_days == Decimal("1.00")
    assert measured.first_touch_p90_days == Decimal("2.00")


def test_the_holiday_is_what_keeps_a_on_time() -> None:
    days = first_touch_days(frames(DENIALS, TOUCHES), period="2026-05", holidays=HOLIDAYS)
    assert days.to_dict() == {"A": 1, "B": None, "C": 1, "D": None, "E": 0, "F": 2}
    without = first_touch_days(frames(DENIALS, TOUCHES), period="2026-05")
    assert without["A"] == 2  # Monday 05-25 counts when it is not a holiday


def test_follow_ups_and_appeals(measured) -> None:
    # touched: A (gap 05-26 -> 05-29 = 3), C (03-03 -> 03-20 = 13 > 7), E (1, then 6), F (one
    # touch, resolved): 3 of 4 within 7 = 75 %.  Appeals: C 03-02 -> 03-20 = 14, E 1: both
    # within 20 business days.
    assert measured.follow_up_within_sla_rate == Decimal("75.0000")
    assert (measured.appeals, measured.appeal_within_deadline_rate) == (2, Decimal("100.0000"))


def test_resolution_recovery_and_overturns(measured) -> None:
    # resolved in May: A (4 business days), E (11), F (3): all within 30.  Denied 50000 + 30000
    # + 20000 = 100000, recovered 45000 = 45 %; overturned or paid after resubmission: A, 1 of 3.
    assert measured.resolution_within_sla_rate == Decimal("100.0000")
    assert (measured.denied_cents, measured.recovered_cents) == (100000, 45000)
    assert measured.recovery_yield_rate == Decimal("45.0000")
    assert measured.overturn_rate == Decimal("33.3333")


def test_touches_rework_and_minutes(measured) -> None:
    # touches 2 + 0 + 3 + 0 + 3 + 1 = 9 over 6 denials = 1.50; 3 or more: C, E = 2 of 6;
    # minutes given on A (10 + 20) and E (15 + 5): 50 over 2 denials = 25.00
    assert measured.touches_per_denial == Decimal("1.50")
    assert measured.rework_rate == Decimal("33.3333")
    assert measured.minutes_per_denial == Decimal("25.00")


def test_overdue_queue_by_value(measured) -> None:
    # B: untouched, elapsed 05-04 -> 05-31 = 19, 18 past the first-touch milestone.  C: last
    # touch 05-15 -> 05-31 = 10, 3 past the follow-up milestone.  D: 1 elapsed, not overdue.
    assert (measured.overdue_count, measured.overdue_value_cents) == (2, 200000)
    assert [(o["denial_id"], o["milestone"], o["days_overdue"]) for o in measured.overdue] == [
        ("B", "first_touch", 18),
        ("C", "follow_up", 3),
    ]
    assert measured.overdue[0] == {
        "denial_id": "B",
        "claim_id": "CLM-B",
        "payer": "Aetna",
        "reason": "16",
        "amount_cents": 120000,
        "received_on": "2026-05-04",
        "milestone": "first_touch",
        "days_overdue": 18,
    }
    # top decile of 6 denials = ceil(0.6) = 1: B, 120000 of the 200000 overdue = 60 %
    assert measured.overdue_top_decile_share == Decimal("60.0000")


def test_ageing_and_backlog(measured) -> None:
    # open at 05-31: B 27 days, D 2 days (reason 16), C 90 days (197)
    assert measured.ageing == [
        {"reason": "16", "0-30": 2, "31-60": 0, "61-90": 0, "90+": 0, "value_cents": 130000},
        {"reason": "197", "0-30": 0, "31-60": 0, "61-90": 1, "90+": 0, "value_cents": 80000},
    ]
    assert measured.backlog_by_payer == [
        {"payer": "Aetna", "count": 2, "value_cents": 130000},
        {"payer": "Cigna", "count": 1, "value_cents": 80000},
    ]


def test_contract_milestones_change_the_measures() -> None:
    # a 2-day first touch puts F (2) on time as well: A, E, F of A, B, E, F
    loose = compute(
        frames(DENIALS, TOUCHES),
        period="2026-05",
        milestones=Milestones(first_touch=2),
        holidays=HOLIDAYS,
    )
    assert loose.first_touch_within_sla_rate == Decimal("75.0000")


def test_an_empty_log_has_no_rates() -> None:
    empty = compute(frames([], []), period="2026-05")
    assert (empty.first_touch_within_sla_rate, empty.recovery_yield_rate) == (None, None)
    assert (empty.denials_received, empty.overdue, empty.ageing) == (0, [], [])


# --- Properties -------------------------------------------------------------------------------
LAST = D(2026, 5, 31)
DAYS = st.dates(min_value=D(2026, 4, 1), max_value=LAST)


def on_or_after(day: dt.date) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=day, max_value=LAST)


ACTIONS = st.sampled_from(["review", "correct_resubmit", "appeal", "payer_call", "write_off"])


@st.composite
def logs(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    denials, touches = [], []
    for i in range(n):
        received = draw(DAYS)
        resolved = draw(st.one_of(st.none(), on_or_after(received)))
        amount = draw(st.integers(min_value=1, max_value=10**7))
        denials.append(
            (f"D{i}", f"C{i}", draw(st.sampled_from(["Aetna", "Cigna"])),
             draw(st.sampled_from(["16", "50", "197"])), "", amount,
             draw(st.integers(min_value=0, max_value=amount)), received, resolved,
             "upheld" if resolved else "")
        )  # fmt: skip
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            day = draw(on_or_after(received))
            touches.append((f"D{i}", day, draw(ACTIONS), draw(st.one_of(st.none(), st.just(7)))))
    return denials, touches


@settings(max_examples=40, deadline=None)
@given(log=logs(), data=st.data())
def test_adding_a_touch_never_makes_a_first_touch_later(log, data) -> None:
    denials, touches = log
    denial = data.draw(st.sampled_from(denials))
    extra = (denial[0], data.draw(on_or_after(denial[7])), "review", None)
    before = first_touch_days(frames(denials, touches), period="2026-05", holidays=HOLIDAYS)
    more = frames(denials, [*touches, extra])
    after = first_touch_days(more, period="2026-05", holidays=HOLIDAYS)
    assert pd.notna(after[denial[0]])
    if pd.notna(before[denial[0]]):
        assert after[denial[0]] <= before[denial[0]]
    others = [d[0] for d in denials if d[0] != denial[0]]
    assert after[others].equals(before[others])


@settings(max_examples=40, deadline=None)
@given(log=logs(), data=st.data())
def test_the_order_of_rows_never_changes_a_measure(log, data) -> None:
    denials, touches = log
    shuffled = (data.draw(st.permutations(denials)), data.draw(st.permutations(touches)))
    assert compute(frames(*shuffled), period="2026-05", holidays=HOLIDAYS) == compute(
        frames(denials, touches), period="2026-05", holidays=HOLIDAYS
    )
