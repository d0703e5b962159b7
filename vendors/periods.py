"""The one periods module: month bounds, due dates, business days and ranges; pure, no now().

Periods are written ``YYYY-MM``; ingestion, evaluation, pages and PDF all use this module.

A business day is Monday to Friday and not one of the holidays the caller passes (the service
passes the holidays in force).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable


# Periods are few and asked for often (a 10,000-row file asks 20,000 times): each one's bounds
# are worked out once. Dates are immutable, so a cached one is safe to share.
@functools.lru_cache(maxsize=4096)
def period_start(period: str) -> dt.date:
    """First day of a period written ``YYYY-MM``."""
    year, month = (int(p) for p in period.split("-"))
    return dt.date(year, month, 1)


@functools.lru_cache(maxsize=4096)
def period_end(period: str) -> dt.date:
    """Last day of a period written ``YYYY-MM``."""
    start = period_start(period)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def period_days(period: str) -> int:
    """Calendar days in a period written ``YYYY-MM``."""
    return period_end(period).day


@functools.lru_cache(maxsize=4096)
def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period written ``YYYY-MM``."""
    return period_start(period), period_end(period)


def period_of(day: dt.date) -> str:
    """The period (``YYYY-MM``) a date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def next_period(period: str) -> str:
    """The period after ``period``."""
    return period_of(period_end(period) + dt.timedelta(days=1))


def previous_period(period: str) -> str:
    """The period before ``period``."""
    return period_of(period_start(period) - dt.timedelta(days=1))


def has_ended(period: str, today: dt.date) -> bool:
    """True once the period's last day is over (on its last day, the month is still running)."""
    return period_end(period) < today


def overlaps(period: str, start: dt.date, end: dt.date | None) -> bool:
    """True when a span from ``start`` to ``end`` (inclusive; None = open-ended) touches the
    period on at least one day: a contract so dated covers the period."""
    first, last = period_bounds(period)
    return start <= last and (end is None or end >= first)


def shift_period(period: str, months: int) -> str:
    """The period ``months`` later (negative: earlier)."""
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_apart(first: str, last: str) -> int:
    """How many months ``last`` lies after ``first`` (negative when before)."""
    y1, m1 = (int(p) for p in first.split("-"))
    y2, m2 = (int(p) for p in last.split("-"))
    return (y2 - y1) * 12 + (m2 - m1)


def periods_ending(last: str, count: int = 12) -> list[str]:
    """``count`` consecutive periods ending with ``last``, oldest first."""
    return [shift_period(last, -i) for i in range(count - 1, -1, -1)]


def periods_between(first: str, last: str, *, limit: int | None = None) -> list[str]:
    """Every period from ``first`` to ``last``, both included, in order (empty when reversed);
    at most ``limit`` of them when given (a range a person typed)."""
    out: list[str] = []
    current = first
    while current <= last and (limit is None or len(out) < limit):
        out.append(current)
        current = next_period(current)
    return out


def parse_holidays(values: Iterable[str | dt.date]) -> frozenset[dt.date]:
    """Holidays given as ISO dates (or dates) as a set of dates."""
    return frozenset(v if isinstance(v, dt.date) else dt.date.fromisoformat(v) for v in values)


def is_business_day(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> bool:
    """True on Monday to Friday unless the day is a holiday."""
    return day.weekday() < 5 and day not in holidays


def nth_business_day(
    year: int, month: int, n: int, holidays: frozenset[dt.date] = frozenset()
) -> dt.date:
    """The ``n``-th business day (1-based) of a month; may run into the next month if short."""
    if n < 1:
        raise ValueError("n counts from 1.")
    day = dt.date(year, month, 1) - dt.timedelta(days=1)
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return day


def business_days_after(
    day: dt.date, n: int, holidays: frozenset[dt.date] = frozenset()
) -> dt.date:
    """The ``n``-th business day after ``day`` (``day`` itself not counted; ``n`` >= 0)."""
    if n < 0:
        raise ValueError("n counts from 0.")
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return day


def report_due_date(
    period: str, due_business_day: int, holidays: frozenset[dt.date] = frozenset()
) -> dt.date:
    """Date by which a period's report is due: business day N of the following month."""
    following = period_start(next_period(period))
    return nth_business_day(following.year, following.month, due_business_day, holidays)


def is_late(received_on: dt.date, due_date: dt.date) -> bool:
    """A report received after its due date (received on the due date is on time)."""
    return received_on > due_date
