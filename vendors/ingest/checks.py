"""Recomputing KPIs from raw counts and the consistency checks of domain.md section 2.

Column-wise over every vendor-period of a file at once. Values stay exact ``Decimal``; the
caller rounds only when storing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from .formulas import ZERO_DENOMINATOR, Formula, compile_formula, ratio_parts
from .headers import AGING_BUCKETS, RAW_FIELDS, KPISpec
from .table import Denial, Record
from .values import period_days

DEFAULT_MINIMUM_VOLUME = 30
AGING_TOLERANCE = Decimal("0.005")  # buckets may differ from total_ar by 0.5 %
DISCREPANCY_TOLERANCE = {  # stated vs recomputed, by unit
    "percent": Decimal("0.5"),
    "days": Decimal("1"),
    "hours": Decimal("1"),
    "business_days": Decimal("1"),
}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Finding:
    """Something in a report that does not add up (stored with it, not a rejection)."""

    code: str
    field: str
    message: str
    stated: Decimal | None = None
    expected: Decimal | None = None


class Value(NamedTuple):
    """One KPI or raw field of a vendor-period: stated, recomputed and the value evaluated.

    A named tuple: a network file makes ~200,000 of these, and tuples are built fastest.
    """

    field: str
    is_kpi: bool
    stated: Decimal | None
    recomputed: Decimal | None
    value: Decimal | None
    insufficient_data: bool = False
    volume: Decimal | None = None


@dataclass
class Outcome:
    """Values and findings of one vendor-period."""

    values: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _fmt(value: Decimal) -> str:
    """A number for a message: as written, or to two decimals when it has more."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return f"{value.quantize(Decimal('0.01')):f}"
    return f"{value:f}"


def evaluate_records(
    records: Sequence[Record],
    kpis: Sequence[KPISpec],
    *,
    minimum_volumes: Sequence[Mapping[str, int]] | None = None,
    denials: Mapping[int, Sequence[Denial]] | None = None,
) -> list[Outcome]:
    """Recompute every KPI whose raw counts are present and run the consistency checks.

    ``minimum_volumes[i]`` maps KPI codes to the minimum volume of record ``i`` (default 30);
    ``denials[i]`` is the denial breakdown of record ``i``.
    """
    n = len(records)
    columns: dict[str, list] = {f: [r.values.get(f) for r in records] for f in RAW_FIELDS}
    columns["period_days"] = [Decimal(period_days(r.period)) for r in records]
    outcomes = [Outcome() for _ in records]
    compiled: list[tuple[KPISpec, Formula | None, list | None]] = []
    for kpi in kpis:
        formula = compile_formula(kpi.formula) if kpi.formula else None
        results = None
        if formula is not None and any(
            any(v is not None for v in columns.get(name, ())) for name in formula.names
        ):
            results = formula.evaluate_columns(columns, n)
        compiled.append((kpi, formula, results))
    # Shares of the form count / denominator * 100: no count may exceed its denominator.
    ratios = list(
        dict.fromkeys(
            parts
            for _, formula, _ in compiled
            if formula is not None and (parts := ratio_parts(formula)) is not None
        )
    )
    # Per KPI, once: what the loop below needs (it runs ~70,000 times for a network file).
    plan = [
        (
            kpi,
            kpi.code,
            kpi.volume_field,
            results,
            DISCREPANCY_TOLERANCE.get(kpi.unit),
            kpi.unit == "percent",
        )
        for kpi, _formula, results in compiled
    ]
    for i, record in enumerate(records):
        values = record.values
        out = outcomes[i].values
        findings = outcomes[i].findings
        minimums = minimum_volumes[i] if minimum_volumes is not None else {}
        for kpi, code, volume_field, results, tolerance, is_percent in plan:
            stated = values.get(code)
            recomputed = results[i] if results is not None else None
            if stated is None and recomputed is None:
                continue
            volume = values.get(volume_field) if volume_field else None
            if recomputed is ZERO_DENOMINATOR or (
                volume is not None and volume < minimums.get(code, DEFAULT_MINIMUM_VOLUME)
            ):
                out.append(Value(code, True, stated, None, None, True, volume))
                continue
            if recomputed is None:
                out.append(Value(code, True, stated, None, stated, False, volume))
                continue
            out.append(Value(code, True, stated, recomputed, recomputed, False, volume))
            if (
                stated is not None
                and tolerance is not None
                and abs(stated - recomputed) > tolerance
            ) or (is_percent and not (0 <= recomputed <= HUNDRED)):
                _check_recomputed(kpi, stated, recomputed, findings)
        out.extend(
            [
                Value(raw, False, values[raw], None, values[raw])
                for raw in RAW_FIELDS
                if raw in values
            ]
        )
        _check_counts(record, ratios, findings)
        _check_aging(record, findings)
        if denials is not None and i in denials:
            _check_breakdown(record, denials[i], findings)
    return outcomes


def _check_recomputed(
    kpi: KPISpec, stated: Decimal | None, recomputed: Decimal, findings: list[Finding]
) -> None:
    tolerance = DISCREPANCY_TOLERANCE.get(kpi.unit)
    if stated is not None and tolerance is not None and abs(stated - recomputed) > tolerance:
        unit = "points" if kpi.unit == "percent" else kpi.unit.replace("_", " ")
        findings.append(
            Finding(
                "discrepancy",
                kpi.code,
                f"The vendor states {kpi.name.lower()} {_fmt(stated)}, but its raw counts give "
                f"{_fmt(recomputed)}: {_fmt(abs(stated - recomputed))} {unit} apart (tolerance "
                f"{tolerance} {unit}). The recomputed value is the one evaluated.",
                stated,
                recomputed,
            )
        )
    if kpi.unit == "percent" and not (0 <= recomputed <= HUNDRED):
        findings.append(
            Finding(
                "percent_out_of_range",
                kpi.code,
                f"{kpi.name} recomputed from the raw counts is {_fmt(recomputed)} %, "
                "outside 0 to 100.",
                None,
                recomputed,
            )
        )


def _check_counts(
    record: Record, ratios: Sequence[tuple[tuple[str, ...], str]], findings: list[Finding]
) -> None:
    for counts, denominator in ratios:
        total = record.values.get(denominator)
        values = [record.values[c] for c in counts if c in record.values]
        if total is None or len(values) != len(counts):
            continue
        part = sum(values, Decimal(0))
        if part > total:
            label = " + ".join(counts)
            findings.append(
                Finding(
                    "count_exceeds_denominator",
                    counts[0],
                    f"{label} ({_fmt(part)}) exceeds {denominator} ({_fmt(total)}).",
                    part,
                    total,
                )
            )


def _check_aging(record: Record, findings: list[Finding]) -> None:
    total = record.values.get("total_ar")
    buckets = [record.values[b] for b in AGING_BUCKETS if b in record.values]
    if total is None or len(buckets) != len(AGING_BUCKETS):
        return
    summed = sum(buckets, Decimal(0))
    if abs(summed - total) > abs(total) * AGING_TOLERANCE:
        findings.append(
            Finding(
                "aging_sum",
                "total_ar",
                f"The A/R aging buckets add up to {_fmt(summed)}, not the total A/R of "
                f"{_fmt(total)} (more than 0.5 % apart).",
                total,
                summed,
            )
        )


def _check_breakdown(record: Record, lines: Sequence[Denial], findings: list[Finding]) -> None:
    stated = record.values.get("claims_denied")
    if stated is None:
        return
    summed = Decimal(sum(line.claims_denied for line in lines))
    if summed != stated:
        findings.append(
            Finding(
                "breakdown_sum",
                "claims_denied",
                f"The denial breakdown adds up to {_fmt(summed)} denied claims, but the report "
                f"states {_fmt(stated)}.",
                stated,
                summed,
            )
        )
