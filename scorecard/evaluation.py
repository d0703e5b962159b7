"""Status, points, overall score and standing of one contract in one period (domain.md section 3).

Pure arithmetic: plain data in, plain data out; no ORM, no settings, no now(). Values are compared
as exact decimals (never rounded before comparing); points and scores are exact until stored.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from scorecard.models import Status

# The status vocabulary is the model's choices (one home); plain strings here, for speed.
MEETS: str = Status.MEETS.value
WATCH: str = Status.WATCH.value
BREACH: str = Status.BREACH.value
INSUFFICIENT_DATA: str = Status.INSUFFICIENT_DATA.value
NOT_REPORTED: str = Status.NOT_REPORTED.value
STATUSES = (MEETS, WATCH, BREACH, INSUFFICIENT_DATA, NOT_REPORTED)

HIGHER = "higher"
LOWER = "lower"
HUNDRED = Decimal(100)
ZERO = Decimal(0)
UNSATISFACTORY = "Unsatisfactory"
TRAILING_PERIODS = 3


@dataclass(frozen=True)
class Term:
    """One SLA term in force, with its KPI definition copied beside it."""

    code: str
    name: str
    unit: str
    direction: str
    benchmark: Decimal
    warning: Decimal
    weight: Decimal
    minimum_volume: int = 30
    volume_field: str = ""
    formula: str = ""
    source: str = ""
    display_order: int = 100


@dataclass(frozen=True)
class Reading:
    """One KPI as a report gives it: the value evaluated, the stated and recomputed values."""

    value: Decimal | None
    stated_value: Decimal | None = None
    recomputed_value: Decimal | None = None
    insufficient_data: bool = False
    volume: Decimal | None = None


@dataclass(frozen=True)
class KPIResult:
    """The outcome for one KPI: status, exact points (None without a value) and the trend."""

    term: Term
    status: str
    value: Decimal | None
    stated_value: Decimal | None
    recomputed_value: Decimal | None
    points: Decimal | None
    previous_value: Decimal | None
    change: Decimal | None
    trailing_3m_average: Decimal | None


def _kpi_result(  # noqa: PLR0913, PLR0917, RUF100  (the fields of KPIResult, pinned by a test; speed)
    term: Term,
    status: str,
    value: Decimal | None,
    stated_value: Decimal | None,
    recomputed_value: Decimal | None,
    points: Decimal | None,
    previous_value: Decimal | None,
    change: Decimal | None,
    trailing_3m_average: Decimal | None,
) -> KPIResult:
    """``KPIResult(...)`` without the frozen dataclass's ``object.__setattr__`` per field, which
    costs more than the rest of a KPI's evaluation (an evaluation builds one per KPI and period).
    """
    result = object.__new__(KPIResult)
    fields = result.__dict__
    fields["term"] = term
    fields["status"] = status
    fields["value"] = value
    fields["stated_value"] = stated_value
    fields["recomputed_value"] = recomputed_value
    fields["points"] = points
    fields["previous_value"] = previous_value
    fields["change"] = change
    fields["trailing_3m_average"] = trailing_3m_average
    return result


@dataclass(frozen=True)
class PeriodResult:
    """The outcome for one contract in one period."""

    kpis: list[KPIResult]
    overall_score: Decimal | None
    standing: str

    @property
    def breached_weight(self) -> Decimal:
        """Sum of the weights of breached KPIs (the basis of the service credit)."""
        return sum((k.term.weight for k in self.kpis if k.status == BREACH), ZERO)

    def statuses(self) -> dict[str, str]:
        """Status by KPI code."""
        return {k.term.code: k.status for k in self.kpis}


def kpi_status(direction: str, value: Decimal, benchmark: Decimal, warning: Decimal) -> str:
    """``meets`` at or better than the benchmark, ``breach`` strictly worse than the warning,
    else ``watch``."""
    if direction == HIGHER:
        if value >= benchmark:
            return MEETS
        return WATCH if value >= warning else BREACH
    if value <= benchmark:
        return MEETS
    return WATCH if value <= warning else BREACH


def kpi_points(direction: str, value: Decimal, benchmark: Decimal, warning: Decimal) -> Decimal:
    """Points 0..100: 100 at or better than the benchmark, 0 at or worse than the warning,
    linear in between (exact, unrounded)."""
    status = kpi_status(direction, value, benchmark, warning)
    return _points(status, direction, value, benchmark, warning)


def _points(
    status: str, direction: str, value: Decimal, benchmark: Decimal, warning: Decimal
) -> Decimal:
    """``kpi_points`` of a value whose ``kpi_status`` is known."""
    if status == MEETS:
        return HUNDRED
    if status == BREACH or value == warning:
        return ZERO
    if direction == HIGHER:
        return (value - warning) / (benchmark - warning) * HUNDRED
    return (warning - value) / (warning - benchmark) * HUNDRED


def _code(contribution: tuple[str, Decimal, Decimal | None]) -> str:
    return contribution[0]


def overall_score(contributions: Iterable[tuple[str, Decimal, Decimal | None]]) -> Decimal | None:
    """sum(weight x points) / sum(weights of KPIs with points), to 0.01 half-up; None if none.

    ``contributions`` are (code, weight, points); summed in code order so the result never
    depends on the order of the rows.
    """
    scored = [c for c in contributions if c[2] is not None]
    if not scored:
        return None
    scored.sort(key=_code)
    weights = ZERO
    for _, w, _ in scored:
        weights += w
    if weights == 0:
        return None
    total = ZERO
    for _, w, p in scored:
        total += w * p  # type: ignore[operator]  # p is not None: filtered above
    return to_hundredths(total / weights)


HUNDREDTH = Decimal("0.01")
# Most points are these very objects (a KPI that meets, one in breach): rounded once, here.
_HUNDRED_ROUNDED = HUNDRED.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
_ZERO_ROUNDED = ZERO.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def to_hundredths(value: Decimal) -> Decimal:
    """Round half-up to two decimals (how points and scores are stored and shown)."""
    if value is HUNDRED:
        return _HUNDRED_ROUNDED
    if value is ZERO:
        return _ZERO_ROUNDED
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _edges(bands: Mapping[str, str | int | Decimal]) -> list[tuple[Decimal, str]]:
    """(lower edge, label) of every band, highest edge first (equal edges in the bands' order)."""
    return [
        (Decimal(str(edge)), name.replace("_", " ").capitalize())
        for name, edge in sorted(bands.items(), key=lambda b: Decimal(str(b[1])), reverse=True)
    ]


@functools.lru_cache(maxsize=256)
def _cached_edges(items: tuple[tuple[str, str | int | Decimal], ...]) -> list[tuple[Decimal, str]]:
    return _edges(dict(items))


def standing(score: Decimal | None, bands: Mapping[str, str | int | Decimal]) -> str:
    """Standing label for a score: the highest band whose lower edge the score reaches.

    ``bands`` maps a band name to its lower edge (``{"excellent": "90", "good": "75",
    "needs_improvement": "50"}``); below every edge the standing is "Unsatisfactory".
    """
    if score is None:
        return ""
    try:
        edges = _cached_edges(tuple(bands.items()))  # a contract's bands, parsed once
    except TypeError:  # an edge that cannot be a key
        edges = _edges(bands)
    for edge, label in edges:
        if score >= edge:
            return label
    return UNSATISFACTORY


def classify(
    term: Term,
    reading: Reading | None,
    raw: Mapping[str, Decimal | None],
    *,
    missing_is_breach: bool = False,
) -> tuple[str, Decimal | None]:
    """Status of one KPI and the value evaluated.

    A missing reading or value is ``not_reported`` (``breach`` when a late report's missing KPIs
    count as breach); a zero or too small denominator is ``insufficient_data``.
    """
    if reading is None or (reading.value is None and not reading.insufficient_data):
        return (BREACH if missing_is_breach else NOT_REPORTED), None
    if reading.insufficient_data:
        return INSUFFICIENT_DATA, None
    volume = reading.volume
    if volume is None and term.volume_field:
        volume = raw.get(term.volume_field)
    if volume is not None and volume < term.minimum_volume:
        return INSUFFICIENT_DATA, None
    assert reading.value is not None
    return kpi_status(term.direction, reading.value, term.benchmark, term.warning), reading.value


def _trend(
    value: Decimal | None, history: Sequence[Decimal | None]
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(previous value, change against it, trailing three-month average including this one)."""
    previous = history[-1] if history else None
    change = value - previous if value is not None and previous is not None else None
    window = [v for v in history[-(TRAILING_PERIODS - 1) :] if v is not None]
    if value is not None:
        window.append(value)
    average = sum(window, ZERO) / len(window) if window else None
    return previous, change, average


def _display_order(term: Term) -> tuple[int, str]:
    return term.display_order, term.code


def evaluate_period(
    terms: Iterable[Term],
    readings: Mapping[str, Reading],
    *,
    raw: Mapping[str, Decimal | None] | None = None,
    bands: Mapping[str, str | int | Decimal],
    missing_is_breach: bool = False,
    history: Mapping[str, Sequence[Decimal | None]] | None = None,
) -> PeriodResult:
    """Evaluate every SLA term of a contract for one period.

    ``readings`` maps KPI codes to what the report gives; ``raw`` the report's raw counts;
    ``history`` maps KPI codes to the values of the preceding consecutive periods, oldest first
    (None where a period had no value). KPI rows come out in display order.
    """
    raw = raw or {}
    history = history or {}
    results: list[KPIResult] = []
    contributions: list[tuple[str, Decimal, Decimal | None]] = []
    for term in sorted(terms, key=_display_order):
        reading = readings.get(term.code)
        status, value = classify(term, reading, raw, missing_is_breach=missing_is_breach)
        if value is not None:
            # classify gave the value's kpi_status: its points without judging it again.
            points: Decimal | None = _points(
                status, term.direction, value, term.benchmark, term.warning
            )
        elif status == BREACH:
            points = ZERO  # a missing KPI of a late report counts as a breach, with no points
        else:
            points = None
        previous, change, average = _trend(value, history.get(term.code, ()))
        results.append(
            _kpi_result(
                term,
                status,
                value,
                reading.stated_value if reading else None,
                reading.recomputed_value if reading else None,
                points,
                previous,
                change,
                average,
            )
        )
        contributions.append((term.code, term.weight, points))
    score = overall_score(contributions)
    return PeriodResult(kpis=results, overall_score=score, standing=standing(score, bands))
