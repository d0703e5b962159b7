"""Reading values and periods: every accepted form reads the same number; nothing is guessed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors.ingest.values import CellError, parse_number, parse_period

amounts = st.decimals(min_value=0, max_value=D("999999999999.99"), places=2, allow_nan=False)


def grouped(value: D, sep: str) -> str:
    """``value`` written with a thousands separator."""
    whole, _, frac = f"{value:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sep.join(groups) + (f".{frac}" if frac else "")


@given(amounts)
def test_every_accepted_form_of_a_number_reads_the_same(value):
    plain = f"{value:f}"
    forms = [
        plain,
        f"  {plain} ",
        f"+{plain}",
        grouped(value, ","),
        grouped(value, " "),
        grouped(value, "\u00a0"),
        grouped(value, "'"),
        f"${grouped(value, ',')}",
        f"$ {plain}",
        f"{plain} €",
        f"£{plain}",
        f"{plain}%",
        f"{grouped(value, ',')} %",
    ]
    read = {form: parse_number(form) for form in forms}
    assert {n.value for n in read.values()} == {value}, read
    assert read[f"{plain}%"].percent_sign and not read[plain].percent_sign


@given(amounts.filter(lambda v: v > 0))
def test_negative_forms_read_the_same_negative_number(value):
    plain = f"{value:f}"
    for form in (
        f"-{plain}",
        f"({grouped(value, ',')})",
        f"-${plain}",
        f"$-{plain}",
        f"\u2212{plain}",
    ):
        assert parse_number(form).value == -value


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_an_xlsx_float_reads_as_its_shortest_text(value):
    # No accepted form changes a value: a float reads as the number Excel shows.
    assert parse_number(value).value == D(repr(value))


def test_blank_cells_are_no_value():
    assert parse_number("") is None and parse_number("   ") is None and parse_number(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ninety", "'ninety' is not a number"),
        (
            "1,5",
            "'1,5' has a decimal comma, which is read only once declared; declare the decimal "
            "mark ',' for this upload (decimal_mark) or in the vendor's column mapping",
        ),
        (
            "12,34",
            "'12,34' has a decimal comma, which is read only once declared; declare the decimal "
            "mark ',' for this upload (decimal_mark) or in the vendor's column mapping",
        ),
        ("1,23,456", "'1,23,456' is not a number"),
        ("1.2.3", "'1.2.3' is not a number"),
        ("NaN", "'NaN' is not a number"),
        ("1e5", "'1e5' is not a number"),
        ("--4", "'--4' is not a number"),
    ],
)
def test_unreadable_numbers_say_why(text, message):
    with pytest.raises(CellError) as exc:
        parse_number(text)
    assert str(exc.value) == message


months = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2999, 12, 31))
NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@given(months)
def test_every_accepted_form_of_a_period_reads_the_same(day):
    expected = f"{day.year:04d}-{day.month:02d}"
    forms = [
        expected,
        f"{day.year}-{day.month}",
        day.isoformat(),
        f"{day.month:02d}/{day.year}",
        f"{day.month}/{day.year}",
        f"{NAMES[day.month - 1]} {day.year}",
        f"{NAMES[day.month - 1].upper()} {day.year}",
        f"{day:%B} {day.year}",
        f"{NAMES[day.month - 1]}-{day.year}",
        day,
        dt.datetime(day.year, day.month, day.day, 12, 30),
    ]
    assert {parse_period(f) for f in forms} == {expected}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "'2026-13' is not a period: there is no month 13"),
        ("13/2026", "'13/2026' is not a period: there is no month 13"),
        ("2026-02-30", "'2026-02-30' is not a date: that day does not exist"),
        ("Octember 2026", "'Octember 2026' is not a period: 'Octember' is not a month"),
        (
            "Q3 2026",
            "'Q3 2026' is not a period; write it as 2026-10, 2026-10-31, 10/2026 or Oct 2026",
        ),
        ("", "the period is missing; write it as 2026-10, 2026-10-31, 10/2026 or Oct 2026"),
    ],
)
def test_unreadable_periods_say_why(text, message):
    with pytest.raises(CellError) as exc:
        parse_period(text)
    assert str(exc.value) == message
