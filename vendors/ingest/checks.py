"""Recomputing KPIs from raw counts, the consistency checks and the impossible numbers of
domain.md section 2.

Column-wise over every vendor-period of a file at once. Values stay exact ``Decimal``; the
caller rounds only when storing. A consistency check gives a finding (stored with the report);
an impossible number (a count above its denominator, a recomputed percent outside 0..100, a
negative recomputed count, amount or duration) is an error that refuses the file
(``impossible_numbers``), so no KPI is ever scored on one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from vendors.periods import period_days

from .errors import FileError
from .formulas import ZERO_DENOMINATOR, compile_formula, ratio_parts
from .headers import AGING_BUCKETS, RAW_FIELDS, KPISpec
from .table import NON_NEGATIVE_UNITS, UNIT_WORDS, Denial, Record

DEFAULT_MINIMUM_VOLUME = 30
AGING_TOLERANCE = Decimal("0.005")  # buckets may differ from total_ar by 0.5 %
DISCREPANCY_TOLERANCE = {  # stated vs recomputed, by unit
    "percent": Decimal("0.5"),
    "days": Decimal("1"),
    "hours": Decimal("1"),
    "business_days": Decimal("1"),
}
HUNDRED = Decimal(100)
ZERO = Decimal(0)


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


class KPIColumn(NamedTuple):
    """One KPI over every record of a file: each list holds one entry per record.

    ``insufficient`` is None where the record has no value for the KPI (nothing to store), else
    whether its denominator was zero or below the minimum volume.
    """

    code: str
    stated: list[Decimal | None]
    recomputed: list[Decimal | None]
    value: list[Decimal | None]
    insufficient: list[bool | None]
    volume: list[Decimal | None]


@dataclass
class Evaluation:
    """A file's values and findings, column by column (as the store writes them).

    ``kpis`` in catalog order, then ``raw``: the raw fields any record holds, each with one
    value (or None) per record. ``findings[i]`` are record ``i``'s.
    """

    kpis: list[KPIColumn]
    raw: list[tuple[str, list[Decimal | None]]]
    findings: list[list[Finding]]

    def outcomes(self) -> list[Outcome]:
        """The same, record by record: KPI values in catalog order, then raw fields."""
        outcomes = [Outcome(findings=found) for found in self.findings]
        for column in self.kpis:
            rows = zip(
                outcomes,
                column.stated,
                column.recomputed,
                column.value,
                column.insufficient,
                column.volume,
                strict=True,
            )
            for outcome, stated, recomputed, value, insufficient, volume in rows:
                if insufficient is not None:
                    outcome.values.append(
                        Value(column.code, True, stated, recomputed, value, insufficient, volume)
                    )
        for name, values in self.raw:
            for outcome, value in zip(outcomes, values, strict=True):
                if value is not None:
                    outcome.values.append(Value(name, False, value, None, value))
        return outcomes


def _fmt(value: Decimal) -> str:
    """A number for a message: as written, or to two decimals when it has more."""
    text = f"{value:f}"
    point = text.find(".")
    if point != -1 and len(text) - point > 3:  # more than two decimals
        return f"{value.quantize(Decimal('0.01')):f}"
    return text


def declared_raw_fields(kpis: Sequence[KPISpec]) -> list[str]:
    """Raw fields the catalog's custom KPIs declared (beyond the shipped ones), in order."""
    return list(dict.fromkeys(name for kpi in kpis for name, _ in kpi.raw_fields))


def evaluate_records(
    records: Sequence[Record],
    kpis: Sequence[KPISpec],
    *,
    minimum_volumes: Sequence[Mapping[str, int]] | None = None,
    denials: Mapping[int, Sequence[Denial]] | None = None,
) -> list[Outcome]:
    """Recompute every KPI whose raw counts are present and run the consistency checks.

    ``minimum_volumes[i]`` maps KPI codes to the minimum volume of record ``i`` (default 30);
    ``denials[i]`` is the denial breakdown of record ``i``. Record by record; see
    ``evaluate_columns`` for the same by column.
    """
    return evaluate_columns(
        records, kpis, minimum_volumes=minimum_volumes, denials=denials
    ).outcomes()


def evaluate_columns(
    records: Sequence[Record],
    kpis: Sequence[KPISpec],
    *,
    minimum_volumes: Sequence[Mapping[str, int]] | None = None,
    denials: Mapping[int, Sequence[Denial]] | None = None,
) -> Evaluation:
    """``evaluate_records``, column by column: each KPI is worked out over every record in one
    pass (a network file holds 10,000 records)."""
    n = len(records)
    raw_names = [*RAW_FIELDS, *declared_raw_fields(kpis)]
    columns: dict[str, list] = {f: [r.values.get(f) for r in records] for f in raw_names}
    days = {p: Decimal(period_days(p)) for p in {r.period for r in records}}
    columns["period_days"] = [days[r.period] for r in records]
    findings: list[list[Finding]] = [[] for _ in records]
    kpi_columns: list[KPIColumn] = []
    for kpi in kpis:
        formula = compile_formula(kpi.formula) if kpi.formula else None
        results: list | None = None
        if formula is not None and any(
            any(v is not None for v in columns.get(name, ())) for name in formula.names
        ):
            results = formula.evaluate_columns(columns, n)
        column = _kpi_column(records, kpi, results, columns, minimum_volumes, findings)
        if column is not None:
            kpi_columns.append(column)
    raw = [(name, columns[name]) for name in raw_names if any(v is not None for v in columns[name])]
    _check_aging(columns, findings)
    if denials:
        for i, lines in denials.items():
            _check_breakdown(records[i], lines, findings[i])
    return Evaluation(kpi_columns, raw, findings)


def _kpi_column(
    records: Sequence[Record],
    kpi: KPISpec,
    results: list | None,
    columns: Mapping[str, list],
    minimum_volumes: Sequence[Mapping[str, int]] | None,
    findings: list[list[Finding]],
) -> KPIColumn | None:
    """One KPI over every record: stated, recomputed, evaluated value, insufficiency, volume;
    None when no record has it."""
    code = kpi.code
    n = len(records)
    stated_values = [r.values.get(code) for r in records]
    if results is None:
        if all(v is None for v in stated_values):
            return None
        results = [None] * n
    volumes, minimums = _volumes(records, kpi, columns, minimum_volumes)
    tolerance = DISCREPANCY_TOLERANCE.get(kpi.unit)
    absent: tuple[Any, ...] = (None, None, None, None, None)
    rows: list[tuple[Any, ...]] = []
    for i, (stated, recomputed, volume, minimum) in enumerate(
        zip(stated_values, results, volumes, minimums, strict=True)
    ):
        if stated is None and recomputed is None:
            rows.append(absent)
        elif recomputed is ZERO_DENOMINATOR or (volume is not None and volume < minimum):
            rows.append((stated, None, None, True, volume))
        elif recomputed is None:
            rows.append((stated, None, stated, False, volume))
        else:
            rows.append((stated, recomputed, recomputed, False, volume))
            if (
                stated is not None
                and tolerance is not None
                and abs(stated - recomputed) > tolerance
            ):
                _check_recomputed(kpi, stated, recomputed, findings[i])
    if not rows:
        return None
    stated_out, recomputed_out, value_out, insufficient_out, volume_out = map(
        list, zip(*rows, strict=True)
    )
    return KPIColumn(code, stated_out, recomputed_out, value_out, insufficient_out, volume_out)


def _volumes(
    records: Sequence[Record],
    kpi: KPISpec,
    columns: Mapping[str, list],
    minimum_volumes: Sequence[Mapping[str, int]] | None,
) -> tuple[list, list[int] | Sequence[int]]:
    """Each record's volume for the KPI (None without a volume field) and its minimum."""
    n = len(records)
    volume_field = kpi.volume_field
    if not volume_field:
        volumes: list = [None] * n
    elif volume_field in columns:
        volumes = columns[volume_field]
    else:
        volumes = [r.values.get(volume_field) for r in records]
    if minimum_volumes is None or not volume_field:  # no volume: no minimum to compare
        minimums: list[int] | Sequence[int] = [DEFAULT_MINIMUM_VOLUME] * n
    else:
        minimums = [m.get(kpi.code, DEFAULT_MINIMUM_VOLUME) for m in minimum_volumes]
    return volumes, minimums


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


def _missing(column: list) -> bool:
    """Whether a value is missing (``None in column`` would compare each Decimal to None, an
    abstract-class check for Decimal each time)."""
    return any(v is None for v in column)


def _summed(columns: Sequence[list]) -> list:
    """Row by row, the sum of the columns' values (from Decimal 0, as ``sum`` adds), or None
    where one is missing."""
    if len(columns) == 1 and not _missing(columns[0]):
        return [ZERO + v for v in columns[0]]
    if not any(_missing(c) for c in columns):
        return [sum(values, ZERO) for values in zip(*columns, strict=True)]
    return [
        None if any(v is None for v in values) else sum(values, ZERO)
        for values in zip(*columns, strict=True)
    ]


def _check_aging(columns: Mapping[str, list], findings: list[list[Finding]]) -> None:
    summed = _summed([columns[b] for b in AGING_BUCKETS])
    for i, (total, buckets) in enumerate(zip(columns["total_ar"], summed, strict=True)):
        if total is None or buckets is None:
            continue
        if abs(buckets - total) > abs(total) * AGING_TOLERANCE:
            findings[i].append(
                Finding(
                    "aging_sum",
                    "total_ar",
                    f"The A/R aging buckets add up to {_fmt(buckets)}, not the total A/R of "
                    f"{_fmt(total)} (more than 0.5 % apart).",
                    total,
                    buckets,
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


def impossible_numbers(
    records: Sequence[Record],
    kpis: Sequence[KPISpec],
    headers: Mapping[str, str] | None = None,
) -> list[FileError]:
    """Every impossible number of a file's records, as errors by row and column (domain.md
    section 2): a count above its denominator (``claims_accepted_first_pass`` or
    ``claims_denied`` above ``claims_submitted``, and any share ``count / denominator * 100`` of
    the catalog), a percent recomputed from raw counts outside 0..100, a recomputed count,
    amount or duration below zero. ``headers`` maps a field to its header in the file, to name
    the column as the file does. Stated values were checked as they were read."""
    headers = headers or {}
    raw_names = [*RAW_FIELDS, *declared_raw_fields(kpis)]
    columns: dict[str, list] = {f: [r.values.get(f) for r in records] for f in raw_names}
    if not any(any(v is not None for v in column) for column in columns.values()):
        return []  # nothing to recompute from (the common case of a file of stated KPIs)
    days = {p: Decimal(period_days(p)) for p in {r.period for r in records}}
    columns["period_days"] = [days[r.period] for r in records]
    formulas = [(kpi, compile_formula(kpi.formula)) for kpi in kpis if kpi.formula]
    errors, flagged = _share_errors(records, formulas, columns, headers)
    for kpi, formula in formulas:
        errors.extend(
            _outside_range(records, kpi, formula, columns=columns, headers=headers, flagged=flagged)
        )
    errors.sort(key=lambda e: e.row or 0)
    return errors


def _share_errors(
    records: Sequence[Record],
    formulas: Sequence[tuple[KPISpec, Any]],
    columns: Mapping[str, list],
    headers: Mapping[str, str],
) -> tuple[list[FileError], set[tuple[int, str]]]:
    """A count above the denominator it is a share of: the errors, and the (record, count
    field) pairs they refuse."""
    n = len(records)
    errors: list[FileError] = []
    flagged: set[tuple[int, str]] = set()  # (record, count field) already refused
    shares = {share: None for _, f in formulas if (share := ratio_parts(f)) is not None}
    for counts, denominator in shares:
        blank = [None] * n
        parts = _summed([columns.get(c, blank) for c in counts])
        label = " + ".join(f"{c} ({{{c}}})" for c in counts)
        for i, (total, part) in enumerate(zip(columns.get(denominator, blank), parts, strict=True)):
            if total is None or part is None or part <= total:
                continue
            shown = label.format(**{c: _fmt(columns[c][i]) for c in counts})
            errors.append(
                FileError(
                    records[i].row,
                    headers.get(counts[0], counts[0]),
                    f"{shown} is above {denominator} ({_fmt(total)}): a count cannot exceed "
                    "the total it is part of",
                )
            )
            flagged.update((i, c) for c in counts)
    return errors, flagged


def _outside_range(
    records: Sequence[Record],
    kpi: KPISpec,
    formula: Any,
    *,
    columns: Mapping[str, list],
    headers: Mapping[str, str],
    flagged: set[tuple[int, str]],
) -> list[FileError]:
    """A percent recomputed outside 0..100, or a count, amount or duration below zero."""
    unit = kpi.unit
    if unit != "percent" and unit not in NON_NEGATIVE_UNITS:
        return []
    if not any(any(v is not None for v in columns.get(name, ())) for name in formula.names):
        return []
    parts_of = ratio_parts(formula)
    counted = parts_of[0] if parts_of else ()
    errors: list[FileError] = []
    for i, value in enumerate(formula.evaluate_columns(columns, len(records))):
        if value is None or value is ZERO_DENOMINATOR:
            continue
        possible = 0 <= value <= HUNDRED if unit == "percent" else value >= 0
        if possible or any((i, c) in flagged for c in counted):
            continue  # (a count above its denominator says it already)
        inputs = ", ".join(
            f"{name} {_fmt(columns[name][i])}"
            for name in sorted(formula.names)
            if name != "period_days"
        )
        stated = records[i].values.get(kpi.code)
        said = f"; the vendor states {_fmt(stated)}" if stated is not None else ""
        if unit == "percent":
            problem = f"{_fmt(value)} %, outside 0 to 100"
        else:
            problem = f"{_fmt(value)}, below zero: {UNIT_WORDS[unit]} cannot be negative"
        errors.append(
            FileError(
                records[i].row,
                headers.get(kpi.code, kpi.code),
                f"{kpi.name} recomputed from the raw counts ({inputs}) is {problem}{said}",
            )
        )
    return errors
