"""Benchmark: the 10,000-row network file read by each decimal mark (issue 11).

Run with ``uv run pytest -m bench -s tests/bench/bench_ingest_numbers.py``. Prints the reading
time (read, parse, impossible-number checks; nothing stored) of the same numbers written three
ways: undeclared with points (the column-wise fast path), declared ``,`` with plain decimal
commas (column-wise too), and declared ``,`` with thousands points in the money columns (read
cell by cell). Asserts only that all three read the same values.
"""

from __future__ import annotations

import statistics
import time

import pytest

from tests.bench.bench_ingest import ROWS, network_file
from vendors.ingest.checks import impossible_numbers
from vendors.ingest.headers import HeaderMatcher
from vendors.ingest.reading import Limits, read_sheet
from vendors.ingest.table import parse_sheet
from vendors.services.reports import kpi_specs

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
RUNS = 3


def _grouped(cell: str) -> str:
    """An integer of more than three digits with thousands points (1.288.300)."""
    if not cell.isdigit() or len(cell) <= 3:
        return cell
    head, rest = cell[: len(cell) % 3 or 3], cell[len(cell) % 3 or 3 :]
    return ".".join([head, *(rest[i : i + 3] for i in range(0, len(rest), 3))])


def _variants(content: bytes) -> dict[str, tuple[bytes, str | None]]:
    lines = content.decode().splitlines()
    comma = [line.replace(",", ";").replace(".", ",") for line in lines]
    grouped = [
        ";".join(_grouped(c) if i >= 11 else c for i, c in enumerate(line.split(";")))
        for line in comma
    ]
    return {
        "undeclared, '.' decimals (column-wise)": ("\n".join(lines).encode() + b"\n", None),
        "declared ',', plain decimal commas (column-wise)": (
            "\n".join(comma).encode() + b"\n",
            ",",
        ),
        "declared ',', thousands points in money (cell by cell)": (
            "\n".join(grouped).encode() + b"\n",
            ",",
        ),
    }


def test_bench_reading_by_decimal_mark():
    slugs = [f"vendor-{i:04d}" for i in range(834)]
    kpis = kpi_specs()
    matcher = HeaderMatcher(kpis)
    figures = [f"Reading {ROWS:,} rows x 20 columns by decimal mark (median of {RUNS}):"]
    read_values = []
    for label, (content, mark) in _variants(network_file(slugs)).items():
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            sheet = read_sheet(content, file_name="n.csv", limits=Limits(), sheet=None)
            parsed = parse_sheet(sheet, matcher, decimal_mark=mark)
            errors = impossible_numbers(parsed.records, kpis, parsed.headers)
            runs.append(time.perf_counter() - started)
        assert parsed.errors == [] and errors == [], (parsed.errors[:3], errors[:3])
        read_values.append([r.values for r in parsed.records])
        median = statistics.median(runs)
        figures.append(f"  {label:<56} {median:6.2f} s  {ROWS / median:9,.0f} rows/s")
    assert read_values[0] == read_values[1] == read_values[2]
    print("\n" + "\n".join(figures))
