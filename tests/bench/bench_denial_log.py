"""Benchmark: a denial work log of 200,000 denials and 1,000,000 touches, from file to stored
measures, beside pandas reading the same file alone (issue #14: target within 3x of the read).

Run with ``uv run pytest -m bench -s tests/bench/bench_denial_log.py`` (SQLite file), and with
``DATABASE_URL`` on PostgreSQL. The log is generated (seeded) in the one-row-per-touch layout
(1,000,000 rows: 200,000 denials with 5 touches each, ages spread over three months). Each step
runs once: its seconds, and the process's peak RSS after it (pandas 3 keeps strings in Arrow
buffers, which tracemalloc does not see). It prints figures and
asserts only what was stored.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.bench.denial_log_file import DENIALS, TOUCHES_EACH
from tests.factories import ContractFactory
from worklogs.models import DenialLog, DenialWorkMeasures
from worklogs.services.logs import log_store

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]


def measured(step: Any) -> tuple[float, float, Any]:
    """Seconds of the step, and the process's peak RSS (MB) after it (monotone: the read runs
    first, so the store's figure is its own peak unless it stayed below the read's)."""
    gc.collect()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, result


def test_denial_log_benchmark(tmp_path: Path, settings: Any) -> None:
    settings.RESCORE_TASK = ""
    settings.MEDIA_ROOT = str(tmp_path)
    path = tmp_path / "log.csv"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from tests.bench.denial_log_file import write; write({str(path)!r})",
        ],
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    content = path.read_bytes()
    contract = ContractFactory(start_date=dt.date(2026, 1, 1))
    gc.collect()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the bare read: the same file, every column, as text (the reading we need); only its row
    # count is kept, so the frame does not weigh on the store's peak below
    read_s, read_mb, _ = measured(
        lambda: len(pd.read_csv(io.BytesIO(content), dtype="string", keep_default_na=False))
    )

    def store() -> Any:
        return log_store(
            vendor=contract.vendor, period="2026-05", content=content, file_name="may.csv"
        )

    store_s, store_mb, stored = measured(store)
    assert (stored.log.denial_count, stored.log.touch_count) == (DENIALS, DENIALS * TOUCHES_EACH)
    assert DenialLog.objects.count() == 1 and DenialWorkMeasures.objects.count() == 1
    print(
        f"\ndenial log {len(content) / 2**20:.0f} MB, {DENIALS:,} denials, "
        f"{DENIALS * TOUCHES_EACH:,} touches ({settings.DATABASES['default']['ENGINE']})\n"
        f"  process before the read: peak RSS {baseline:5.0f} MB (Django, pandas, the file)\n"
        f"  pandas read_csv alone  : {read_s:6.2f} s, peak RSS {read_mb:5.0f} MB\n"
        f"  file -> stored measures: {store_s:6.2f} s, peak RSS {store_mb:5.0f} MB  "
        f"({store_s / read_s:.2f}x the read; target 3x)"
    )
