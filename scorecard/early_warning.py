"""Early warning (domain.md section 11): a KPI's trend projected three months ahead.

Pure arithmetic: plain data in, plain data out; no ORM, no settings, no now().

Method: ordinary least squares over the KPI's values in the last six evaluated months (the
vendor's last six scorecards up to and including the one judged; months without a value are left
out, months are placed by their calendar distance). With ``x`` the month's distance from the
first of them and ``y`` the value, slope ``b = sum((x - mean x)(y - mean y)) / sum((x - mean x)^2)``
and intercept ``a = mean y - b * mean x``; month ``x`` projects to ``a + b * x``. The arithmetic is
exact (rational numbers built from the stored decimals): the comparison with the warning threshold
is never rounded; the projected values are shown rounded half up to four decimals. Fewer than four
values, or no value in the month judged: no projection. A KPI whose status is ``meets`` or
``watch`` in the month judged and whose projection is strictly worse than its warning threshold
(lower for a higher-is-better KPI, higher for a lower-is-better one; a breach as in section 3) in
one of the next three months is at risk, with the first such month.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from scorecard.evaluation import LOWER, MEETS, WATCH
from vendors.periods import months_apart, shift_period

WINDOW = 6  # evaluated months the trend is fitted over
MIN_POINTS = 4  # fewer values: no projection
HORIZON = 3  # months projected
SHOWN_PLACES = 4  # decimals of a projected value as shown


@dataclass(frozen=True)
class Projection:
    """The next ``HORIZON`` months' projected values and whether the KPI is at risk."""

    values: tuple[tuple[str, Decimal], ...]  # (period, value rounded to SHOWN_PLACES)
    at_risk: bool
    breach_period: str | None  # the first projected month strictly worse than the warning


def rounded(value: Fraction, places: int = SHOWN_PLACES) -> Decimal:
    """An exact rational rounded half up (away from zero) to ``places`` decimals."""
    scaled = abs(value) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def fit(points: Sequence[tuple[int, Fraction]]) -> tuple[Fraction, Fraction]:
    """Least-squares intercept and slope of ``(x, y)`` points (at least two distinct x)."""
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in points), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in points), Fraction(0))
    slope = sxy / sxx
    return mean_y - slope * mean_x, slope


def worse_than(value: Fraction, warning: Decimal, direction: str) -> bool:
    """True when ``value`` is strictly worse than the warning threshold (a breach)."""
    limit = Fraction(warning)
    return value > limit if direction == LOWER else value < limit


def project(
    history: Sequence[tuple[str, Decimal | None]],
    *,
    status: str,
    direction: str,
    warning: Decimal,
) -> Projection | None:
    """The projection of one KPI from its ``(period, value)`` history, oldest first, whose last
    entry is the month judged (with its ``status``); None without a projection.

    Only the last ``WINDOW`` entries count; entries without a value are left out.
    """
    if not history or history[-1][1] is None:
        return None
    window = history[-WINDOW:]
    first = window[0][0]
    points = [(months_apart(first, p), Fraction(v)) for p, v in window if v is not None]
    if len(points) < MIN_POINTS:
        return None
    intercept, slope = fit(points)
    judged = window[-1][0]
    values: list[tuple[str, Decimal]] = []
    breach_period = None
    for ahead in range(1, HORIZON + 1):
        period = shift_period(judged, ahead)
        value = intercept + slope * months_apart(first, period)
        values.append((period, rounded(value)))
        if breach_period is None and worse_than(value, warning, direction):
            breach_period = period
    at_risk = status in (MEETS, WATCH) and breach_period is not None
    return Projection(
        values=tuple(values),
        at_risk=at_risk,
        breach_period=breach_period if at_risk else None,
    )
