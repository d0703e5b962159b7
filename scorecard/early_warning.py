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


def _rounded_ratio(numerator: int, denominator: int, places: int = SHOWN_PLACES) -> Decimal:
    """``numerator / denominator`` (denominator > 0) rounded half up, away from zero."""
    units = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    return Decimal(units if numerator >= 0 else -units).scaleb(-places)


def rounded(value: Fraction, places: int = SHOWN_PLACES) -> Decimal:
    """An exact rational rounded half up (away from zero) to ``places`` decimals."""
    return _rounded_ratio(value.numerator, value.denominator, places)


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def project(
    history: Sequence[tuple[str, Decimal | None]],
    *,
    status: str,
    direction: str,
    warning: Decimal,
) -> Projection | None:
    """The projection of one KPI from its ``(period, value)`` history, oldest first, whose last
    entry is the month judged (with its ``status``); None without a projection.

    Only the last ``WINDOW`` entries count; entries without a value are left out. Exact integer
    arithmetic: every value is scaled by the same power of ten to a whole number, and each
    projected value is the ratio ``(Sy*D - B*Sx + n*B*x) / (n*D)`` with ``D = n*Sxx - Sx^2``
    and ``B = n*Sxy - Sx*Sy`` (the least-squares line, unrounded).
    """
    if not history or history[-1][1] is None:
        return None
    window = history[-WINDOW:]
    first = window[0][0]
    known = [(months_apart(first, p), v) for p, v in window if v is not None]
    if len(known) < MIN_POINTS:
        return None
    places = max(_decimals(warning), *(_decimals(v) for _, v in known))
    scale = 10**places
    xs = [x for x, _ in known]
    ys = [int(v.scaleb(places)) for _, v in known]
    limit = int(warning.scaleb(places))
    n, sx, sy = len(xs), sum(xs), sum(ys)
    det = n * sum(x * x for x in xs) - sx * sx  # > 0: the months are distinct
    slope = n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sx * sy  # over det
    denominator = n * det
    judged = window[-1][0]
    values: list[tuple[str, Decimal]] = []
    breach_period = None
    for ahead in range(1, HORIZON + 1):
        period = shift_period(judged, ahead)
        numerator = sy * det - slope * sx + n * slope * months_apart(first, period)
        values.append((period, _rounded_ratio(numerator, denominator * scale)))
        worse = (
            numerator > limit * denominator
            if direction == LOWER
            else numerator < limit * denominator
        )
        if breach_period is None and worse:
            breach_period = period
    at_risk = status in (MEETS, WATCH) and breach_period is not None
    return Projection(
        values=tuple(values),
        at_risk=at_risk,
        breach_period=breach_period if at_risk else None,
    )
